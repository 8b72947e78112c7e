/// Diverged without NaN: after real progress the loss returns to where it started (or to the
/// chance level, a dead network) and stays there, or it ends far above its start; or, in a log
/// with an accuracy, the accuracy stays at a guess's level while the loss sits far above the
/// cross-entropy of a guess that scores it (a run that blew up before its first logged point,
/// which Keras's and fastai's per-epoch means and MMEngine's interval means hide).
struct CollapseDetector: Detector {
  /// The advice for a run that broke before its first logged point: by how much to lower the lr
  /// is not in the log.
  static let hiddenBlowUpAdvice = "lower the learning rate by 10× or more: the run broke before its first logged point, so "
    + "the log cannot say by how much (an LR range test can: lrkit find); add warmup and gradient clipping, and log "
    + "from the first step"

  func detect(_ c: CurveProfile, found: [Verdict], thresholds t: DiagnosisThresholds) -> Verdict? {
    guard !found.contains(where: { $0.kind == .diverged }), c.count >= 5 else { return nil }
    let n = c.count
    if c.progress > t.collapseMinProgress * abs(c.start) {
      var level = c.start - t.collapseReturnFraction * c.progress
      if let chance = c.chance { level = min(level, chance * 0.95) }
      for a in c.bestIndex..<n where c.trend[a] >= level {
        let rest = c.trend[a...]
        guard Double(rest.filter { $0 >= level }.count) >= t.collapsePersistence * Double(rest.count) else { continue }
        guard Double(n - a) >= max(5, t.collapseMinLength * Double(n)) else { break }
        let tail = Statistics.median(c.values[a...])
        // A dead network sits still; a loss bouncing around its start level is oscillation
        // (unless it bounces far above the start).
        let logs = c.values[a...].map(Statistics.safeLog)
        let bounce = Statistics.spread(logs, around: Statistics.median(logs))
        if tail <= c.start * t.blowUpOverStart, bounce > t.collapseStillness { break }
        var what = "back to its start \(format(c.start))"
        var confidence = 0.85
        if let chance = c.chance, abs(tail - chance) <= 0.05 * chance {
          what = "at the chance level ln(classes) = \(format(chance)) (a network that predicts nothing)"
          confidence = 0.9
        } else if tail > c.start * t.blowUpOverStart {
          what = "above its start \(format(c.start))"
          confidence = 0.9
        }
        return Verdict(
          kind: .diverged, startStep: c.steps[a], endStep: c.steps[n - 1], confidence: confidence,
          evidence: "the \(c.name) fell from \(format(c.start)) to \(format(c.best)) by step \(c.steps[c.bestIndex]), "
            + "then went \(what) from step \(c.steps[a]) and stayed there (median \(format(tail)) over the last "
            + "\(n - a) logged points)\(c.lrText(c.steps[a]))",
          advice: "the run broke at step \(c.steps[a]): check what changed there (an lr jump, a resume, bad data); "
            + "lower the peak learning rate and restart from a checkpoint before it",
          lr: c.lr(at: c.steps[a]))
      }
    }
    // An explosion by orders of magnitude that the run never recovers from: the loss ends no
    // lower than its first value (a network killed in its first steps, often left at chance).
    let first = c.values[0]
    if first > 0, let e = c.peaks.indices.max(by: { c.peaks[$0] < c.peaks[$1] }),
      c.peaks[e] > t.explosionFactor * first, c.final >= 0.9 * first, e < n - 1
    {
      return Verdict(
        kind: .diverged, startStep: c.peakSteps[e], endStep: c.steps[n - 1], confidence: 0.85,
        evidence: "the \(c.name) exploded from \(format(first)) to \(format(c.peaks[e])) at step \(c.peakSteps[e]) "
          + "and never got below its first value again (it ends at \(format(c.final)))\(c.lrText(c.peakSteps[e]))",
        advice: "lower the peak learning rate (3–10×), add warmup and gradient clipping",
        lr: c.lr(at: c.peakSteps[e]))
    }
    if let acc = c.accuracy, let v = hiddenBlowUp(c, accuracy: acc, t) { return v }
    if c.final > t.blowUpOverStart * c.start, c.final > t.blowUpOverBest * max(c.best, 1e-12),
      let b = c.trend.firstIndex(where: { $0 > t.blowUpOverStart * c.start && $0 > t.blowUpOverBest * c.best })
    {
      return Verdict(
        kind: .diverged, startStep: c.steps[b], endStep: c.steps[n - 1], confidence: 0.85,
        evidence: "the \(c.name) rose from \(format(c.start)) at the start (best \(format(c.best))) to \(format(c.final)) "
          + "at the end, above its start from step \(c.steps[b])\(c.lrText(c.steps[b]))",
        advice: "lower the peak learning rate (3–10×), add warmup and gradient clipping",
        lr: c.lr(at: c.steps[b]))
    }
    return nil
  }

  /// A classifier's run (its log has an accuracy) that blew up before its first logged point: its
  /// accuracy stays at a guess's level while its loss sits far above what such a guess costs, or
  /// its training or validation loss sits above any calibrated value (blown-up logits, even when
  /// they still rank the right class first).
  func hiddenBlowUp(_ c: CurveProfile, accuracy acc: (name: String, values: [Double]), _ t: DiagnosisThresholds) -> Verdict? {
    let late = c.values[(c.count / 2)...].filter(\.isFinite)
    guard c.count >= 3, !late.isEmpty else { return nil }
    let a = Statistics.median(acc.values)
    let range = acc.values.max()! - acc.values.min()!
    let guess = -naturalLog(a)
    let level = Statistics.median(late)
    var evidence: String?
    if range <= t.guessAccuracyRange, a > 0, a <= t.guessAccuracyMax, level > t.guessLossRatio * guess {
      evidence = "\(acc.name) stayed at \(format(a)) (within \(format(range)) over \(acc.values.count) values) while the "
        + "\(c.name) sat at \(format(level)), \(format(level / guess))× the \(format(guess)) that a constant guess "
        + "scoring \(format(a)) costs: the model learned nothing and is confidently wrong, a blow-up before the "
        + "first logged point (it starts at \(format(c.values[0])))"
    } else {
      let evalLate = c.eval.map { e in e.values[(e.count / 2)...].filter(\.isFinite) } ?? []
      let levels = [("the " + c.name, level)]
        + (evalLate.isEmpty ? [] : [("the validation loss", Statistics.median(evalLate))])
      if let (what, worst) = levels.max(by: { $0.1 < $1.1 }), worst > t.classifierLossCeiling {
        evidence = "\(what) of this classifier (it logs \(acc.name), \(format(a))) sits at \(format(worst)) over the "
          + "second half: a cross-entropy above \(format(t.classifierLossCeiling)) gives the true class a probability "
          + "below e^-\(format(t.classifierLossCeiling)) on average, so the logits have blown up (the accuracy can stay "
          + "high while they still rank the right class first)"
      }
    }
    guard let evidence else { return nil }
    return Verdict(
      kind: .diverged, startStep: c.steps[0], endStep: c.steps[c.count - 1], confidence: 0.8,
      evidence: evidence + c.lrText(c.steps[0]), advice: Self.hiddenBlowUpAdvice, lr: c.lr(at: c.steps[0]))
  }
}
