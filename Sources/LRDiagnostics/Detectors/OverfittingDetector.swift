/// Overfitting: the validation loss bottoms out and then rises and stays up while the training
/// loss keeps falling. Confidence grows with the size of the rise and the number of
/// evaluations that show it.
struct OverfittingDetector: Detector {
  func detect(_ c: CurveProfile, found: [Verdict], thresholds t: DiagnosisThresholds) -> Verdict? {
    guard let eval = c.eval, eval.count >= 3, c.train.count >= 4, eval.values.allSatisfy(\.isFinite) else { return nil }
    let ev = eval.values
    let m = ev.indices.min { ev[$0] < ev[$1] }!
    guard m < ev.count - 1, ev[m] > 0 else { return nil }
    let after = ev[(m + 1)...]
    let rise = (ev[ev.count - 1] - ev[m]) / ev[m]
    let aboveShare = Double(after.filter { $0 > ev[m] * 1.03 }.count) / Double(after.count)
    let lateRise = (Statistics.median(after.suffix(max(1, after.count / 2))) - ev[m]) / ev[m]
    func trainAt(_ s: Int) -> Double {
      let idx = c.train.steps.lastIndex { $0 <= s } ?? 0
      return Statistics.median(c.train.values[max(0, idx - 5)...idx].filter(\.isFinite))
    }
    let trainAtBest = trainAt(eval.steps[m])
    let trainAtEnd = trainAt(eval.steps[ev.count - 1])
    guard rise > t.overfittingRise, after.count >= 2, aboveShare >= t.overfittingAboveFraction,
      lateRise > t.overfittingRise / 2, trainAtEnd < trainAtBest
    else { return nil }
    // A validation loss set back by a spike right after its minimum is the spike's damage.
    let next = eval.steps[m + 1]
    if c.spikes.contains(where: { (eval.steps[m]...next).contains(c.peakSteps[$0.start]) }) {
      return nil
    }
    let confidence = min(0.95, 0.5 + 0.4 * min(1, rise / 0.5) * min(1, Double(after.count) / 4))
    return Verdict(
      kind: .overfitting, startStep: eval.steps[m], endStep: eval.steps[ev.count - 1], confidence: confidence,
      evidence: "the validation loss was lowest at step \(eval.steps[m]) (\(format(ev[m]))) and ended at "
        + "\(format(ev[ev.count - 1])) (+\(percent(rise)), \(after.filter { $0 > ev[m] * 1.03 }.count) of the "
        + "\(after.count) later evaluations above it) while the training loss fell from \(format(trainAtBest)) "
        + "to \(format(trainAtEnd))",
      advice: "stop earlier (around step \(eval.steps[m])) or regularise: weight decay, dropout, more data",
      lr: c.lr(at: eval.steps[m]))
  }
}
