import LRSupport
import Foundation
import LRSchedules
import Testing

/// One parity case computed by a peer library (see Scripts/make-fixtures.py).
struct ParityCase: Sendable, CustomTestStringConvertible {
  let library: String
  let name: String
  let spec: JSONValue
  let numSteps: Int
  let lr: [Double]
  let momentum: [Double]?
  let metrics: [Double]?

  var testDescription: String { "\(library): \(name)" }
}

/// One refusal case: the peer raised for this spec.
struct RefusalCase: Sendable, CustomTestStringConvertible {
  let name: String
  let spec: JSONValue
  let numSteps: Int
  let raisesAt: String
  let message: String

  var testDescription: String { name }
}

enum Fixtures {
  static func url(_ name: String) -> URL? {
    Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: "json")
      ?? Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Fixtures")
  }

  static func load(_ name: String) -> JSONValue? {
    guard let url = url(name), let data = try? Data(contentsOf: url) else { return nil }
    return try? JSONValue.parse(bytes: Array(data), allowNonFinite: true)
  }

  static func numbers(_ v: JSONValue?) -> [Double]? {
    guard case .array(let items)? = v else { return nil }
    return items.map { item in
      if case .number(let x, _) = item { return x }
      return .nan
    }
  }

  static func int(_ v: JSONValue?) -> Int? {
    if case .number(let x, _)? = v { return Int(x) }
    return nil
  }

  static func string(_ v: JSONValue?) -> String? {
    if case .string(let s)? = v { return s }
    if case .number(let x, _)? = v { return String(Int(x)) }
    return nil
  }

  static func cases(_ library: String) -> [ParityCase] {
    guard let root = load(library), case .array(let items)? = root["cases"] else { return [] }
    return items.map { c in
      var spec = c["spec"] ?? .null
      // optax.json was computed with jax_enable_x64: those specs ask for float64.
      if library == "optax", case .object(var pairs) = spec, !pairs.contains(where: { $0.key == "precision" }) {
        pairs.append(("precision", .string("float64")))
        spec = .object(pairs)
      }
      return ParityCase(
        library: library, name: string(c["name"]) ?? "?", spec: spec,
        numSteps: int(c["num_steps"]) ?? 0, lr: numbers(c["lr"]) ?? [],
        momentum: numbers(c["momentum"]), metrics: numbers(c["metrics"]))
    }
  }

  static let float64Libraries = ["torch", "transformers", "optax", "timm", "fastai", "deepspeed"]
  static let float32Libraries = ["keras", "mlx"]

  static var allParityCases: [ParityCase] {
    (float64Libraries + float32Libraries).flatMap(cases)
  }

  static var refusals: [RefusalCase] {
    guard let root = load("errors"), case .array(let items)? = root["cases"] else { return [] }
    return items.map { c in
      RefusalCase(name: string(c["name"]) ?? "?", spec: c["spec"] ?? .null,
                  numSteps: int(c["num_steps"]) ?? 1, raisesAt: string(c["raises_at"]) ?? "?",
                  message: string(c["message"]) ?? "")
    }
  }
}

/// The worst ratio of `|ours − peer|` to the allowed error `relative·|peer| + absolute·peak`
/// (≤ 1 passes), and where it happens.
func worstError(_ ours: [Double], _ peer: [Double], relative: Double, absoluteOfPeak: Double)
  -> (ratio: Double, at: Int)
{
  let peak = peer.filter(\.isFinite).map(abs).max() ?? 0
  var worst = 0.0
  var at = -1
  if ours.count != peer.count { return (.infinity, min(ours.count, peer.count)) }
  for (i, (a, b)) in zip(ours, peer).enumerated() {
    if a == b || (a.isNaN && b.isNaN) { continue }
    let allowed = relative * abs(b) + absoluteOfPeak * peak
    let ratio = allowed > 0 ? abs(a - b) / allowed : .infinity
    if !(ratio <= worst) {
      worst = ratio.isNaN ? .infinity : ratio
      at = i
    }
  }
  return (worst, at)
}

/// The largest relative error over values that are not near zero (above 1e-6 of the peak).
func maxRelativeError(_ ours: [Double], _ peer: [Double]) -> Double {
  let peak = peer.filter(\.isFinite).map(abs).max() ?? 0
  var worst = 0.0
  for (a, b) in zip(ours, peer) where abs(b) > 1e-6 * peak && a != b {
    worst = max(worst, abs(a - b) / abs(b))
  }
  return worst
}

/// The error decoding `text` gives, as text ("accepted" when it decodes), for tests that check
/// which field an error names.
func decodingError(_ text: String) -> String {
  do {
    _ = try ScheduleSpec.decode(text: text)
    return "accepted"
  } catch {
    return "\(error)"
  }
}
