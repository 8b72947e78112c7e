@testable import LROptimizers
import LRSchedules
import PropertyBased
import Testing

@Suite("Optimizer building blocks")
struct OptimizerTests {
  @Test("the usual no-decay split: biases, LayerNorm and embeddings")
  func noDecaySplit() {
    let tensors: [ParameterGroup.Tensor] = [
      .init(name: "tok_emb.weight", range: 0..<10), .init(name: "blocks.0.ln1.weight", range: 10..<12),
      .init(name: "blocks.0.attn.qkv.weight", range: 12..<30), .init(name: "blocks.0.attn.qkv.bias", range: 30..<33),
      .init(name: "blocks.0.LayerNorm.bias", range: 33..<35), .init(name: "head.weight", range: 35..<45),
      .init(name: "wpe", range: 45..<50), .init(name: "ln_f.weight", range: 50..<52),
    ]
    let groups = ParameterGroup.decayAndNoDecay(tensors, weightDecay: 0.1)
    #expect(groups[0].ranges == [12..<30, 35..<45])
    #expect(groups[0].weightDecay == 0.1)
    #expect(groups[1].ranges == [0..<10, 10..<12, 30..<33, 33..<35, 45..<50, 50..<52])
    #expect(groups[1].weightDecay == 0)
  }

