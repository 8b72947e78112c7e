import LRSchedules

/// Compares a logged learning-rate curve with the schedule the user meant and names the first
/// step where they part, with the likely cause: an off-by-one or a shift (a warmup counted
/// twice), a restart (a resume that did not restore the scheduler), a stretched or squeezed
/// horizon (total steps miscounted from epochs), or a different peak.
public enum ScheduleAudit {
  /// What the audit found.
  public struct Finding: Sendable, Equatable {
    /// The log's step `s` holds the lr of update `s + offset` (chosen from −1, 0, 1 by the
    /// number of matching points; frameworks differ).
    public var offset: Int
    /// The number of logged points compared.
    public var compared: Int
    /// The first logged step where the lr differs, or nil when every point matches.
    public var firstMismatchStep: Int?
    /// The logged and expected lr there.
    public var logged: Double?
    public var expected: Double?
    /// The likely cause, in words (nil when none of the patterns fits).
    public var cause: String?

    /// One line for people.
    public var summary: String {
      guard let s = firstMismatchStep, let logged, let expected else {
        return "the logged lr matches the schedule at all \(compared) logged steps"
          + (offset == 0 ? "" : " (the log's step s holds the lr of update s\(offset > 0 ? "+" : "−")\(abs(offset)))")
      }
      return "the logged lr parts from the schedule at step \(s): \(format(logged)) logged, \(format(expected)) expected"
        + (cause.map { "; \($0)" } ?? "")
    }
  }

  /// Relative tolerance: float32 logs round to about 6e-8; printed logs to 4–6 digits.
  static let tolerance = 2e-4

  /// Close in relative terms, or within 1e-5 of the peak (float32 schedules lose relative
  /// precision where the curve nears 0).
  static func close(_ a: Double, _ b: Double, scale: Double) -> Bool {
    abs(a - b) <= tolerance * abs(b) + 1e-5 * scale
  }

  /// Audits `lr` (the logged series) against `schedule`.
  public static func audit(_ lr: TrainingLog.Series, against schedule: DecodedSchedule) -> Finding {
    let pts = zip(lr.steps, lr.values).filter { $0.1.isFinite && $0.0 >= 0 }
    let scale = pts.map(\.1).max() ?? 1
    func expected(_ k: Int) -> Double? {
      guard k >= 0 else { return nil }
      if let limit = schedule.stepLimit, k >= limit.steps { return nil }
      return schedule.lr.value(at: k)
    }
    func mismatch(_ offset: Int) -> Int? {
      pts.firstIndex { s, v in expected(s + offset).map { !close(v, $0, scale: scale) } ?? true }
    }
    // The offset that matches the longest prefix.
    let offset = [0, 1, -1].max { (mismatch($0) ?? pts.count) < (mismatch($1) ?? pts.count) }!
    var finding = Finding(offset: offset, compared: pts.count)
    guard let i = mismatch(offset) else { return finding }
    let (s, v) = pts[i]
    finding.firstMismatchStep = s
    finding.logged = v
    finding.expected = expected(s + offset)
    // The cause is judged on at most ~2000 points of the rest.
    let rest = ScheduleIdentifier.thin(Array(pts[i...]))
    finding.cause = cause(rest, from: 0, offset: offset, expected: expected, scale: scale)
    return finding
  }

  static func cause(_ pts: [(Int, Double)], from i: Int, offset: Int, expected: (Int) -> Double?,
                    scale: Double) -> String? {
    let rest = pts[i...]
    func fits(_ f: (Int) -> Int?) -> Bool {
      var matched = 0
      for (s, v) in rest {
        guard let k = f(s), let e = expected(k) else { continue }
        guard close(v, e, scale: scale) else { return false }
        matched += 1
      }
      return matched >= max(2, rest.count / 2)
    }
    let (s0, _) = pts[i]
    // A restart: from s0 on, the log follows the schedule from its beginning again.
    for start in [s0, s0 - 1, s0 + 1] where start > 0 && fits({ $0 - start + offset >= 0 ? $0 - start + offset : nil }) {
      return "from step \(start) the log follows the schedule from update 0 again: the scheduler restarted "
        + "(a resume that did not restore the scheduler's state)"
    }
    // A constant shift: the log runs ahead of or behind the schedule.
    for d in (-2000...2000).sorted(by: { abs($0) < abs($1) }) where d != 0 {
      if fits({ $0 + offset + d }) {
        return d > 0
          ? "the log runs \(d) update(s) ahead of the schedule (an off-by-\(d); counting a warmup or a resume twice shifts it like this)"
          : "the log runs \(-d) update(s) behind the schedule (an off-by-\(-d); a warmup counted twice or steps logged before the update shift it like this)"
      }
    }
    // A stretched or squeezed horizon: the log follows the schedule at a different speed.
    if let total = pts.last.map({ $0.0 }), total > 0 {
      for percent in stride(from: 20, through: 500, by: 1) where percent != 100 {
        let f = Double(percent) / 100
        if fits({ Int((Double($0 + offset) * f).rounded()) }) {
          return "the log follows the schedule \(format(f))× as fast: its total length is miscounted "
            + "(by a factor of \(format(1 / f)); steps from epochs with gradient accumulation or several devices do this)"
        }
      }
    }
    // A different peak: a constant ratio.
    let ratios = rest.compactMap { s, v -> Double? in expected(s + offset).flatMap { $0 > 0 ? v / $0 : nil } }
    if let r = ratios.first, ratios.count >= 2, ratios.allSatisfy({ abs($0 - r) <= tolerance * r }) {
      return "the logged lr is \(format(r))× the schedule's from there on (a different peak lr or a scaled lr)"
    }
    return nil
  }
}
