import LRSupport
import ArgumentParser
import Foundation
import LRSchedules

/// `lrkit eval-batch`: evaluates many specs in one process, for the differential fuzzers in
/// `Scripts/` (one JSON object per line in, one per line out).
///
/// Input line: `{"id": …, "spec": {…}, "steps": N, "metrics": [...]?}`.
/// Output line: `{"id": …, "lr": [...], "momentum": [...] | null, "error": null}` or
/// `{"id": …, "lr": null, "momentum": null, "error": "…"}`. Non-finite numbers are written as
/// the strings `"nan"`, `"inf"` and `"-inf"`, so every line is strict JSON.
struct EvalBatch: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "eval-batch",
    abstract: "Evaluate many specs given as JSON lines (for the differential fuzzers).",
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

  static func evaluate(_ line: String) -> String {
    let job: JSONValue
    do {
      job = try JSONValue.parse(line)
    } catch {
      return "{\"id\":null,\"lr\":null,\"momentum\":null,\"error\":\(jsonString("bad job line: \(error)"))}"
    }
    let id = job["id"].map { $0.serialized() } ?? "null"
    func failure(_ message: String) -> String {
      "{\"id\":\(id),\"lr\":null,\"momentum\":null,\"error\":\(jsonString(message))}"
    }
    guard let spec = job["spec"] else { return failure("job has no spec") }
    guard case .number(let s, _)? = job["steps"], s >= 0, s <= 10_000_000 else {
      return failure("job has no valid steps")
    }
    var metrics: [Double]?
    if case .array(let items)? = job["metrics"] {
      metrics = items.map { if case .number(let x, _) = $0 { return x } else { return .nan } }
    }
    do {
      let decoded = try ScheduleSpec.decode(spec)
      let curve = try decoded.curve(steps: Int(s), metrics: metrics)
      let lr = "[" + curve.lr.map(Self.number).joined(separator: ",") + "]"
      let momentum = curve.momentum.map {
        "[" + $0.map { $0.map(Self.number) ?? "null" }.joined(separator: ",") + "]"
      } ?? "null"
      return "{\"id\":\(id),\"lr\":\(lr),\"momentum\":\(momentum),\"error\":null}"
    } catch {
      return failure(error.description)
    }
  }

  /// A number as strict JSON: shortest round-trip text, non-finite values as strings.
  static func number(_ x: Double) -> String {
    if x.isNaN { return "\"nan\"" }
    if x.isInfinite { return x > 0 ? "\"inf\"" : "\"-inf\"" }
    return x.description
  }
}
