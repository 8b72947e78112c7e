import ArgumentParser
import Foundation
import LROptimizers
import LRSchedules
import LRSupport

/// `lrkit optimizer-batch`: runs optimizer trajectories given as JSON lines through the public
/// `LROptimizers` API, for the differential fuzzer against `torch.optim`.
///
/// Input line:
/// ```
/// {"id": …, "optimizer": {"kind": "sgd|adam|adamw|radam", "lr": 0.1, "momentum": 0,
///   "dampening": 0, "nesterov": false, "betas": [0.9, 0.999], "eps": 1e-8,
///   "weight_decay": 0, "amsgrad": false, "decoupled_weight_decay": false},
///  "groups": [{"ranges": [[0, 5]], "lr_scale": 1, "weight_decay": null, "momentum": null}],
///  "schedule": {spec} | null, "clip": 1.0 | null,
///  "params": [p0, …], "grads": [[g for update 0], [g for update 1], …]}
/// ```
/// Output line: `{"id": …, "params": [[after update 0], …], "lrs": [[group lrs of update 0], …],
/// "momenta": [m of update 0 | null, …], "error": null}` or with `"error": "…"` (and the
/// updates completed before it). Non-finite numbers are the strings "nan", "inf", "-inf".
struct OptimizerBatch: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "optimizer-batch",
    abstract: "Run optimizer trajectories given as JSON lines (for the differential fuzzers).",
    shouldDisplay: false)

  @Option(name: .long, help: "JSON-lines file to read (- for standard input).")
  var input: String = "-"

  func run() throws {
    try reportingErrors {
      let text = try SpecLoading.text(input, what: "input")
      var out = Output()
      for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
        out.write(Self.evaluate(String(line)) + "\n")
      }
      out.flush()
    }
  }

  struct JobError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
  }

  static func number(_ v: JSONValue?, _ name: String) throws -> Double {
    guard case .number(let x, _)? = v else { throw JobError("'\(name)' is not a number") }
    return x
  }

  static func floats(_ v: JSONValue?, _ name: String) throws -> [Float] {
    guard case .array(let items)? = v else { throw JobError("'\(name)' is not an array") }
    return try items.map { Float(try number($0, name)) }
  }

  static func evaluate(_ line: String) -> String {
    var id = "null"
    var params: [[Float]] = []
    var lrs: [[Double]] = []
    var momenta: [Double?] = []
    func result(_ error: String?) -> String {
      let p = "[" + params.map { "[" + $0.map { EvalBatch.number(Double($0)) }.joined(separator: ",") + "]" }
        .joined(separator: ",") + "]"
      let l = "[" + lrs.map { "[" + $0.map(EvalBatch.number).joined(separator: ",") + "]" }
        .joined(separator: ",") + "]"
      let m = "[" + momenta.map { $0.map(EvalBatch.number) ?? "null" }.joined(separator: ",") + "]"
      return "{\"id\":\(id),\"params\":\(p),\"lrs\":\(l),\"momenta\":\(m),\"error\":"
        + (error.map(jsonString) ?? "null") + "}"
    }
    do {
      let job = try JSONValue.parse(line)
      id = job["id"]?.serialized() ?? "null"
      let o = job["optimizer"] ?? .object([])
      let kindName: String
      if case .string(let k)? = o["kind"] { kindName = k } else { throw JobError("optimizer.kind missing") }
      guard let kind = OptimizerConfiguration.Kind(rawValue: kindName) else {
        throw JobError("unknown optimizer kind '\(kindName)'")
      }
      var config = OptimizerConfiguration(kind: kind)
      if let x = o["momentum"] { config.momentum = try number(x, "momentum") }
      if let x = o["dampening"] { config.dampening = try number(x, "dampening") }
      if case .bool(let b)? = o["nesterov"] { config.nesterov = b }
      if case .array(let b)? = o["betas"], b.count == 2 {
        config.beta1 = try number(b[0], "betas[0]")
        config.beta2 = try number(b[1], "betas[1]")
      }
      if let x = o["eps"] { config.eps = try number(x, "eps") }
      if let x = o["weight_decay"] { config.weightDecay = try number(x, "weight_decay") }
      if case .bool(let b)? = o["amsgrad"] { config.amsgrad = b }
      if case .bool(let b)? = o["decoupled_weight_decay"] { config.decoupledWeightDecay = b }
      var parameters = try floats(job["params"], "params")
      var groups: [ParameterGroup]?
      if case .array(let items)? = job["groups"] {
        groups = try items.enumerated().map { i, g in
          guard case .array(let rs)? = g["ranges"] else { throw JobError("groups[\(i)].ranges missing") }
          let ranges = try rs.map { r -> Range<Int> in
            guard case .array(let b) = r, b.count == 2 else { throw JobError("a range is [lo, hi]") }
            return Int(try number(b[0], "range"))..<Int(try number(b[1], "range"))
          }
          var wd: Double?
          if case .number(let x, _)? = g["weight_decay"] { wd = x }
          var m: Double?
          if case .number(let x, _)? = g["momentum"] { m = x }
          var scale = 1.0
          if case .number(let x, _)? = g["lr_scale"] { scale = x }
          return ParameterGroup(name: "g\(i)", ranges: ranges, lrScale: scale, weightDecay: wd, momentum: m)
        }
      }
      var optimizer: ScheduledOptimizer
      if let spec = job["schedule"], spec != .null {
        optimizer = try ScheduledOptimizer(config, parameterCount: parameters.count,
                                           schedule: try ScheduleSpec.decode(spec), groups: groups)
      } else {
        optimizer = try ScheduledOptimizer(config, parameterCount: parameters.count,
                                           lr: try number(o["lr"], "optimizer.lr"), groups: groups)
      }
      var clip: Double?
      if case .number(let x, _)? = job["clip"] { clip = x }
      guard case .array(let steps)? = job["grads"] else { throw JobError("'grads' is not an array") }
      for (k, g) in steps.enumerated() {
        var gradients = try floats(g, "grads[\(k)]")
        let report = clip == nil
          ? try optimizer.update(parameters: &parameters, gradients: gradients)
          : try optimizer.update(parameters: &parameters, gradients: &gradients, clipNorm: clip)
        params.append(parameters)
        lrs.append(report.learningRates)
        momenta.append(report.momentum)
      }
      return result(nil)
    } catch let error as CustomStringConvertible {
      return result(error.description)
    } catch {
      return result("\(error)")
    }
  }
}
