import Foundation
import LRDiagnostics
import LRSupport
import Testing

/// The labelled corpora of real runs (`Corpus/real`: a tuning and a held-out half split by a
/// hash of the case name before any tuning; `Corpus/fresh`: a later set generated without
/// looking at the detectors, never tuned on).
enum LabelledRuns {
  struct Case: Sendable, CustomTestStringConvertible {
    let set: String
    let name: String
    let path: String
    let expected: String
    let acceptable: [String]
    let split: String
    let lossKey: String?
    var testDescription: String { "\(set)/\(name)" }
  }

  static func load(_ set: String) -> [Case] {
    guard let root = Corpus.root?.appendingPathComponent(set),
      let data = try? Data(contentsOf: root.appendingPathComponent("labels.json")),
      let json = try? JSONValue.parse(bytes: Array(data)), case .array(let items)? = json["cases"]
    else { return [] }
    return items.compactMap { item in
      guard case .string(let name)? = item["name"], case .string(let path)? = item["path"],
        case .string(let expected)? = item["expected"], case .string(let split)? = item["split"]
      else { return nil }
      var acceptable: [String] = []
      if case .array(let a)? = item["acceptable"] {
        acceptable = a.compactMap { if case .string(let s) = $0 { s } else { nil } }
      }
      var lossKey: String?
      if case .string(let k)? = item["loss_key"] { lossKey = k }
      return Case(set: set, name: name, path: path, expected: expected, acceptable: acceptable, split: split,
                  lossKey: lossKey)
    }
  }

  static let real = load("real")
  static let fresh = load("fresh")

  /// The verdicts for one case.
  static func diagnose(_ c: Case) throws -> [Verdict] {
    let url = try #require(Corpus.root).appendingPathComponent(c.set).appendingPathComponent(c.path)
    return Diagnoser.diagnose(try LogReader.read(url.path, lossKey: c.lossKey))
  }

  struct Outcome {
    let c: Case
    let primary: Verdict
    var correct: Bool { primary.kind.rawValue == c.expected || c.acceptable.contains(primary.kind.rawValue) }
  }

  static func outcomes(_ cases: [Case]) throws -> [Outcome] {
    try cases.map { Outcome(c: $0, primary: try diagnose($0).first!) }
  }

  /// The issue's goals on a set outside the tuning half: at least `accuracy` right, every
  /// diverged run caught, no healthy run flagged at confidence ≥ 0.8.
  static func expectGoals(_ o: [Outcome], accuracy floor: Double, sourceLocation: SourceLocation = #_sourceLocation) {
    let accuracy = Double(o.filter(\.correct).count) / Double(o.count)
    #expect(accuracy >= floor, "accuracy \(accuracy)", sourceLocation: sourceLocation)
    for x in o where x.c.expected == "diverged" && x.primary.kind != .diverged {
      Issue.record("diverged run missed: \(x.c.name) → \(x.primary.kind.rawValue)", sourceLocation: sourceLocation)
    }
    for x in o where x.c.expected == "healthy" && x.primary.kind != .healthy && x.primary.confidence >= 0.8 {
      Issue.record("healthy run flagged \(x.primary.kind.rawValue) at \(x.primary.confidence): \(x.c.name)",
                   sourceLocation: sourceLocation)
    }
  }

