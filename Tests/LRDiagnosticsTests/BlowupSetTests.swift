import Foundation
@testable import LRDiagnostics
import Testing

/// Runs that blow up before their first logged point (per-epoch means, interval means) look like
/// training that works: the loss falls from a huge first value. In a classifier's log the accuracy
/// gives them away. `Corpus/blowup` was looked at while the rules were chosen; `Corpus/blowup-fresh`
/// was made once afterwards and is the held-out measure (Scripts/make-diagnose-corpus-blowup.py).
@Suite("Blow-ups hidden by per-epoch logs")
struct BlowupSetTests {
  struct Run: Sendable, CustomTestStringConvertible {
    let set: String
    let name: String
    let label: String
    var testDescription: String { "\(set)/\(name)" }
  }

  static func runs(_ set: String) -> [Run] {
    CorpusTruth.labels(folder: set).map { Run(set: set, name: $0.key, label: $0.value) }.sorted { $0.name < $1.name }
  }

  static func verdict(_ r: Run) throws -> String {
    let log = try LogReader.read(Corpus.root!.appendingPathComponent("\(r.set)/\(r.name).csv").path)
    return Diagnoser.diagnose(log).first.map { "\($0.kind)" } ?? "none"
  }

  @Test("the set the rules were chosen on: every labelled run right", arguments: runs("blowup"))
  func chosenOn(_ r: Run) throws {
    #expect(try Self.verdict(r) == r.label)
  }

  @Test("the held-out set: at least 21 of 24 right, and no healthy or stagnating run called diverged")
  func heldOut() throws {
    let runs = Self.runs("blowup-fresh")
    #expect(runs.count == 24)
    var right = 0
    var confusion: [String: Int] = [:]
    for r in runs {
      let v = try Self.verdict(r)
      confusion["\(r.label) → \(v)", default: 0] += 1
      if v == r.label { right += 1 }
      if r.label != "diverged" { #expect(v != "diverged", "\(r.name): a false alarm") }
    }
    print("blowup-fresh: \(right)/\(runs.count) primary verdicts right; "
      + confusion.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
    #expect(right >= 21)
  }

  static func log(loss: [Double], accuracy: [Double], eval: [Double]? = nil) -> TrainingLog {
    var log = TrainingLog(format: "synthetic", path: "synthetic")
    for (i, v) in loss.enumerated() { log.add("loss", step: i, value: v) }
    for (i, v) in accuracy.enumerated() { log.add("eval_accuracy", step: i, value: v) }
    for (i, v) in (eval ?? []).enumerated() { log.add("eval_loss", step: i, value: v) }
    return log.normalized()
  }

  @Test("accuracy at a guess's level with a loss far above a guess's cost: diverged; at that cost: not")
  func learnedNothing() {
    let blown = Self.log(loss: [956, 68, 65, 68, 80, 74.8], accuracy: [0.094, 0.104, 0.104, 0.091, 0.101, 0.091])
    let v = Diagnoser.diagnose(blown)[0]
    #expect(v.kind == .diverged)
    #expect(v.evidence.contains("learned nothing"))
    // Checked by training the Keras digits run (SGD, lr 40): at 4 it still learned nothing, at 0.4
    // and 0.04 it trained, so the advice does not promise that 3–10× is enough.
    #expect(v.advice.contains("10× or more") && v.advice.contains("lrkit find"))
    // The same accuracy with the loss of a guess (ln 10 ≈ 2.3) is a run that does not learn.
    let stuck = Self.log(loss: [2.31, 2.31, 2.309, 2.31, 2.309, 2.308], accuracy: [0.094, 0.104, 0.104, 0.091, 0.101, 0.091])
    #expect(Diagnoser.diagnose(stuck)[0].kind == .stagnation)
    // An accuracy that moves is learning, whatever the loss's scale.
    let learning = Self.log(loss: [956, 68, 30, 12, 8, 6], accuracy: [0.1, 0.3, 0.5, 0.6, 0.7, 0.75])
    #expect(!Diagnoser.diagnose(learning)[0].evidence.contains("learned nothing"))
  }

  @Test("a classifier whose loss sits above 20 has blown-up logits, even at a high accuracy")
  func classifierCeiling() {
    let blown = Self.log(loss: [43535, 4655, 1792, 900, 34, 40, 51, 38], accuracy: [0.95, 0.96, 0.94, 0.95, 0.94, 0.93, 0.93, 0.93],
                         eval: [6705, 4283, 4435, 4100, 3928, 3900, 3850, 3834])
    let v = Diagnoser.diagnose(blown)[0]
    #expect(v.kind == .diverged)
    #expect(v.evidence.contains("blown up"))
    // The same numbers without an accuracy could be a regression's squared error: not judged so.
    var regression = TrainingLog(format: "synthetic", path: "synthetic")
    for (i, v) in [43535.0, 4655, 1792, 900, 34, 40, 51, 38].enumerated() { regression.add("loss", step: i, value: v) }
    #expect(!Diagnoser.diagnose(regression.normalized())[0].evidence.contains("blown up"))
    // Thresholds are fields: a higher ceiling lets the run through.
    var t = DiagnosisThresholds.standard
    t.classifierLossCeiling = 1e5
    #expect(!Diagnoser.diagnose(blown, thresholds: t)[0].evidence.contains("blown up"))
  }
}
