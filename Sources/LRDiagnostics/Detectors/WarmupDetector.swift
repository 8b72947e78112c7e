/// Warmup: in the early window the loss rises above where it started, far beyond the early
/// noise, while the lr is already near its peak, and the run recovers afterwards.
struct WarmupDetector: Detector {
  func detect(_ c: CurveProfile, found: [Verdict], thresholds t: DiagnosisThresholds) -> Verdict? {
    guard !found.contains(where: { $0.kind == .diverged }), c.count >= 8 else { return nil }
    let n = c.count
    let early = min(c.earlyCount(t), n - 1)
    guard early > 1 else { return nil }
    let p = (1..<early).max { c.peaks[$0] < c.peaks[$1] }!
    let peak = c.peaks[p]
    let first = c.values[0]
    guard peak > first * (1 + t.warmupRise) else { return nil }
    // The early noise: log residuals around the running median, without the peak itself.
    let span = 0..<min(n, max(20, early))
    let residuals = span.filter { abs($0 - p) > 1 }.map { Statistics.safeLog(c.values[$0]) - Statistics.safeLog(c.trend[$0]) }
    let noise = max(Statistics.spread(residuals, around: 0), 1e-9)
    let z = (Statistics.safeLog(peak) - Statistics.safeLog(c.trend[p])) / noise
    guard z > t.warmupNoiseMultiple else { return nil }
    // Recovery: the run ends well below its first loss.
    guard c.final < first - 0.3 * max(first - c.best, 0), c.best < 0.9 * first else { return nil }
    let at = c.peakSteps[p]
    // Confidence: the size of the rise against the early noise, and whether the logged lr shows
    // the cause (at its peak from the first step).
    var note = ""
    var confidence = 0.6 + 0.1 * min(1, (z - t.warmupNoiseMultiple) / 10)
    if let lrPeak = c.lrPeak, lrPeak.value > 0, let lrThere = c.lr(at: at) {
      guard lrThere >= t.warmupLRFraction * lrPeak.value else { return nil }
      if let first = c.lr?.values.first, first >= 0.9 * lrPeak.value {
        note = "; the lr starts at its peak \(format(first)) (no warmup)"
        confidence += 0.1
      } else {
        note = "; the lr reaches its peak \(format(lrPeak.value)) at step \(lrPeak.step), too early to settle"
        confidence += 0.05
      }
    }
    let total = max(c.steps[n - 1] - c.steps[0], 1)
    let suggestion = max(1, Int((Double(total) * 0.05).rounded()))
    return Verdict(
      kind: .warmup, startStep: c.steps[0], endStep: c.steps[min(early, n) - 1], confidence: confidence,
      evidence: "the \(c.name) rose from \(format(first)) at step \(c.steps[0]) to \(format(peak)) at step \(at) "
        + "(\(clampedInt(z.rounded())) early-noise widths above its running median) and then recovered to "
        + "\(format(c.final))\(note)\(c.lrText(at))",
      advice: "add a linear warmup of about \(suggestion)–\(2 * suggestion) steps (5–10 % of this \(total)-step run; "
        + "with Adam up to 2/(1−β2) steps, 40 for β2 = 0.95) or lengthen the one there",
      lr: c.lr(at: at))
  }
}
