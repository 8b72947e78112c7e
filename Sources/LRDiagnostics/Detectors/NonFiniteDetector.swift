/// Diverged: a NaN or infinite loss or gradient norm, or a run that stopped on one.
struct NonFiniteDetector: Detector {
  func detect(_ c: CurveProfile, found: [Verdict], thresholds: DiagnosisThresholds) -> Verdict? {
    var candidates: [(step: Int, what: String)] = []
    if let f = c.firstNonFinite { candidates.append((f.step, "the \(c.name) is \(f.value)")) }
    if let o = c.otherNonFinite { candidates.append(o) }
    guard let first = candidates.min(by: { $0.step < $1.step }) else { return nil }
    let lastGood = c.values.last.map { " after a last finite loss of \(format($0))" } ?? ""
    return Verdict(
      kind: .diverged, startStep: first.step, endStep: max(first.step, c.train.steps.last ?? first.step),
      confidence: 1,
      evidence: "\(first.what) at step \(first.step)\(lastGood)\(c.lrText(first.step))",
      advice: "lower the peak learning rate (3–10×), add or lengthen warmup, and clip gradients (max norm 1)",
      lr: c.lr(at: first.step))
  }
}
