/// Spikes: rare points far above the running median, measured against both the local noise
/// (a robust z-score of `log(loss)`) and the run's progress, after the early window.
struct SpikeDetector: Detector {
  /// One spike: the index range, its peak, the running median under it and whether the loss
  /// came back.
  struct Event {
    var start: Int
    var end: Int
    var peak: Double
    var base: Double
    var recovered: Bool
    var noiseMultiple: Double
  }

  /// The spikes of a curve (also used by the healthy verdict to mention isolated ones).
  static func events(_ c: CurveProfile, _ t: DiagnosisThresholds) -> [Event] {
    let n = c.count
    guard n >= 10 else { return [] }
    let residual = zip(c.peaks, c.trend).map { Statistics.safeLog($0) - Statistics.safeLog($1) }
    let half = max(25, 2 * c.window)
    func z(_ i: Int) -> Double {
      let win = residual[max(0, i - half)..<min(n, i + half + 1)]
      let center = Statistics.median(win)
      let s = Statistics.spread(win, around: center)
      return (residual[i] - center) / max(s, 1e-9)
    }
    func isSpike(_ i: Int, base: Double, height: Double) -> Bool {
      let v = c.peaks[i]
      return v - base > height && v > t.spikeRatio * base && z(i) > t.spikeNoiseMultiple
    }
    let height = t.spikeProgressFraction * c.progressScale
    var events: [Event] = []
    var i = max(5, n / 20)
    while i < n {
      let base = c.trend[i]
      // Cheap tests first; the z-score needs a window median.
      guard c.peaks[i] - base > height, c.peaks[i] > t.spikeRatio * base else { i += 1; continue }
      let zi = z(i)
      guard zi > t.spikeNoiseMultiple else { i += 1; continue }
      var j = i
      var peak = c.peaks[i]
      while j + 1 < n, c.peaks[j + 1] > base + 0.5 * (c.peaks[i] - base), isSpike(j + 1, base: base, height: height) {
        j += 1
        peak = max(peak, c.peaks[j])
      }
      let after = c.values[(j + 1)..<min(n, j + 1 + c.window)]
      let recovered = (after.min() ?? .infinity) <= base + t.spikeRecoveryFraction * (peak - base)
      events.append(Event(start: i, end: j, peak: peak, base: base, recovered: recovered, noiseMultiple: zi))
      i = j + 1
    }
    return events
  }

  func detect(_ c: CurveProfile, found: [Verdict], thresholds t: DiagnosisThresholds) -> Verdict? {
    guard !found.contains(where: { $0.kind == .diverged }) else { return nil }
    let events = c.spikes
    guard !events.isEmpty, Double(events.count) <= max(3, t.spikeMaxRate * Double(c.count)) else { return nil }
    let unrecovered = events.filter { !$0.recovered }.count
    // One spike that recovered is mentioned by the healthy verdict instead.
    guard events.count >= 2 || unrecovered > 0 else { return nil }
    let positions = events.prefix(8).map { "\(c.peakSteps[$0.start])" }.joined(separator: ", ")
    let largest = events.max { $0.peak / $0.base < $1.peak / $1.base }!
    let smallestZ = events.map(\.noiseMultiple).min()!
    let confidence = min(0.95, 0.55 + 0.1 * Double(min(events.count, 3)) + (smallestZ > 8 ? 0.1 : 0))
    return Verdict(
      kind: .spikes, startStep: c.steps[events[0].start], endStep: c.steps[events.last!.end],
      confidence: confidence,
      evidence: "\(events.count) loss spike(s) at step(s) \(positions)\(events.count > 8 ? ", …" : ""); the largest "
        + "reached \(format(largest.peak)) over a running median of \(format(largest.base)) "
        + "(\(format(largest.peak / largest.base))×, \(clampedInt(largest.noiseMultiple.rounded())) noise widths); "
        + (unrecovered == 0 ? "all recovered" : "\(unrecovered) did not recover")
        + c.lrText(c.steps[events[0].start]),
      advice: unrecovered > 0
        ? "lower the peak learning rate, clip gradients (max norm 1), and restart from a checkpoint before the spike"
        : "look at the batches of those steps (bad data is the usual cause of sudden spikes that recover at once); "
          + "clip gradients (max norm 1) or lower the learning rate slightly",
      lr: c.lr(at: c.steps[events[0].start]))
  }
}
