import Foundation

/// Reads a training curve and says what went wrong, with evidence.
///
/// Rules (thresholds from the practice surveyed in tools-and-tasks.md §2):
/// - **diverged**: a NaN/Inf loss or gradient norm, or the smoothed loss staying above 1.5× its
///   start (and 3× its best) at the end;
/// - **spikes**: a point above 2× the median of the preceding window (KillLossSpike's 2×), or
///   7 robust standard deviations above it in log space (OLMo's 7σ) and 1.3× the median, and
///   by more than a tenth of the whole descent;
/// - **warmup**: a spike or a rise above 1.3× the initial loss in the first tenth of the run;
/// - **stagnation**: less than 20 % improvement of the smoothed loss over the run, calmly;
/// - **oscillation**: in the last quarter, a coefficient of variation above 0.25 with no
///   downward trend and the typical loss (median) well above the best it reached;
/// - **overfitting**: the validation loss ending ≥ 5 % above its minimum after rising at the last
///   evaluations while the training loss kept falling.
public enum Diagnoser {
  /// The verdicts for `log`, most serious first; `healthy` alone when nothing is wrong.
  public static func diagnose(_ log: TrainingLog) -> [Verdict] {
    let train = log.series["loss"] ?? TrainingLog.Series()
    let main = train.count >= 3 ? train : (log.series["eval_loss"] ?? train)
    let lr = log.series["lr"]
    var verdicts: [Verdict] = []
    func lrAt(_ step: Int) -> Double? {
      guard let lr, !lr.steps.isEmpty else { return nil }
      var best = 0
      for (i, s) in lr.steps.enumerated() where s <= step { best = i }
      return lr.values[best]
    }
    func lrText(_ step: Int) -> String { lrAt(step).map { " (lr \(format($0)) there)" } ?? "" }

    // Non-finite values.
    var cut = main.count
    var firstBadStep: Int?
    var badWhat = ""
    if let i = main.values.firstIndex(where: { !$0.isFinite }) {
      cut = i
      firstBadStep = main.steps[i]
      badWhat = "the loss is \(main.values[i])"
    }
    if let g = log.series["grad_norm"], let i = g.values.firstIndex(where: { !$0.isFinite }),
      firstBadStep == nil || g.steps[i] < firstBadStep!
    {
      firstBadStep = g.steps[i]
      badWhat = "the gradient norm is \(g.values[i])"
      cut = main.steps.firstIndex { $0 >= g.steps[i] } ?? main.count
    }
    if let event = log.series["diverged_event"], let s = event.steps.first, firstBadStep == nil || s < firstBadStep! {
      firstBadStep = s
      badWhat = "the run stopped on a non-finite value"
      cut = main.steps.firstIndex { $0 >= s } ?? main.count
    }
    if let s = firstBadStep {
      let lastGood = cut > 0 ? " after a last finite loss of \(format(main.values[cut - 1]))" : ""
      verdicts.append(Verdict(
        kind: .diverged, startStep: s, endStep: max(s, main.steps.last ?? s), confidence: 1,
        evidence: "\(badWhat) at step \(s)\(lastGood)\(lrText(s))",
        advice: "lower the peak learning rate (3–10×), add or lengthen warmup, and clip gradients (max norm 1)",
        lr: lrAt(s)))
    }
    // Long logs are judged on at most 4000 buckets: the median of each bucket for trends, its
    // maximum (and where it happened) for spikes.
    let (steps, values, peaks, peakSteps) = reduce(Array(main.steps[..<cut]), Array(main.values[..<cut]), to: 4000)
    let n = values.count
    guard n >= 5 else {
      if verdicts.isEmpty {
        verdicts.append(Verdict(kind: .healthy, startStep: steps.first ?? 0, endStep: steps.last ?? 0,
                                confidence: 0.2, evidence: "only \(n) finite loss values: too few to judge",
                                advice: "log the loss more often (every step or every few steps)"))
      }
      return verdicts
    }
    let window = max(5, min(200, n / 25))
    let headCount = max(1, min(5, n / 20))
    let initial = median(Array(values.prefix(headCount)))
    let smoothed = rollingMedian(values, window: max(3, min(50, n / 50)))
    let best = smoothed.min() ?? initial
    let tailCount = max(3, n / 10)
    let final = median(Array(values.suffix(tailCount)))

    // Spikes.
    var spikeEvents: [(start: Int, end: Int, peak: Double, base: Double, recovered: Bool)] = []
    var spikeSteps: [Int: Int] = [:]
    var i = 3
    while i < n {
      let lo = max(0, i - window)
      let base = median(Array(values[lo..<i]))
      let logs = values[lo..<i].map { naturalLog($0 > 0 ? $0 : 1e-12) }
      let mlog = median(Array(logs))
      let mad = median(logs.map { abs($0 - mlog) }) * 1.4826
      let v = peaks[i]
      let z = mad > 0 ? (naturalLog(v > 0 ? v : 1e-12) - mlog) / mad : 0
      // Relative jumps must also be visible on the scale of the whole descent (minibatch noise
      // on a loss near zero is not a spike).
      let visible = v - base > 0.1 * max(initial - best, 0.05 * initial)
      if base > 0, visible, v > 2 * base || (z > 7 && v > 1.3 * base) {
        var j = i
        var peak = v
        while j + 1 < n, peaks[j + 1] > 1.3 * base {
          j += 1
          peak = max(peak, peaks[j])
        }
        let after = values[(j + 1)..<min(n, j + 1 + window)]
        let recovered = after.contains { $0 <= 1.1 * base } || (j + 1 < n && after.isEmpty == false && after.min()! <= 1.2 * base)
        spikeEvents.append((i, j, peak, base, recovered))
        spikeSteps[i] = peakSteps[i]
        i = j + 1
      } else {
        i += 1
      }
    }
    // Blow-up without NaN.
    let blowupStart = smoothed.firstIndex { $0 > 1.5 * initial && $0 > 3 * best }
    let endHigh = final > 1.5 * initial && final > 3 * max(best, 1e-12)
    if endHigh, let b = blowupStart, verdicts.isEmpty {
      verdicts.append(Verdict(
        kind: .diverged, startStep: steps[b], endStep: steps[n - 1], confidence: 0.85,
        evidence: "the loss rose from \(format(initial)) at the start (best \(format(best))) to \(format(final)) at the end, above its start from step \(steps[b])\(lrText(steps[b]))",
        advice: "lower the peak learning rate (3–10×), add warmup and gradient clipping",
        lr: lrAt(steps[b])))
    }
    let diverged = verdicts.contains { $0.kind == .diverged }

    // Warmup: instability in the first tenth.
    let earlyEnd = max(10, n / 10)
    // Early spikes matter when they push the loss back above where it started.
    let earlySpikes = spikeEvents.filter { $0.start < earlyEnd && $0.peak > initial }
    let earlyMax = values.prefix(earlyEnd).max() ?? initial
    let earlyRise = earlyMax > 1.3 * initial && (values.prefix(earlyEnd).firstIndex(of: earlyMax) ?? 0) >= 1
    if !earlySpikes.isEmpty || earlyRise {
      var warmupNote = ""
      var confidence = 0.6
      if let lr, lr.count >= 3 {
        let peak = lr.values.prefix(max(3, lr.count / 5)).max() ?? lr.values[0]
        if lr.values[0] >= 0.9 * peak {
          warmupNote = "; the lr starts at its peak \(format(lr.values[0])) (no warmup)"
          confidence = 0.8
        } else if let reach = lr.values.firstIndex(where: { $0 >= 0.95 * peak }) {
          warmupNote = "; the warmup reaches the peak \(format(peak)) at step \(lr.steps[reach]), too early to settle"
          confidence = 0.7
        }
      }
      let at = earlySpikes.first.map { steps[$0.start] } ?? steps[values.prefix(earlyEnd).firstIndex(of: earlyMax) ?? 0]
      let what = earlySpikes.isEmpty
        ? "the loss rose from \(format(initial)) to \(format(earlyMax)) in the first \(earlyEnd) logged steps"
        : "\(earlySpikes.count) spike(s) in the first \(earlyEnd) logged steps (up to \(format(earlySpikes.map(\.peak).max()!)) over a median \(format(earlySpikes[0].base)))"
      verdicts.append(Verdict(
        kind: .warmup, startStep: steps[0], endStep: steps[min(earlyEnd, n) - 1], confidence: diverged ? confidence * 0.8 : confidence,
        evidence: what + warmupNote + lrText(at),
        advice: "add a linear warmup (about 2/(1−β2) steps with Adam: 2000 for β2 = 0.999, 40 for 0.95; or 5–10 % of the run) or lengthen the one there",
        lr: lrAt(at)))
    }
    let laterSpikes = spikeEvents.filter { $0.start >= earlyEnd }
    // One or two isolated spikes that recovered are not a problem; they are mentioned with a
    // healthy verdict instead.
    let isolated = laterSpikes.count <= 2 && laterSpikes.allSatisfy(\.recovered)
    if !laterSpikes.isEmpty && !isolated {
      let positions = laterSpikes.prefix(8).map { "\(spikeSteps[$0.start] ?? steps[$0.start])" }.joined(separator: ", ")
      let unrecovered = laterSpikes.filter { !$0.recovered }.count
      verdicts.append(Verdict(
        kind: .spikes, startStep: steps[laterSpikes[0].start], endStep: steps[laterSpikes.last!.end],
        confidence: min(1, 0.5 + 0.1 * Double(laterSpikes.count)),
        evidence: "\(laterSpikes.count) loss spike(s) at step(s) \(positions)\(laterSpikes.count > 8 ? ", …" : ""); largest \(format(laterSpikes.map { $0.peak / $0.base }.max()!))× the running median; \(unrecovered == 0 ? "all recovered" : "\(unrecovered) did not recover")\(lrText(steps[laterSpikes[0].start]))",
        advice: unrecovered > 0
          ? "lower the peak learning rate, clip gradients (max norm 1), and restart from a checkpoint before the spike"
          : "clip gradients (max norm 1) or lower the learning rate slightly; isolated spikes that recover are often harmless",
        lr: lrAt(steps[laterSpikes[0].start])))
    }

    // Stagnation: little progress, and not because the loss is jumping around.
    let improvement = initial > 0 ? (initial - final) / initial : 0
    let tailValues = Array(values.suffix(max(8, n / 4)))
    let tailMean = tailValues.reduce(0, +) / Double(tailValues.count)
    let tailSD = (tailValues.map { ($0 - tailMean) * ($0 - tailMean) }.reduce(0, +) / Double(tailValues.count)).squareRoot()
    let calm = tailMean <= 0 || tailSD / tailMean < 0.25
    if !diverged && improvement < 0.2 && final <= initial * 1.02 && calm {
      verdicts.append(Verdict(
        kind: .stagnation, startStep: steps[0], endStep: steps[n - 1],
        confidence: improvement < 0.03 ? 0.9 : improvement < 0.1 ? 0.75 : 0.6,
        evidence: "the loss went from \(format(initial)) to \(format(final)) over \(n) logged steps\(": ")\(percent(improvement)) lower\(lrText(steps[n - 1]))",
        advice: "raise the learning rate 3–10× (or find it with an LR range test: lrkit find)",
        lr: lrAt(steps[n - 1])))
    }

    // Oscillation in the tail.
    let tailStart = n - max(8, n / 4)
    if !diverged && tailStart > 0 && n >= 16 {
      let tail = Array(values[tailStart...])
      let mean = tail.reduce(0, +) / Double(tail.count)
      let sd = (tail.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(tail.count)).squareRoot()
      let slope = linearSlope(tail)
      let trend = abs(slope) * Double(tail.count)
      let cv = mean > 0 ? sd / mean : 0
      // Relative dispersion alone would flag a converged run whose loss is near zero: the tail
      // must also sit visibly above the best, on the scale of the whole descent.
      let visible = mean - best > 0.05 * max(initial - best, 0) && sd > 0.03 * initial
      let typicalWorse = median(tail) > 1.3 * max(best, 1e-12)
      // With the lr already decayed to a tenth of its peak the noise is the data's, not the lr's.
      var lrStillHigh = true
      if let lr, let last = lr.values.last, let peak = lr.values.max(), peak > 0 { lrStillHigh = last > 0.1 * peak }
      if cv > 0.25 && (slope >= 0 || trend < sd) && mean > 1.5 * max(best, 1e-12) && visible && typicalWorse && lrStillHigh {
        var lrNote = ""
        var confidence = 0.7
        if let lr, let last = lr.values.last, let peak = lr.values.max(), peak > 0 {
          if last >= 0.5 * peak {
            lrNote = "; the lr is still \(format(last)) (\(Int((last / peak * 100).rounded()))% of its peak): no decay"
            confidence = 0.85
          } else {
            lrNote = "; the lr ends at \(format(last))"
          }
        }
        verdicts.append(Verdict(
          kind: .oscillation, startStep: steps[tailStart], endStep: steps[n - 1], confidence: confidence,
          evidence: "over the last \(tail.count) logged steps the loss averages \(format(mean)) ± \(format(sd)) (coefficient of variation \(format(cv))) with no downward trend, while it reached \(format(best)) earlier\(lrNote)",
          advice: "add decay (cosine or linear to ~10% of the peak) or lower the learning rate for the end of training",
          lr: lr?.values.last))
      }
    }

    // Overfitting.
    if let eval = log.series["eval_loss"], eval.count >= 4, train.count >= 4 {
      let ev = eval.values.filter(\.isFinite)
      if ev.count == eval.count, let minIndex = ev.indices.min(by: { ev[$0] < ev[$1] }), minIndex < ev.count - 1 {
        let last = ev[ev.count - 1]
        let rising = ev.count >= 3 && ev[ev.count - 1] > ev[ev.count - 2] && ev[ev.count - 2] >= ev[ev.count - 3] * 0.999
        let trainAt = { (s: Int) -> Double in
          let idx = train.steps.lastIndex { $0 <= s } ?? 0
          return median(Array(train.values[max(0, idx - 2)...idx]))
        }
        let trainAtBest = trainAt(eval.steps[minIndex])
        let trainAtEnd = trainAt(eval.steps[ev.count - 1])
        let settled = minIndex <= ev.count - 3
        if last > ev[minIndex] * 1.05 && (rising || settled || last > ev[minIndex] * 1.2) && trainAtEnd < trainAtBest {
          verdicts.append(Verdict(
            kind: .overfitting, startStep: eval.steps[minIndex], endStep: eval.steps[ev.count - 1], confidence: last > ev[minIndex] * 1.2 ? 0.9 : 0.7,
            evidence: "the validation loss was lowest at step \(eval.steps[minIndex]) (\(format(ev[minIndex]))) and rose to \(format(last)) while the training loss fell from \(format(trainAtBest)) to \(format(trainAtEnd))",
            advice: "stop earlier (around step \(eval.steps[minIndex])) or regularise: weight decay, dropout, more data",
            lr: lrAt(eval.steps[minIndex])))
        }
      }
    }

    if verdicts.isEmpty {
      var evidence = "the loss fell from \(format(initial)) to \(format(final)) (\(percent(improvement)) lower) without divergence or a noisy tail"
      evidence += laterSpikes.isEmpty ? ", without spikes" : ", with \(laterSpikes.count) isolated spike(s) that recovered (step \(laterSpikes.map { "\(spikeSteps[$0.start] ?? steps[$0.start])" }.joined(separator: ", ")))"
      if let eval = log.series["eval_loss"], let e = eval.values.last { evidence += "; final validation loss \(format(e))" }
      verdicts.append(Verdict(kind: .healthy, startStep: steps[0], endStep: steps[n - 1],
                              confidence: min(0.95, 0.6 + improvement / 2), evidence: evidence,
                              advice: "nothing to change; a longer run or a larger model may lower the loss further"))
    }
    // An early instability explains slow progress after it: warmup ranks before stagnation.
    let order: [Verdict.Kind] = [.diverged, .overfitting, .warmup, .stagnation, .oscillation, .spikes, .healthy]
    return verdicts.sorted { order.firstIndex(of: $0.kind)! < order.firstIndex(of: $1.kind)! }
  }

