import LRTraining
import Testing

/// Central finite differences against the hand-written backward passes, in float32: a loss
/// perturbation of ±h per parameter, compared where the gradient is not negligible.
@Suite("Gradient checks")
struct GradientCheckTests {
  func check(_ config: GPTConfig, sample: Int = 60) throws {
    let model = try GPT(config)
    let batch = 2
    let n = batch * config.context
    var rng = SplitMix64(seed: 7)
    let tokens = (0..<n).map { _ in Int32(rng.next() % UInt64(config.vocabulary)) }
    let targets = (0..<n).map { _ in Int32(rng.next() % UInt64(config.vocabulary)) }
    var params = model.initialParameters(seed: 3)
    // Larger weights than the initialisation so every path carries signal.
    for i in params.indices where i % 3 == 0 { params[i] += Float(Int(rng.next() % 200) - 100) / 400 }
    let workspace = GPTWorkspace(config: config, batch: batch)
    var noRNG: SplitMix64? = nil
    var grads: [Float]? = [Float](repeating: 0, count: params.count)
    _ = model.pass(tokens: tokens, targets: targets, parameters: params, gradients: &grads, workspace: workspace, rng: &noRNG)
    let analytic = grads!
    var none: [Float]? = nil
    func loss(_ p: [Float]) -> Double {
      model.pass(tokens: tokens, targets: targets, parameters: p, gradients: &none, workspace: workspace, rng: &noRNG)
    }
    var checked = 0
    var worst = 0.0
    for (name, range) in model.tensors {
      for i in stride(from: range.lowerBound, to: range.upperBound, by: max(1, range.count / 4)).prefix(4) {
        let h: Float = 1e-2
        var plus = params
        plus[i] += h
        var minus = params
        minus[i] -= h
        let fd = (loss(plus) - loss(minus)) / Double(2 * h)
        let a = Double(analytic[i])
        let err = abs(fd - a) / max(abs(fd), abs(a), 1e-2)
        worst = max(worst, err)
        #expect(err < 0.01, "\(name)[\(i - range.lowerBound)]: analytic \(a), finite difference \(fd)")
        checked += 1
      }
    }
    #expect(checked >= sample / 2)
  }

  @Test("Pre-LN GPT: every tensor's gradient")
  func preLN() throws {
    try check(GPTConfig(vocabulary: 7, context: 5, layers: 2, channels: 8, heads: 2, norm: .preLN))
  }

  @Test("Post-LN GPT: every tensor's gradient")
  func postLN() throws {
    try check(GPTConfig(vocabulary: 7, context: 5, layers: 2, channels: 8, heads: 2, norm: .postLN))
  }

  @Test("initial loss is close to ln(vocabulary)")
  func initialLoss() throws {
    let config = GPTConfig(vocabulary: 65, context: 16, layers: 2, channels: 32, heads: 4)
    let model = try GPT(config)
    let ws = GPTWorkspace(config: config, batch: 4)
    var rng = SplitMix64(seed: 1)
    let tokens = (0..<64).map { _ in Int32(rng.next() % 65) }
    var none: [Float]? = nil
    var noRNG: SplitMix64? = nil
    let loss = model.pass(tokens: tokens, targets: tokens.reversed(), parameters: model.initialParameters(seed: 1),
                          gradients: &none, workspace: ws, rng: &noRNG)
    #expect(abs(loss - 4.174) < 0.1)
  }

  @Test("parameter counts of the benchmark models")
  func parameterCounts() {
    #expect(GPTConfig(vocabulary: 65, context: 64, layers: 6, channels: 64, heads: 4, norm: .postLN).parameterCount == 312_448)
    #expect(GPTConfig(vocabulary: 65, context: 64, layers: 4, channels: 128, heads: 4).parameterCount == 818_176)
  }
}

@Suite("Gradient checks: MLP and dropout")
struct MoreGradientChecks {
  @Test("MLP 5-7-6-3 with ReLU: every parameter")
  func mlp() throws {
    let model = try MLP(widths: [5, 7, 6, 3])
    var rng = SplitMix64(seed: 11)
    let rows = 4
    let x = (0..<rows * 5).map { _ in rng.normal() }
    let y: [Int32] = [0, 2, 1, 2]
    let p = model.initialParameters(seed: 2)
    var g: [Float]? = [Float](repeating: 0, count: p.count)
    _ = model.pass(inputs: x, labels: y, rows: rows, parameters: p, gradients: &g)
    var none: [Float]? = nil
    var worst = 0.0
    for i in p.indices {
      var a = p
      a[i] += 1e-3
      var b = p
      b[i] -= 1e-3
      let fd = (model.pass(inputs: x, labels: y, rows: rows, parameters: a, gradients: &none).loss
        - model.pass(inputs: x, labels: y, rows: rows, parameters: b, gradients: &none).loss) / 2e-3
      let err = abs(fd - Double(g![i])) / max(abs(fd), 0.05)
      worst = max(worst, err)
    }
    #expect(worst < 0.01, "worst relative error \(worst)")
  }

  @Test("dropout: the same mask in every pass, gradients through it")
  func dropout() throws {
    let config = GPTConfig(vocabulary: 5, context: 4, layers: 1, channels: 8, heads: 2, dropout: 0.3)
    let model = try GPT(config)
    let ws = GPTWorkspace(config: config, batch: 2)
    let tokens: [Int32] = [0, 1, 2, 3, 4, 0, 1, 2]
    let targets: [Int32] = [1, 2, 3, 4, 0, 1, 2, 3]
    let p = model.initialParameters(seed: 5)
    func run(_ p: [Float], _ g: inout [Float]?) -> Double {
      var rng: SplitMix64? = SplitMix64(seed: 99)
      return model.pass(tokens: tokens, targets: targets, parameters: p, gradients: &g, workspace: ws, rng: &rng)
    }
    var g: [Float]? = [Float](repeating: 0, count: p.count)
    _ = run(p, &g)
    var none: [Float]? = nil
    var worst = 0.0
    for i in stride(from: 0, to: p.count, by: 7) {
      var a = p
      a[i] += 1e-3
      var b = p
      b[i] -= 1e-3
      let fd = (run(a, &none) - run(b, &none)) / 2e-3
      worst = max(worst, abs(fd - Double(g![i])) / max(abs(fd), 0.05))
    }
    #expect(worst < 0.01, "worst relative error \(worst)")
  }
}