  /// The confusion table (rows: label, columns: primary verdict) and the reliability table
  /// (confidence bins against accuracy), as text.
  static func tables(_ title: String, _ o: [Outcome]) -> String {
    let kinds = Verdict.Kind.allCases.map(\.rawValue)
    var lines = ["\(title): \(o.filter(\.correct).count)/\(o.count) primary verdicts right",
                 "label".padding(toLength: 14, withPad: " ", startingAt: 0)
                   + kinds.map { String($0.prefix(5)).padding(toLength: 6, withPad: " ", startingAt: 0) }.joined()]
    for label in kinds where o.contains(where: { $0.c.expected == label }) {
      let row = kinds.map { k in String(o.filter { $0.c.expected == label && $0.primary.kind.rawValue == k }.count) }
      lines.append(label.padding(toLength: 14, withPad: " ", startingAt: 0)
                   + row.map { $0.padding(toLength: 6, withPad: " ", startingAt: 0) }.joined())
    }
    lines.append("confidence    runs  right")
    for (lo, hi) in [(0.0, 0.6), (0.6, 0.7), (0.7, 0.8), (0.8, 0.9), (0.9, 1.01)] {
      let bin = o.filter { $0.primary.confidence >= lo && $0.primary.confidence < hi }
      lines.append(String(format: "[%.1f, %.1f)    %4d  %5d", lo, min(hi, 1), bin.count, bin.filter(\.correct).count))
    }
    return lines.joined(separator: "\n")
  }
}

@Suite("Diagnosis of labelled real runs (tuning, held-out and fresh sets)")
struct LabelledRunsTests {
  @Test("the real corpus has both halves and every label")
  func present() {
    let c = LabelledRuns.real
    #expect(c.count >= 60)
    #expect(c.filter { $0.split == "tune" }.count >= 25)
    #expect(c.filter { $0.split == "heldout" }.count >= 25)
    for k in Verdict.Kind.allCases where k != .noLoss {
      #expect(c.contains { $0.split == "heldout" && $0.expected == k.rawValue }, "no held-out \(k) case")
    }
  }

  @Test("every labelled run is read and judged", arguments: LabelledRuns.real + LabelledRuns.fresh)
  func reads(_ c: LabelledRuns.Case) throws {
    let verdicts = try LabelledRuns.diagnose(c)
    #expect(verdicts.first?.kind != .noLoss, "\(c.path): \(verdicts.first?.evidence ?? "")")
  }

  @Test("the tuning half: every primary verdict right")
  func tuning() throws {
    let o = try LabelledRuns.outcomes(LabelledRuns.real.filter { $0.split == "tune" })
    print(LabelledRuns.tables("tuning half", o))
    for x in o where !x.correct {
      Issue.record("\(x.c.name): expected \(x.c.expected), got \(x.primary.kind.rawValue): \(x.primary.evidence)")
    }
  }

  /// Measured with the thresholds frozen: 43/48; after the explosion, spike-setback and
  /// warmup-confidence changes (which looked at its failures, so it is no longer strictly held
  /// out): 44/48. The fresh set below is the clean measure.
  @Test("the held-out half: accuracy, every diverged run caught, no confident false alarm")
  func heldOut() throws {
    let o = try LabelledRuns.outcomes(LabelledRuns.real.filter { $0.split == "heldout" })
    print(LabelledRuns.tables("held-out half", o))
    LabelledRuns.expectGoals(o, accuracy: 0.85)
  }

  /// Generated after the detectors were frozen, by someone who did not see them, with writers,
  /// tasks and optimizers the tuning never saw; never tuned on. Measured: 37/40, every diverged
  /// run caught, no healthy run flagged.
  @Test("the fresh set: accuracy, every diverged run caught, no confident false alarm")
  func fresh() throws {
    let o = try LabelledRuns.outcomes(LabelledRuns.fresh)
    try #require(o.count >= 40)
    print(LabelledRuns.tables("fresh set", o))
    LabelledRuns.expectGoals(o, accuracy: 0.9)
  }

  @Test("each detector is right on runs outside the tuning half", arguments: Verdict.Kind.allCases.filter { $0 != .noLoss })
  func detectorOutsideTuning(_ kind: Verdict.Kind) throws {
    let cases = (LabelledRuns.real.filter { $0.split == "heldout" } + LabelledRuns.fresh).filter { $0.expected == kind.rawValue }
    let right = try LabelledRuns.outcomes(cases).filter(\.correct).count
    #expect(right >= 1, "no \(kind) run outside the tuning half is recognised (of \(cases.count))")
    #expect(Double(right) >= 0.6 * Double(cases.count), "\(kind): \(right) of \(cases.count)")
  }
}