  /// Buckets of consecutive points: (first step, median) for trends and (max, its step) for spikes.
  static func reduce(_ steps: [Int], _ values: [Double], to limit: Int)
    -> ([Int], [Double], [Double], [Int])
  {
    guard values.count > limit else { return (steps, values, values, steps) }
    let size = (values.count + limit - 1) / limit
    var s: [Int] = []
    var v: [Double] = []
    var p: [Double] = []
    var ps: [Int] = []
    var i = 0
    while i < values.count {
      let j = min(values.count, i + size)
      let chunk = Array(values[i..<j])
      s.append(steps[i])
      v.append(median(chunk))
      let m = chunk.indices.max { chunk[$0] < chunk[$1] }!
      p.append(chunk[m])
      ps.append(steps[i + m])
      i = j
    }
    return (s, v, p, ps)
  }

  static func median(_ x: [Double]) -> Double {
    guard !x.isEmpty else { return .nan }
    let s = x.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
  }

  static func rollingMedian(_ x: [Double], window: Int) -> [Double] {
    x.indices.map { i in median(Array(x[max(0, i - window + 1)...i])) }
  }

  static func linearSlope(_ y: [Double]) -> Double {
    let n = Double(y.count)
    let mx = (n - 1) / 2
    let my = y.reduce(0, +) / n
    var num = 0.0
    var den = 0.0
    for (i, v) in y.enumerated() {
      num += (Double(i) - mx) * (v - my)
      den += (Double(i) - mx) * (Double(i) - mx)
    }
    return den > 0 ? num / den : 0
  }

  static func log(_ x: Double) -> Double { naturalLog(x) }
}

/// A fraction as a whole percentage.
func percent(_ x: Double) -> String { "\(Int((x * 100).rounded()))%" }

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
