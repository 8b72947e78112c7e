import Foundation
import LROptimizers
import LRSchedules
import Testing

@Suite("Exact resume")
struct ResumeTests {
  static let configurations: [(String, OptimizerConfiguration, String)] = [
    ("sgd nesterov + onecycle", .sgd(momentum: 0.9, nesterov: true, weightDecay: 1e-3),
     #"{"type":"onecycle","lr":0.05,"steps":200}"#),
    ("adamw + warmup cosine", .adam(.adamw, betas: (0.9, 0.95), weightDecay: 0.1),
     #"{"type":"cosine","lr":0.01,"steps":200,"warmup":20}"#),
    ("adam amsgrad + torch warmup", .adam(.adam, amsgrad: true),
     #"{"type":"torch.optim.lr_scheduler.LinearLR","lr":0.01,"start_factor":0.1,"total_iters":30}"#),
    ("radam + warmup then plateau", .adam(.radam, weightDecay: 0.01, decoupledWeightDecay: true),
     #"{"type":"plateau","lr":0.01,"warmup":10,"patience":3,"factor":0.5}"#),
  ]

  @Test("200 steps equal 100 + save + restore in a new optimizer + 100, bit for bit",
        arguments: configurations.indices)
  func resume(_ index: Int) throws {
    let (_, config, spec) = Self.configurations[index]
    var straight = try SyntheticProblem.optimizer(config, spec: spec)
    var p1 = SyntheticProblem.initialParameters()
    try SyntheticProblem.run(&straight, &p1, steps: 200)

    var first = try SyntheticProblem.optimizer(config, spec: spec)
    var p2 = SyntheticProblem.initialParameters()
    try SyntheticProblem.run(&first, &p2, steps: 100)
    let saved = first.encodeState()
    let savedParameters = p2
    var resumed = try SyntheticProblem.optimizer(config, spec: spec)
    try resumed.restoreState(saved)
    #expect(resumed.step == 100)
    var p3 = savedParameters
    try SyntheticProblem.run(&resumed, &p3, steps: 100)
    #expect(p1.map(\.bitPattern) == p3.map(\.bitPattern))
    #expect(straight.encodeState() == resumed.encodeState())
  }

  @Test("mismatched and corrupted states are refused naming what differs, and change nothing")
  func refusals() throws {
    let spec = #"{"type":"cosine","lr":0.01,"steps":200,"warmup":20}"#
    var source = try SyntheticProblem.optimizer(.adam(.adamw), spec: spec)
    var p = SyntheticProblem.initialParameters()
    try SyntheticProblem.run(&source, &p, steps: 10)
    let saved = source.encodeState()

    var target = try SyntheticProblem.optimizer(.adam(.adamw), spec: spec)
    let before = target.encodeState()
    func refused(_ text: String, _ expected: String, _ sourceLocation: SourceLocation = #_sourceLocation) {
      do {
        try target.restoreState(text)
        Issue.record("accepted", sourceLocation: sourceLocation)
      } catch {
        #expect(error.description.contains(expected), "\(error)", sourceLocation: sourceLocation)
      }
      #expect(target.encodeState() == before, "half-loaded", sourceLocation: sourceLocation)
    }
    refused(saved.replacingOccurrences(of: #""version":2"#, with: #""version":3"#), "version")
    refused(saved.replacingOccurrences(of: #""kind":"adamw""#, with: #""kind":"adam""#), "optimizer kind")
    refused(saved.replacingOccurrences(of: #""parameter_count":1000"#, with: #""parameter_count":999"#), "parameter count")
    refused(String(saved.prefix(saved.count / 2)), "not valid")
    refused("{}", "format")
    // Flip one character of the first moment's data.
    if let range = saved.range(of: #""data":""#) {
      var chars = Array(saved)
      let i = saved.distance(from: saved.startIndex, to: range.upperBound) + 10
      chars[i] = chars[i] == "A" ? "B" : "A"
      refused(String(chars), "CRC-32")
    }
    var otherGroups = try ScheduledOptimizer(.adam(.adamw), parameterCount: 1000,
                                             schedule: try ScheduleSpec.decode(text: spec))
    do {
      try otherGroups.restoreState(saved)
      Issue.record("accepted a state with two groups into one")
    } catch {
      #expect(error.description.contains("group count"))
    }
    var otherSchedule = try SyntheticProblem.optimizer(.adam(.adamw), spec: #"{"type":"linear","lr":0.01,"steps":200}"#)
    #expect(throws: OptimizerError.self) { try otherSchedule.restoreState(saved) }
  }
}

