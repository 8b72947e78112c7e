import Foundation
import LRDiagnostics
import LRSchedules
import LRSupport
import Testing

/// Schedule identification and audit on curves the real peers produced (the parity fixtures of
/// `Tests/LRSchedulesTests/Fixtures`, computed by torch, transformers and optax).
enum PeerCurves {
  struct Case: Sendable, CustomTestStringConvertible {
    let library: String
    let type: String
    let name: String
    let spec: JSONValue
    let lr: [Double]
    var testDescription: String { name }
  }

  /// The families identification claims: warmup (linear) + constant, linear, cosine, WSD,
  /// exponential, inverse-sqrt, step and one-cycle.
  static let claimed: Set<String> = [
    "get_constant_schedule", "get_constant_schedule_with_warmup", "get_linear_schedule_with_warmup",
    "get_cosine_schedule_with_warmup", "get_inverse_sqrt_schedule", "get_wsd_schedule",
    "StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR", "OneCycleLR",
    "warmup_cosine_decay_schedule", "cosine_decay_schedule", "warmup_constant_schedule",
  ]

  static func load(_ file: String) -> [Case] {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .appendingPathComponent("../LRSchedulesTests/Fixtures/\(file)")
    guard let data = try? Data(contentsOf: url), let json = try? JSONValue.parse(bytes: Array(data)),
      case .array(let items)? = json["cases"], case .string(let library)? = json["library"]
    else { return [] }
    return items.compactMap { item in
      guard case .string(let name)? = item["name"], let spec = item["spec"], case .string(let type)? = spec["type"],
        case .array(let values)? = item["lr"]
      else { return nil }
      let lr = values.compactMap { v -> Double? in if case .number(let x, _) = v { x } else { nil } }
      let short = String(type.split(separator: ".").last ?? "")
      guard claimed.contains(short), lr.count == values.count, lr.count >= 8 else { return nil }
      return Case(library: library, type: short, name: name, spec: spec, lr: lr)
    }
  }

  static let all = load("torch.json") + load("transformers.json") + load("optax.json")
}

@Suite("The schedule behind a logged lr: identified and audited on peer-produced curves")
struct ScheduleIdentificationTests {
  static func series(_ lr: [Double], from first: Int = 0) -> TrainingLog.Series {
    var s = TrainingLog.Series()
    for (k, v) in lr.enumerated() { s.append(k + first, v) }
    return s
  }

  @Test("most peer curves of the claimed families are identified as a spec that reproduces them")
  func identified() throws {
    var right: [String: (Int, Int)] = [:]
    var misses: [String] = []
    for c in PeerCurves.all {
      // Within the schedule's own horizon (what a peer does past its end is a quirk of its
      // own, not a schedule to recognise).
      let horizon = min(c.lr.count, (try? ScheduleSpec.decode(c.spec))?.totalSteps ?? c.lr.count)
      let lr = Array(c.lr.prefix(horizon))
      guard lr.count >= 8, let peak = lr.max(), peak > 0 else { continue }
      let m = ScheduleIdentifier.identify(Self.series(lr))
      var ok = false
      if let m, let decoded = try? ScheduleSpec.decode(text: m.spec) {
        // The printed spec itself (what `lrkit curve --spec` draws) reproduces the peer.
        ok = lr.indices.allSatisfy { k in abs(decoded.lr.value(at: k + m.offset) - lr[k]) <= 1e-4 * peak }
      }
      right[c.type, default: (0, 0)].1 += 1
      if ok { right[c.type]!.0 += 1 } else { misses.append("\(c.name): \(m?.summary ?? "none") (\(m?.maxError ?? -1))") }
    }
    for (type, (r, n)) in right.sorted(by: { $0.key < $1.key }) { print("identify \(type): \(r)/\(n)") }
    let total = right.values.reduce(0) { $0 + $1.1 }
    let good = right.values.reduce(0) { $0 + $1.0 }
    print("identified \(good)/\(total); misses:\n" + misses.prefix(40).joined(separator: "\n"))
    #expect(total >= 100)
    #expect(Double(good) >= 0.8 * Double(total), "identified \(good) of \(total)")
  }

  @Test("an audit of a peer curve against its own spec matches at every step")
  func auditMatches() throws {
    var checked = 0
    for c in PeerCurves.all {
      guard let decoded = try? ScheduleSpec.decode(c.spec) else { continue }
      let f = ScheduleAudit.audit(Self.series(c.lr), against: decoded)
      #expect(f.firstMismatchStep == nil && f.offset == 0, "\(c.name): \(f.summary)")
      checked += 1
    }
    #expect(checked >= 100)
  }

  @Test("the audit names the step where a log parts from the schedule, and why")
  func auditCauses() throws {
    let meant = try ScheduleSpec.decode(text: #"{"type": "cosine", "lr": 1e-3, "steps": 1000, "warmup": 100}"#)
    let lr = (0..<1000).map { meant.lr.value(at: $0) }
    // Logged one update late (the lr of update s−1 at step s).
    let late = ScheduleAudit.audit(Self.series(Array(lr.dropLast()), from: 1), against: meant)
    #expect(late.firstMismatchStep == nil && late.offset == -1, "\(late.summary)")
    // Warmup counted twice: the decay starts 100 updates late.
    let twice = try ScheduleSpec.decode(text: #"{"type": "cosine", "lr": 1e-3, "steps": 1100, "warmup": 200}"#)
    let shifted = ScheduleAudit.audit(Self.series((0..<1000).map { twice.lr.value(at: $0) }), against: meant)
    #expect(shifted.firstMismatchStep != nil && shifted.firstMismatchStep! <= 100, "\(shifted.summary)")
    // A resume at 600 that restarted the scheduler.
    let restarted = ScheduleAudit.audit(Self.series(Array(lr[..<600]) + Array(lr[..<400])), against: meant)
    #expect(restarted.firstMismatchStep == 600, "\(restarted.summary)")
    #expect(restarted.cause?.contains("restarted") == true, "\(restarted.summary)")
    // The total miscounted: the same schedule over 500 updates.
    let short = try ScheduleSpec.decode(text: #"{"type": "cosine", "lr": 1e-3, "steps": 500, "warmup": 50}"#)
    let squeezed = ScheduleAudit.audit(Self.series((0..<500).map { short.lr.value(at: $0) }), against: meant)
    #expect(squeezed.cause?.contains("miscounted") == true, "\(squeezed.summary)")
    // A different peak.
    let scaled = ScheduleAudit.audit(Self.series(lr.map { $0 * 3 }), against: meant)
    #expect(scaled.firstMismatchStep == 1 && scaled.cause?.contains("3×") == true, "\(scaled.summary)")
  }
}
