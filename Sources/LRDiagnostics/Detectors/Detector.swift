/// One kind of finding, judged on a measured curve.
protocol Detector: Sendable {
  /// The verdict, or nil when the curve does not show this problem. `found` holds the verdicts
  /// of the detectors that ran before (a diverged run is not also judged for stagnation).
  func detect(_ curve: CurveProfile, found: [Verdict], thresholds: DiagnosisThresholds) -> Verdict?
}

extension CurveProfile {
  /// " (lr X there)" when the log has the lr.
  func lrText(_ step: Int) -> String { lr(at: step).map { " (lr \(format($0)) there)" } ?? "" }
}
