import LROptimizers
import LRSchedules
import Testing

/// Regression tests for optimizer defects found by driving it the way torch users do (issue 10).
@Suite("Optimizers driven the way torch users drive them")
struct OptimizerInputTests {
  static let gradients: [[Float]] = (0..<12).map { k in (0..<37).map { i in Float((i * 7 + k * 3) % 11) / 11 - 0.5 } }

  static func run(_ optimizer: inout ScheduledOptimizer, steps: Int = 12) throws -> [Float] {
    var p = (0..<37).map { Float($0) / 37 }
    for k in 0..<steps { _ = try optimizer.update(parameters: &p, gradients: gradients[k]) }
    return p
  }

  @Test("momentum-0 SGD under OneCycleLR runs momentum SGD (no write through an empty buffer)")
  func oneCycleDrivesMomentum() throws {
    let spec = try ScheduleSpec.decode(text: #"{"type":"torch.optim.lr_scheduler.OneCycleLR","max_lr":0.1,"total_steps":12}"#)
    var driven = try ScheduledOptimizer(.sgd(momentum: 0), parameterCount: 37, schedule: spec)
    let a = try Self.run(&driven)
    #expect(driven.optimizer.firstMoment.count == 37)
    #expect(driven.optimizer.momentumStarted == [true])
    // The same as an optimizer configured with momentum from the start (the schedule decides it).
    var configured = try ScheduledOptimizer(.sgd(momentum: 0.9), parameterCount: 37, schedule: spec)
    let b = try Self.run(&configured)
    #expect(a == b)
    #expect(a.allSatisfy { $0.isFinite })
  }

  @Test("a group's own momentum on momentum-0 SGD gets a buffer, started at its first update")
  func groupMomentum() throws {
    let groups = [ParameterGroup(name: "m", ranges: [0..<20], momentum: 0.9),
                  ParameterGroup(name: "plain", ranges: [20..<37])]
    var o = try ScheduledOptimizer(.sgd(), parameterCount: 37, lr: 0.1, groups: groups)
    let p = try Self.run(&o)
    #expect(o.optimizer.momentumStarted == [true, false])
    // Group "plain" is plain SGD: p − lr · Σ g.
    for i in 20..<37 {
      var expected = Float(i) / 37
      for k in 0..<12 { expected = expected + Float(-0.1) * Self.gradients[k][i] }
      #expect(p[i] == expected)
    }
  }

  @Test("the driver refuses to step past OneCycleLR's end, as torch raises, and changes nothing")
  func pastTheEnd() throws {
    let spec = try ScheduleSpec.decode(text: #"{"type":"torch.optim.lr_scheduler.OneCycleLR","max_lr":0.1,"total_steps":3}"#)
    var o = try ScheduledOptimizer(.sgd(momentum: 0.9), parameterCount: 37, schedule: spec)
    var p = (0..<37).map { Float($0) }
    for k in 0..<4 { _ = try o.update(parameters: &p, gradients: Self.gradients[k]) }
    let before = p
    do {
      _ = try o.update(parameters: &p, gradients: Self.gradients[4])
      Issue.record("stepped past total_steps")
    } catch {
      #expect(error.description.contains("Tried to step 4 times"), "\(error)")
    }
    #expect(p == before)
    #expect(o.step == 4)
  }

  @Test("Adam with decoupled_weight_decay is AdamW; RAdam and SGD refuse amsgrad")
  func decoupledAndAmsgrad() throws {
    var adam = try ScheduledOptimizer(.adam(.adam, weightDecay: 0.1, decoupledWeightDecay: true),
                                      parameterCount: 37, lr: 0.01)
    var adamw = try ScheduledOptimizer(.adam(.adamw, weightDecay: 0.1), parameterCount: 37, lr: 0.01)
    var l2 = try ScheduledOptimizer(.adam(.adam, weightDecay: 0.1), parameterCount: 37, lr: 0.01)
    let a = try Self.run(&adam)
    let w = try Self.run(&adamw)
    let plain = try Self.run(&l2)
    #expect(a == w)
    #expect(a != plain)
    for config in [OptimizerConfiguration.adam(.radam, amsgrad: true), { var c = OptimizerConfiguration.sgd(); c.amsgrad = true; return c }()] {
      #expect(throws: OptimizerError.self) { _ = try ScheduledOptimizer(config, parameterCount: 3, lr: 0.1) }
    }
    #expect(throws: OptimizerError.self) {
      _ = try ScheduledOptimizer(.adam(.adamw), parameterCount: 3, lr: -1)
    }
  }

  @Test("a plain lr needs no spec, and an update without clipping takes its gradients by value")
  func plainLR() throws {
    var o = try ScheduledOptimizer(.sgd(), parameterCount: 2, lr: 0.5)
    var p: [Float] = [1, 2]
    let g: [Float] = [1, -1]
    let r = try o.update(parameters: &p, gradients: g)
    #expect(p == [0.5, 2.5])
    #expect(r.learningRates == [0.5])
    #expect(r.gradientNorm == nil)
  }

  @Test("a version-1 state (no momentum_started) still restores")
  func versionOneState() throws {
    let spec = #"{"type":"constant","lr":0.1}"#
    var a = try ScheduledOptimizer(.sgd(momentum: 0.9), parameterCount: 37, schedule: try ScheduleSpec.decode(text: spec))
    var p = (0..<37).map { Float($0) }
    for k in 0..<3 { _ = try a.update(parameters: &p, gradients: Self.gradients[k]) }
    var v1 = a.encodeState().replacingOccurrences(of: #""version":2"#, with: #""version":1"#)
    v1 = v1.replacingOccurrences(of: #","momentum_started":[true]"#, with: "")
    var b = try ScheduledOptimizer(.sgd(momentum: 0.9), parameterCount: 37, schedule: try ScheduleSpec.decode(text: spec))
    try b.restoreState(v1)
    var pa = p
    var pb = p
    _ = try a.update(parameters: &pa, gradients: Self.gradients[3])
    _ = try b.update(parameters: &pb, gradients: Self.gradients[3])
    #expect(pa == pb)
  }
}
