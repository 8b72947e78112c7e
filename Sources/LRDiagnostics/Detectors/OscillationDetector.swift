/// Oscillation: in the second half the loss keeps jumping between levels (window medians far
/// apart in log space) or sits well above the best it reached, while the lr stays high.
struct OscillationDetector: Detector {
  func detect(_ c: CurveProfile, found: [Verdict], thresholds t: DiagnosisThresholds) -> Verdict? {
    guard !found.contains(where: { $0.kind == .diverged }), c.count >= 16 else { return nil }
    let n = c.count
    let half = Array(c.values[(n / 2)...])
    let windows = min(20, half.count / 5)
    guard windows >= 4 else { return nil }
    let size = half.count / windows
    let medians = (0..<windows).map { Statistics.median(half[($0 * size)..<(($0 + 1) * size)]) }
    let roughness = Statistics.median(zip(medians, medians.dropFirst()).map {
      abs(Statistics.safeLog($1) - Statistics.safeLog($0))
    })
    let tailTrend = Statistics.median(c.trend.suffix(max(3, n / 4)))
    let above = (tailTrend - c.best) / max(c.progress, 1e-12)
    var lrNote = ""
    var lrKnownHigh = false
    if let peak = c.lrPeak, peak.value > 0, let last = c.lr?.values.last {
      guard last >= t.oscillationLRFraction * peak.value else { return nil }
      lrNote = "; the lr is still \(format(last)) (\(clampedInt((last / peak.value * 100).rounded())) % of its peak): no decay"
      lrKnownHigh = true
    }
    let rough = roughness > t.oscillationRoughness
    let stuckHigh = above > t.oscillationAboveBest && tailTrend > 1.5 * c.best
    guard rough || stuckHigh else { return nil }
    var confidence = 0.6 + 0.25 * min(1, max(roughness - t.oscillationRoughness, above - t.oscillationAboveBest) / 0.5)
    if lrKnownHigh { confidence += 0.05 }
    let lo = medians.min()!
    let hi = medians.max()!
    let what = rough
      ? "over the second half the window medians jump between \(format(lo)) and \(format(hi)) (a typical factor of "
        + "\(format(Statistics.exp(roughness))) from one window to the next) with no downward trend"
      : "over the last quarter the running median sits at \(format(tailTrend)), well above the \(format(c.best)) "
        + "it reached at step \(c.steps[c.bestIndex])"
    return Verdict(
      kind: .oscillation, startStep: c.steps[n / 2], endStep: c.steps[n - 1], confidence: min(0.95, confidence),
      evidence: what + lrNote,
      advice: "lower the learning rate (3×) or add decay (cosine or linear to ~10 % of the peak)",
      lr: c.lr?.values.last)
  }
}