  @Test("groups must tile the parameters exactly once")
  func groupValidation() {
    #expect(throws: OptimizerError.self) {
      _ = try Optimizer(.sgd(), parameterCount: 10, groups: [ParameterGroup(name: "a", ranges: [0..<5])])
    }
    #expect(throws: OptimizerError.self) {
      _ = try Optimizer(.sgd(), parameterCount: 10, groups: [
        ParameterGroup(name: "a", ranges: [0..<6]), ParameterGroup(name: "b", ranges: [5..<10]),
      ])
    }
    #expect(throws: OptimizerError.self) { _ = try Optimizer(.sgd(nesterov: true), parameterCount: 3) }
    #expect(throws: OptimizerError.self) { _ = try Optimizer(.adam(betas: (1.0, 0.9)), parameterCount: 3) }
  }

  @Test("clip_grad_norm_: returns the norm before clipping and rescales to max_norm")
  func clipping() {
    var g: [Float] = [3, 4]
    let norm = clipGradientNorm(&g, maxNorm: 1)
    #expect(norm == 5)
    #expect(abs(Double(g[0]) - 0.6) < 1e-6 && abs(Double(g[1]) - 0.8) < 1e-6)
    var small: [Float] = [0.3, 0.4]
    #expect(abs(clipGradientNorm(&small, maxNorm: 1) - 0.5) < 1e-7)
    #expect(small == [0.3, 0.4])
  }

  @Test("accumulating micro-batches with scale 1/n gives their mean")
  func accumulation() throws {
    var acc = GradientAccumulator(count: 3)
    try acc.add([1, 2, 3], scale: 0.5)
    try acc.add([3, 2, 1], scale: 0.5)
    #expect(acc.sum == [2, 2, 2])
    #expect(acc.microBatches == 2)
    #expect(throws: OptimizerError.self) { try acc.add([1], scale: 1) }
    acc.reset()
    #expect(acc.sum == [0, 0, 0])
  }

  @Test("the driver counts steps once, scales groups and drives momentum")
  func driver() throws {
    let groups = [ParameterGroup(name: "a", ranges: [0..<2]), ParameterGroup(name: "b", ranges: [2..<3], lrScale: 0.1)]
    var opt = try ScheduledOptimizer(.sgd(momentum: 0.9), parameterCount: 3,
                                     schedule: try ScheduleSpec.decode(text: #"{"type":"onecycle","lr":1,"steps":10}"#),
                                     groups: groups)
    var p: [Float] = [1, 1, 1]
    var g: [Float] = [0.1, 0.1, 0.1]
    let first = try opt.update(parameters: &p, gradients: &g)
    #expect(first.step == 0)
    #expect(abs(first.learningRates[0] - 0.04) < 1e-15)
    #expect(abs(first.learningRates[1] - 0.004) < 1e-15)
    #expect(first.momentum == 0.95)
    let second = try opt.update(parameters: &p, gradients: &g)
    #expect(second.step == 1)
    #expect(opt.step == 2)
  }

  @Test("warmup then plateau: no cut during warmup, cuts after patience + 1 bad metrics")
  func warmupThenPlateau() throws {
    var opt = try ScheduledOptimizer(
      .sgd(), parameterCount: 1,
      schedule: try ScheduleSpec.decode(text: #"{"type":"plateau","lr":1,"warmup":4,"patience":1,"factor":0.5}"#))
    var p: [Float] = [0]
    var lrs: [Double] = []
    for _ in 0..<10 {
      var g: [Float] = [0]
      lrs.append(try opt.update(parameters: &p, gradients: &g).learningRates[0])
      opt.report(metric: 1)
    }
    #expect(lrs == [0, 0.25, 0.5, 0.75, 1, 1, 1, 0.5, 0.5, 0.25])
  }

  @Test("SIMD lanes and threads do not change a bit: large and odd-sized buffers agree")
  func chunkingIndependence() async {
    await propertyCheck(count: 20, input: Gen.int(in: 1...70_000), Gen.int(in: 0...3)) { n, k in
      let kinds: [OptimizerConfiguration] = [.sgd(momentum: 0.9, nesterov: true, weightDecay: 0.01),
                                             .adam(.adam, amsgrad: true), .adam(.adamw), .adam(.radam)]
      let config = kinds[k]
      var a = try! Optimizer(config, parameterCount: n)
      var b = try! Optimizer(config, parameterCount: n)
      b.threads = 1
      var pa = (0..<n).map { Float($0 % 97) / 97 }
      var pb = pa
      for step in 0..<3 {
        let g = (0..<n).map { Float(($0 * 31 + step) % 89) / 89 - 0.5 }
        try! a.step(parameters: &pa, gradients: g, hyperparameters: [.init(lr: 0.01)])
        // The same update one element range at a time, single-threaded.
        try! b.step(parameters: &pb, gradients: g, hyperparameters: [.init(lr: 0.01)])
      }
      #expect(pa.map(\.bitPattern) == pb.map(\.bitPattern))
    }
  }

  @Test("a zero learning rate leaves SGD and Adam parameters unchanged (no decoupled decay)")
  func zeroLearningRate() async {
    await propertyCheck(count: 30, input: Gen.int(in: 1...200)) { n in
      for config in [OptimizerConfiguration.sgd(momentum: 0.9), .adam(.adam), .adam(.adamw)] {
        var opt = try! Optimizer(config, parameterCount: n)
        var p = (0..<n).map { Float($0) }
        let before = p
        try! opt.step(parameters: &p, gradients: (0..<n).map { _ in 1 }, hyperparameters: [.init(lr: 0)])
        #expect(p == before)
      }
    }
  }
}

@Suite("C kernel against the Swift reference")
struct KernelAgreementTests {
  /// Owned copies of the four state buffers.
  final class State {
    let p, m, v, x: UnsafeMutableBufferPointer<Float>
    init(_ n: Int) {
      p = .allocate(capacity: n)
      m = .allocate(capacity: n)
      v = .allocate(capacity: n)
      x = .allocate(capacity: n)
      for i in 0..<n {
        p[i] = Float(i % 17) / 17 - 0.4
        m[i] = Float(i % 5) / 50
        v[i] = Float(i % 7) / 700
        x[i] = Float(i % 3) / 300
      }
    }
    deinit {
      p.deallocate()
      m.deallocate()
      v.deallocate()
      x.deallocate()
    }
    func buffers(_ g: UnsafePointer<Float>) -> OptimizerKernels.Buffers {
      .init(p: p.baseAddress!, g: g, m: m.baseAddress, v: v.baseAddress, vmax: x.baseAddress)
    }
  }

  @Test("the Adam kernel gives the same bits as the portable Swift SIMD code", arguments: [false, true])
  func adamKernel(amsgrad: Bool) {
    let n = 1003
    let a = State(n)
    let b = State(n)
    let g = (0..<n).map { Float(($0 * 37) % 101) / 101 - 0.5 }
    for (decoupled, lerp) in [(Float?(0.999), Float(0.1)), (nil, 0.7)] {
      let s = OptimizerKernels.AdamScalars(
        decoupledFactor: decoupled, weightDecay: decoupled == nil ? 0.01 : 0, lerpWeight: lerp,
        beta2: 0.95, oneMinusBeta2: 0.05, amsgrad: amsgrad, biasCorrection2Sqrt: 0.3, eps: 1e-8,
        negativeStepSize: -0.01)
      g.withUnsafeBufferPointer { gb in
        OptimizerKernels.adam(a.buffers(gb.baseAddress!), n, s)
        OptimizerKernels.adamSwift(b.buffers(gb.baseAddress!), n, s)
      }
      #expect(Array(a.p).map(\.bitPattern) == Array(b.p).map(\.bitPattern))
      #expect(Array(a.m) == Array(b.m) && Array(a.v) == Array(b.v) && Array(a.x) == Array(b.x))
    }
  }
}
