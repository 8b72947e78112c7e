/// Stagnation: the loss barely moved from where it started.
struct StagnationDetector: Detector {
  func detect(_ c: CurveProfile, found: [Verdict], thresholds t: DiagnosisThresholds) -> Verdict? {
    guard !found.contains(where: { $0.kind == .diverged }), c.count >= 5, c.start > 0 else { return nil }
    let tail = c.trend.suffix(max(3, c.count / 10))
    let improvement = (c.start - (tail.min() ?? c.start)) / c.start
    guard improvement < t.stagnationImprovement else { return nil }
    let n = c.count
    let confidence = improvement < 0.02 ? 0.9 : improvement < 0.05 ? 0.8 : 0.65
    var chanceNote = ""
    if let chance = c.chance, abs(c.final - chance) <= 0.05 * chance {
      chanceNote = "; it sits at the chance level ln(classes) = \(format(chance))"
    }
    return Verdict(
      kind: .stagnation, startStep: c.steps[0], endStep: c.steps[n - 1], confidence: confidence,
      evidence: "the \(c.name) went from \(format(c.start)) to \(format(c.final)) over \(n) logged points: "
        + "\(percent(max(improvement, 0))) lower\(chanceNote)\(c.lrText(c.steps[n - 1]))",
      advice: "raise the learning rate 3–10× (or find it with an LR range test: lrkit find)",
      lr: c.lr(at: c.steps[n - 1]))
  }
}
