/// Activations and gradient scratch of one shard of a ``GPT`` batch: everything the backward
/// pass needs from the forward pass, allocated once and reused every step.
final class GPTActivations {
  let batch: Int
  let scratch = Scratch()
  // Per layer.
  let xIn: [UnsafeMutablePointer<Float>]
  let ln1, ln1Mean, ln1Rstd, qkv, probs, att, mid, ln2, ln2Mean, ln2Rstd, fcAct, fcSlope, r2: [UnsafeMutablePointer<Float>]
  /// The `fc` product before GELU, one buffer for all layers: the backward pass reads GELU's slope
  /// (`fcSlope`), not this.
  let fcPre: UnsafeMutablePointer<Float>
  let attMask, mlpMask: [UnsafeMutablePointer<Float>]
  let embMask: UnsafeMutablePointer<Float>
  // Head.
  let lnf, lnfMean, lnfRstd, logits, outProbs: UnsafeMutablePointer<Float>
  let targets: UnsafeMutablePointer<Int32>
  let tokens: UnsafeMutablePointer<Int32>
  // Gradient scratch.
  let dX, dMid, dTmp, dAtt, dQkv, dLn, dFcAct, dFcPre, dLogits, tmp: UnsafeMutablePointer<Float>

  /// Buffers for `batch` sequences of `config.context` tokens.
  init(config: GPTConfig, batch: Int) {
    self.batch = batch
    let n = batch * config.context
    let c = config.channels
    let l = config.layers
    let s = scratch
    func each(_ count: Int) -> [UnsafeMutablePointer<Float>] { (0..<l).map { _ in s.make(count) } }
    xIn = (0...l).map { _ in s.make(n * c) }
    ln1 = each(n * c); ln1Mean = each(n); ln1Rstd = each(n)
    qkv = each(n * 3 * c); probs = each(batch * config.heads * config.context * config.context)
    att = each(n * c); mid = each(n * c)
    ln2 = each(n * c); ln2Mean = each(n); ln2Rstd = each(n)
    fcPre = s.make(n * 4 * c); fcAct = each(n * 4 * c); fcSlope = each(n * 4 * c); r2 = each(n * c)
    let drop = config.dropout > 0
    attMask = drop ? each(n * c) : []
    mlpMask = drop ? each(n * c) : []
    embMask = s.make(drop ? n * c : 1)
    lnf = s.make(n * c); lnfMean = s.make(n); lnfRstd = s.make(n)
    logits = s.make(n * config.vocabulary); outProbs = s.make(n * config.vocabulary)
    targets = UnsafeMutablePointer<Int32>.allocate(capacity: n)
    tokens = UnsafeMutablePointer<Int32>.allocate(capacity: n)
    targets.initialize(repeating: 0, count: n)
    tokens.initialize(repeating: 0, count: n)
    dX = s.make(n * c); dMid = s.make(n * c); dTmp = s.make(n * c); dAtt = s.make(n * c)
    dQkv = s.make(n * 3 * c); dLn = s.make(n * c); dFcAct = s.make(n * 4 * c); dFcPre = s.make(n * 4 * c)
    dLogits = s.make(n * config.vocabulary); tmp = s.make(n * c)
  }

  /// The floats `init(config:batch:)` allocates, as a `Double` (no overflow for any shape): the
  /// memory estimate of a run (``MemoryEstimate``) adds it up before anything is allocated.
  static func floats(config: GPTConfig, batch: Int) -> Double {
    let (b, t, c, l) = (Double(batch), Double(config.context), Double(config.channels), Double(config.layers))
    let (n, v, heads) = (b * t, Double(config.vocabulary), Double(config.heads))
    let drop = config.dropout > 0
    // ln1, att, mid, ln2, r2 (n·c each), qkv (3), fcAct and fcSlope (4 each); 4 row statistics;
    // the scores; the two dropout masks.
    let perLayer = 16 * n * c + 4 * n + b * heads * t * t + (drop ? 2 * n * c : 0)
    // xIn (l + 1 of them), fcPre, the embeddings' mask, the final LayerNorm, logits and
    // probabilities, and the gradient scratch (dX, dMid, dTmp, dAtt, dQkv, dLn, dFcAct, dFcPre,
    // dLogits, tmp).
    let once = (l + 1) * n * c + 4 * n * c + (drop ? n * c : 1) + n * c + 2 * n + 2 * n * v
      + (4 * n * c + 3 * n * c + n * c + 8 * n * c + n * v + n * c)
    return l * perLayer + once
  }

  deinit {
    targets.deallocate()
    tokens.deallocate()
  }
}
