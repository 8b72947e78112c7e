/// A character-level GPT with hand-written backward passes: token and learned position
/// embeddings, `layers` blocks of causal multi-head attention and a 4x GELU MLP (with biases),
/// Pre-LN or Post-LN, a final LayerNorm and an untied output head.
///
/// Initialisation (GPT-2 / nanoGPT): weights and embeddings ~ N(0, 0.02²), the two residual
/// output projections of each block ~ N(0, (0.02/√(2·layers))²), biases 0, LayerNorm weights 1
/// and biases 0. The initial loss is then close to ln(vocabulary).
public struct GPT: Sendable {
  /// The shape.
  public let config: GPTConfig

  /// A model of shape `config`.
  public init(_ config: GPTConfig) throws(TrainingError) {
    guard config.channels > 0, config.heads > 0, config.channels % config.heads == 0 else {
      throw .invalidConfiguration(field: "heads", reason: "width \(config.channels) is not divisible by \(config.heads) heads")
    }
    guard config.layers >= 0, config.context > 0, config.vocabulary > 0 else {
      throw .invalidConfiguration(field: "layers", reason: "layers, context and vocabulary must be positive")
    }
    guard config.layers <= 1024 else {
      throw .invalidConfiguration(field: "layers", reason: "\(config.layers) is more than 1024")
    }
    guard config.channels <= 16_384, config.context <= 65_536, config.vocabulary <= 1 << 20 else {
      throw .invalidConfiguration(field: "width", reason: "width \(config.channels) (at most 16384), context \(config.context) "
        + "(at most 65536) or vocabulary \(config.vocabulary) (at most 2^20) is too large")
    }
    // About 12·L·C² + (V + T)·C weights: the flat buffers index them with Int32-sized counts.
    let c = Double(config.channels)
    let weights = 12 * Double(config.layers) * c * c + Double(config.vocabulary + config.context) * c
    guard weights <= Double(1 << 31) else {
      throw .invalidConfiguration(field: "width", reason: "\(config.layers) layers of width \(config.channels) "
        + "is about \(Int(weights)) weights, more than the 2^31 this CPU engine trains")
    }
    guard config.dropout >= 0 && config.dropout < 1 else {
      throw .invalidConfiguration(field: "dropout", reason: "must be in [0, 1)")
    }
    self.config = config
  }

  /// Offsets of every tensor in the flat parameter buffer.
  public struct Layout: Sendable {
    public let wte, wpe, lnfW, lnfB, head: Int
    public let layerBase: [Int]
    public let c: Int
    // Offsets inside a layer.
    public var ln1W: Int { 0 }
    public var ln1B: Int { c }
    public var qkvW: Int { 2 * c }
    public var qkvB: Int { 2 * c + 3 * c * c }
    public var projW: Int { qkvB + 3 * c }
    public var projB: Int { projW + c * c }
    public var ln2W: Int { projB + c }
    public var ln2B: Int { ln2W + c }
    public var fcW: Int { ln2B + c }
    public var fcB: Int { fcW + 4 * c * c }
    public var fcProjW: Int { fcB + 4 * c }
    public var fcProjB: Int { fcProjW + 4 * c * c }
  }

  /// Where each tensor lives.
  public var layout: Layout {
    let c = config.channels
    let wte = 0
    let wpe = config.vocabulary * c
    var base = wpe + config.context * c
    var bases: [Int] = []
    for _ in 0..<config.layers {
      bases.append(base)
      base += config.parametersPerLayer
    }
    return Layout(wte: wte, wpe: wpe, lnfW: base, lnfB: base + c, head: base + 2 * c, layerBase: bases, c: c)
  }

  /// Named tensors, for parameter groups (`ParameterGroup.decayAndNoDecay`).
  public var tensors: [(name: String, range: Range<Int>)] {
    let l = layout
    let c = config.channels
    var out: [(String, Range<Int>)] = [
      ("wte", l.wte..<l.wte + config.vocabulary * c), ("wpe", l.wpe..<l.wpe + config.context * c),
    ]
    for (i, b) in l.layerBase.enumerated() {
      let p = "blocks.\(i)."
      out += [
        (p + "ln1.weight", b + l.ln1W..<b + l.ln1B), (p + "ln1.bias", b + l.ln1B..<b + l.qkvW),
        (p + "attn.qkv.weight", b + l.qkvW..<b + l.qkvB), (p + "attn.qkv.bias", b + l.qkvB..<b + l.projW),
        (p + "attn.proj.weight", b + l.projW..<b + l.projB), (p + "attn.proj.bias", b + l.projB..<b + l.ln2W),
        (p + "ln2.weight", b + l.ln2W..<b + l.ln2B), (p + "ln2.bias", b + l.ln2B..<b + l.fcW),
        (p + "mlp.fc.weight", b + l.fcW..<b + l.fcB), (p + "mlp.fc.bias", b + l.fcB..<b + l.fcProjW),
        (p + "mlp.proj.weight", b + l.fcProjW..<b + l.fcProjB), (p + "mlp.proj.bias", b + l.fcProjB..<b + config.parametersPerLayer),
      ]
    }
    out += [("ln_f.weight", l.lnfW..<l.lnfB), ("ln_f.bias", l.lnfB..<l.head),
            ("head.weight", l.head..<l.head + c * config.vocabulary)]
    return out
  }

  /// Initial parameters from `seed`.
  public func initialParameters(seed: UInt64) -> [Float] {
    var rng = SplitMix64(seed: seed)
    var p = [Float](repeating: 0, count: config.parameterCount)
    let residualScale = 0.02 / Float(2 * max(config.layers, 1)).squareRoot()
    for (name, range) in tensors {
      if name.hasSuffix(".bias") { continue }
      if name.contains("ln") {
        for i in range { p[i] = 1 }
        continue
      }
      let std: Float = name.hasSuffix("proj.weight") ? residualScale : 0.02
      for i in range { p[i] = rng.normal() * std }
    }
    return p
  }
}
