/// Reads a training curve and says what went wrong, with evidence.
///
/// The curve is measured once (the trend, the noise, the start, best, final
/// and chance levels), then each detector judges it on those scales, with the thresholds of
/// ``DiagnosisThresholds``:
/// - **diverged**: a NaN/Inf loss or gradient norm; a collapse (after real progress the loss
///   returns to its start or to the chance level and stays there); or a blow-up past its start;
/// - **oscillation**: the second half jumping between levels, or stuck well above its best,
///   while the lr stays high;
/// - **overfitting**: the validation loss rising and staying above its minimum while the
///   training loss falls;
/// - **warmup**: an early rise above the first loss, far above the early noise, at a high lr,
///   followed by recovery;
/// - **stagnation**: less than 15 % lower at the end;
/// - **spikes**: rare points far above the running median against both the local noise and the
///   progress scale (two or more, or one that did not recover).
///
/// Exactly one verdict comes first (the primary one), in that order of severity; `healthy`
/// comes alone when nothing is found, and `no_loss` when the log has no loss series.
public enum Diagnoser {
  /// The detectors, in the order they run (later ones see the earlier verdicts).
  static let detectors: [any Detector] = [
    NonFiniteDetector(), CollapseDetector(), OscillationDetector(), OverfittingDetector(),
    WarmupDetector(), StagnationDetector(), SpikeDetector(),
  ]

  /// The verdicts for `log`, the primary one first; `healthy` alone when nothing is wrong.
  public static func diagnose(_ log: TrainingLog, thresholds: DiagnosisThresholds = .standard) -> [Verdict] {
    guard let curve = CurveProfile(log, thresholds: thresholds) else {
      let present = log.series.keys.sorted()
      return [Verdict(
        kind: .noLoss, startStep: 0, endStep: 0, confidence: 1,
        evidence: "no loss series found; series present: " + (present.isEmpty ? "none" : present.joined(separator: ", ")),
        advice: "name the loss column or key with --loss-key")]
    }
    var verdicts: [Verdict] = []
    for detector in detectors {
      if let v = detector.detect(curve, found: verdicts, thresholds: thresholds) { verdicts.append(v) }
    }
    if verdicts.isEmpty { verdicts.append(healthy(curve, thresholds)) }
    let order: [Verdict.Kind] = [.diverged, .oscillation, .overfitting, .warmup, .stagnation, .spikes, .healthy]
    return verdicts.sorted { order.firstIndex(of: $0.kind)! < order.firstIndex(of: $1.kind)! }
  }

  /// The verdict when no detector fires: how far the loss fell, and any isolated spike.
  static func healthy(_ c: CurveProfile, _ t: DiagnosisThresholds) -> Verdict {
    let n = c.count
    guard n >= 5 else {
      return Verdict(kind: .healthy, startStep: c.steps.first ?? 0, endStep: c.steps.last ?? 0, confidence: 0.2,
                     evidence: "only \(n) finite loss value\(n == 1 ? "" : "s"): too few to judge",
                     advice: "log the loss more often (every step or every few steps)")
    }
    let improvement = c.start > 0 ? (c.start - c.final) / c.start : 0
    var evidence = "the \(c.name) fell from \(format(c.start)) to \(format(c.final)) (\(percent(improvement)) lower) "
      + "without divergence, oscillation or a rising validation loss"
    let spikes = c.spikes
    evidence += spikes.isEmpty
      ? ", without spikes"
      : ", with \(spikes.count) isolated spike(s) that recovered (step \(spikes.map { "\(c.peakSteps[$0.start])" }.joined(separator: ", ")))"
    if let e = c.eval?.values.last { evidence += "; final validation loss \(format(e))" }
    return Verdict(kind: .healthy, startStep: c.steps[0], endStep: c.steps[n - 1],
                   confidence: min(0.9, 0.6 + max(0, improvement) / 3), evidence: evidence,
                   advice: "nothing to change; a longer run or a larger model may lower the loss further")
  }
}

/// A fraction as a whole percentage.
func percent(_ x: Double) -> String { "\(clampedInt((x * 100).rounded()))%" }

/// A short number for messages: up to four significant digits.
func format(_ x: Double) -> String {
  if !x.isFinite { return "\(x)" }
  if x == 0 { return "0" }
  let a = abs(x)
  if a < 0.01 || a >= 10_000 {
    var e = 0
    var m = a
    while m >= 10 { m /= 10; e += 1 }
    while m < 1 { m *= 10; e -= 1 }
    var digits = String(Int((m * 100).rounded()))
    if digits == "1000" { digits = "100"; e += 1 }
    var mantissa = String(digits.first!) + "." + digits.dropFirst()
    while mantissa.hasSuffix("0") { mantissa.removeLast() }
    if mantissa.hasSuffix(".") { mantissa.removeLast() }
    return (x < 0 ? "-" : "") + mantissa + "e\(e)"
  }
  if a >= 0.01 && a < 10_000 {
    let digits = a >= 100 ? 1 : a >= 1 ? 3 : 4
    var s = String(Int((a * pow10(digits)).rounded()))
    while s.count <= digits { s = "0" + s }
    s.insert(".", at: s.index(s.endIndex, offsetBy: -digits))
    while s.hasSuffix("0") { s.removeLast() }
    if s.hasSuffix(".") { s.removeLast() }
    return (x < 0 ? "-" : "") + s
  }
  return x.description.replacingOccurrences(of: "e-0", with: "e-").replacingOccurrences(of: "e+", with: "e")
}

func pow10(_ n: Int) -> Double { (0..<n).reduce(1.0) { r, _ in r * 10 } }
