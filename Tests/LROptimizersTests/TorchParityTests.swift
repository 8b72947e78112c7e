import LRSupport
import Foundation
import LROptimizers
import LRSchedules
import Testing

/// One optimizer run computed by PyTorch (Scripts/make-optimizer-fixtures.py).
struct OptimizerCase: Sendable, CustomTestStringConvertible {
  let json: JSONValue
  var name: String { string(json["name"]) }
  var testDescription: String { name }
}

func string(_ v: JSONValue?) -> String {
  if case .string(let s)? = v { return s }
  return "?"
}

func number(_ v: JSONValue?) -> Double? {
  if case .number(let x, _)? = v { return x }
  return nil
}

func numbers(_ v: JSONValue?) -> [Double] {
  guard case .array(let items)? = v else { return [] }
  return items.compactMap(number)
}

func arrays(_ v: JSONValue?) -> [JSONValue] {
  guard case .array(let items)? = v else { return [] }
  return items
}

enum OptimizerFixtures {
  static func load() -> [OptimizerCase] {
    guard
      let url = Bundle.module.url(forResource: "Fixtures/torch_optim", withExtension: "json")
        ?? Bundle.module.url(forResource: "torch_optim", withExtension: "json", subdirectory: "Fixtures"),
      let data = try? Data(contentsOf: url),
      let root = try? JSONValue.parse(bytes: Array(data))
    else { return [] }
    return arrays(root["cases"]).map(OptimizerCase.init)
  }

  static let cases = load()
}

/// Builds LRKit's optimizer and schedule for a PyTorch case and runs it.
struct TorchRun {
  var optimizer: ScheduledOptimizer
  var parameters: [Float]
  let sizes: [Int]

  init(_ c: OptimizerCase) throws {
    let options = c.json["options"] ?? .object([])
    let kind = string(c.json["optimizer"])
    var config: OptimizerConfiguration
    switch kind {
    case "SGD":
      config = .sgd(momentum: number(options["momentum"]) ?? 0,
                    dampening: number(options["dampening"]) ?? 0,
                    nesterov: options["nesterov"] == .bool(true),
                    weightDecay: number(options["weight_decay"]) ?? 0)
    default:
      let betas = numbers(options["betas"])
      let k: OptimizerConfiguration.Kind = kind == "Adam" ? .adam : kind == "AdamW" ? .adamw : .radam
      config = .adam(k, betas: betas.count == 2 ? (betas[0], betas[1]) : (0.9, 0.999),
                     eps: number(options["eps"]) ?? 1e-8, weightDecay: number(options["weight_decay"]),
                     amsgrad: options["amsgrad"] == .bool(true),
                     decoupledWeightDecay: options["decoupled_weight_decay"] == .bool(true))
    }
    let defaultLR = number(options["lr"]) ?? 1e-3
    var groups: [ParameterGroup] = []
    var offset = 0
    var sizes: [Int] = []
    var groupLRs: [Double] = []
    for (i, g) in arrays(c.json["groups"]).enumerated() {
      let size = Int(number(g["size"]) ?? 0)
      groups.append(ParameterGroup(name: "g\(i)", ranges: [offset..<offset + size],
                                   weightDecay: number(g["weight_decay"]), momentum: number(g["momentum"])))
      groupLRs.append(number(g["lr"]) ?? defaultLR)
      sizes.append(size)
      offset += size
    }
    // One schedule per group: the torch spec with the group's own lr (and its element of any
    // per-group list such as OneCycleLR's max_lr), exactly as PyTorch schedules each group.
    func spec(for i: Int) throws -> DecodedSchedule {
      guard case .object(var pairs)? = c.json["schedule"] else {
        return try ScheduleSpec.decode(.object([("type", .string("constant")), ("lr", .double(groupLRs[i]))]))
      }
      pairs = pairs.map { key, value in
        if key != "schedulers", case .array(let items) = value, items.count == groups.count, key != "milestones" {
          return (key, items[i])
        }
        return (key, value)
      }
      let type = string(.object(pairs)["type"])
      let takesLR = !type.hasSuffix("OneCycleLR") && !type.hasSuffix("CyclicLR")
      if takesLR { pairs.append(("lr", .double(groupLRs[i]))) }
      return try ScheduleSpec.decode(.object(pairs))
    }
    let schedules = try groups.indices.map(spec)
    let isPlateau = schedules[0].needsMetrics
    if isPlateau {
      // ReduceLROnPlateau makes one decision for all groups: scale the shared schedule.
      for i in groups.indices { groups[i].lrScale = groupLRs[i] / groupLRs[0] }
    }
    var perGroup: [Int: DecodedSchedule] = [:]
    if !isPlateau { for i in groups.indices.dropFirst() { perGroup[i] = schedules[i] } }
    optimizer = try ScheduledOptimizer(config, parameterCount: offset, schedule: schedules[0],
                                       groups: groups, groupSchedules: perGroup)
    parameters = arrays(c.json["initial"]).flatMap { numbers($0).map(Float.init) }
    self.sizes = sizes
  }
}

@Suite("Optimizers against torch.optim")
struct TorchParityTests {
  @Test("fixtures are present")
  func present() { #expect(OptimizerFixtures.cases.count >= 40) }

  @Test("lr, momentum and parameters follow PyTorch", arguments: OptimizerFixtures.cases)
  func matches(_ c: OptimizerCase) throws {
    var run = try TorchRun(c)
    let steps = Int(number(c.json["steps"]) ?? 0)
    let gradients = arrays(c.json["gradients"])
    let lrs = arrays(c.json["lr"])
    let momenta = arrays(c.json["momentum"])
    let norms = numbers(c.json["grad_norms"])
    let metrics = numbers(c.json["metrics"])
    let clip = number(c.json["clip_grad_norm"])
    let checkpoints = c.json["checkpoints"] ?? .object([])
    var worstParam = 0.0
    for k in 0..<steps {
      var g = arrays(gradients[k]).flatMap { numbers($0).map(Float.init) }
      let report = try run.optimizer.update(parameters: &run.parameters, gradients: &g, clipNorm: clip)
      let peerLR = numbers(lrs[k])
      #expect(report.learningRates.count == peerLR.count, "one lr per group at step \(k)")
      for (ours, peer) in zip(report.learningRates, peerLR) {
        #expect(abs(ours - peer) <= 1e-12 * abs(peer) + 1e-300, "lr at step \(k): \(ours) vs \(peer)")
      }
      if !momenta.isEmpty {
        let m = try #require(report.momentum, "PyTorch drives momentum at step \(k), we do not")
        #expect(abs(m - numbers(momenta[k])[0]) <= 1e-12, "momentum at step \(k)")
      }
      if let norm = report.gradientNorm, k < norms.count {
        #expect(abs(norm - norms[k]) <= 1e-6 * norms[k], "gradient norm at step \(k): \(norm) vs \(norms[k])")
      }
      if k < metrics.count { run.optimizer.report(metric: metrics[k]) }
      if let expected = checkpoints[String(k + 1)] {
        let peer = arrays(expected).flatMap(numbers)
        #expect(peer.count == run.parameters.count)
        let scale = max(peer.map(abs).max() ?? 1, 1e-3)
        for (a, b) in zip(run.parameters, peer) {
          worstParam = max(worstParam, abs(Double(a) - b) / scale)
        }
      }
    }
    // float32 rounding differences (PyTorch fuses some multiply-adds) compound over the run;
    // measured worst 2.6e-7 of the parameter scale over all cases.
    #expect(worstParam <= 2e-6, "parameters differ by \(worstParam) of their scale")
  }
}
