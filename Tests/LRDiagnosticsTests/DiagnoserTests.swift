import Foundation
import LRDiagnostics
import Testing

@Suite("Diagnosis of labelled curves")
struct DiagnoserTests {
  @Test("each synthetic curve gets its label as the first verdict", arguments: SyntheticCurves.all)
  func synthetic(_ c: SyntheticCurves.Case) {
    let verdicts = Diagnoser.diagnose(c.log)
    #expect(verdicts.first?.kind == c.expected, "\(c.name): \(verdicts.map { "\($0.kind.rawValue) \($0.evidence)" })")
    for v in verdicts {
      #expect(v.confidence >= 0 && v.confidence <= 1)
      #expect(v.startStep <= v.endStep)
      #expect(!v.evidence.isEmpty && !v.advice.isEmpty)
    }
  }

  @Test("confusion table over the synthetic set (printed for the record)")
  func confusion() {
    var table: [String: [String: Int]] = [:]
    for c in SyntheticCurves.all {
      let got = Diagnoser.diagnose(c.log).first?.kind.rawValue ?? "none"
      table[c.expected.rawValue, default: [:]][got, default: 0] += 1
    }
    let kinds = Verdict.Kind.allCases.map(\.rawValue)
    print("confusion (rows expected, columns first verdict): " + kinds.joined(separator: " "))
    for k in kinds where table[k] != nil {
      print("  \(k): " + kinds.map { "\(table[k]?[$0] ?? 0)" }.joined(separator: " "))
    }
    let correct = kinds.reduce(0) { $0 + (table[$1]?[$1] ?? 0) }
    #expect(correct == SyntheticCurves.all.count)
  }

  @Test("too few points: the evidence counts them in the right number")
  func tooFewPoints() {
    for (n, words) in [(1, "only 1 finite loss value: too few"), (2, "only 2 finite loss values: too few")] {
      var log = TrainingLog(format: "synthetic", path: "x")
      for k in 0..<n { log.add("loss", step: k, value: 2.0) }
      #expect(Diagnoser.diagnose(log).first?.evidence == words + " to judge")
    }
  }

  @Test("the lr at the problem is reported when the log has it")
  func lrAtProblem() {
    var log = TrainingLog(format: "synthetic", path: "x")
    for k in 0..<50 {
      log.add("loss", step: k, value: k < 30 ? 2 - Double(k) * 0.01 : .nan)
      log.add("lr", step: k, value: 0.1 * Double(k + 1))
    }
    let v = Diagnoser.diagnose(log.normalized())[0]
    #expect(v.kind == .diverged)
    #expect(v.startStep == 30)
    #expect(abs((v.lr ?? 0) - 3.1) < 1e-12)
    #expect(v.evidence.contains("NaN") || v.evidence.contains("nan"))
  }
}
