/// A training curve measured once for every detector: the loss cut at its first non-finite
/// value and reduced to at most 4000 buckets, its running median (the trend), its scales
/// (start, best, final, progress, chance) and its noise.
struct CurveProfile {
  /// The series judged: the training loss, or the validation loss when no training loss has
  /// three points.
  let name: String
  /// Its first non-finite point, if any: (step, value).
  let firstNonFinite: (step: Int, value: Double)?
  /// Bucket start steps, bucket medians and bucket maxima (with the step of each maximum).
  let steps: [Int]
  let values: [Double]
  let peaks: [Double]
  let peakSteps: [Int]
  /// The centered running median of `values`.
  let trend: [Double]
  /// The running-median window, in points.
  let window: Int
  /// The median of the first few points.
  let start: Double
  /// The lowest running median, and its index.
  let best: Double
  let bestIndex: Int
  /// The median of the last tenth.
  let final: Double
  /// `start − best`, at least 0.
  let progress: Double
  /// The loss of a model that predicts nothing, when the log says how many classes.
  let chance: Double?
  /// The learning-rate series, when logged.
  let lr: TrainingLog.Series?
  /// The training and validation losses as read.
  let train: TrainingLog.Series
  let eval: TrainingLog.Series?
  /// An accuracy series (the validation accuracy when logged): its name and finite values, all
  /// in [0, 1], at least three.
  let accuracy: (name: String, values: [Double])?
  /// Non-finite gradient norms or a recorded stop, as (step, what).
  let otherNonFinite: (step: Int, what: String)?
  /// The spikes (``SpikeDetector/events(_:_:)``), measured once for every detector that asks.
  private(set) var spikes: [SpikeDetector.Event] = []

  var count: Int { values.count }

  /// The progress scale spikes and rises are measured on: the descent, or 5 % of the start
  /// level for a run that did not descend.
  var progressScale: Double { max(progress, 0.05 * abs(start)) }

  /// The number of points in the early window.
  func earlyCount(_ t: DiagnosisThresholds) -> Int { max(5, Int(Double(count) * t.earlyFraction)) }

  init?(_ log: TrainingLog, thresholds: DiagnosisThresholds) {
    let train = log.series["loss"] ?? TrainingLog.Series()
    let useTrain = train.count >= 3 || log.series["eval_loss"] == nil
    guard let main = useTrain ? (train.count > 0 ? train : nil) : log.series["eval_loss"] else { return nil }
    name = useTrain ? "training loss" : "validation loss"
    self.train = train
    eval = log.series["eval_loss"]
    lr = log.series["lr"].flatMap { $0.count > 0 ? $0 : nil }
    chance = log.chanceLoss
    var cut = main.count
    if let i = main.values.firstIndex(where: { !$0.isFinite }) {
      cut = i
      firstNonFinite = (main.steps[i], main.values[i])
    } else {
      firstNonFinite = nil
    }
    var other: (Int, String)?
    if let g = log.series["grad_norm"], let i = g.values.firstIndex(where: { !$0.isFinite }) {
      other = (g.steps[i], "the gradient norm is \(g.values[i])")
    }
    if let e = log.series["diverged_event"], let s = e.steps.first, other == nil || s < other!.0 {
      other = (s, "the run stopped on a non-finite value")
    }
    otherNonFinite = other
    accuracy = Self.accuracy(in: log)
    if let (s, _) = other, firstNonFinite == nil || s < firstNonFinite!.step {
      cut = min(cut, main.steps.firstIndex { $0 >= s } ?? cut)
    }
    let (st, v, pk, pks) = Self.reduce(Array(main.steps[..<cut]), Array(main.values[..<cut]), to: 4000)
    (steps, values, peaks, peakSteps) = (st, v, pk, pks)
    let n = v.count
    let w = max(5, min(151, (n / 15) | 1))
    let tr = Statistics.centeredMedian(v, width: w)
    window = w
    trend = tr
    let s0 = n > 0 ? Statistics.median(v.prefix(max(1, min(5, n / 20)))) : .nan
    start = s0
    let bi = tr.indices.min { tr[$0] < tr[$1] } ?? 0
    bestIndex = bi
    best = n > 0 ? tr[bi] : .nan
    final = n > 0 ? Statistics.median(v.suffix(max(3, n / 10))) : .nan
    progress = n > 0 ? max(s0 - tr[bi], 0) : 0
    spikes = SpikeDetector.events(self, thresholds)
  }

  /// The validation accuracy, else the first series named as an accuracy (`accuracy`,
  /// `val/acc`, `epoch_accuracy`), when it has three finite values, all in [0, 1].
  static func accuracy(in log: TrainingLog) -> (name: String, values: [Double])? {
    let names = log.series.keys.filter { name in
      SeriesRoles.words(name).contains { $0 == "acc" || $0 == "accuracy" || $0.hasSuffix("accuracy") }
    }.sorted { a, b in (a == "eval_accuracy" ? 0 : 1, a) < (b == "eval_accuracy" ? 0 : 1, b) }
    for name in names {
      let values = log.series[name]!.values.filter(\.isFinite)
      if values.count >= 3, values.allSatisfy({ $0 >= 0 && $0 <= 1 }) { return (name, values) }
    }
    return nil
  }

  /// The logged lr in effect at `step` (the last logged value at or before it).
  func lr(at step: Int) -> Double? {
    guard let lr else { return nil }
    var lo = 0
    var hi = lr.count
    while lo < hi {
      let mid = (lo + hi) / 2
      if lr.steps[mid] <= step { lo = mid + 1 } else { hi = mid }
    }
    return lr.values[max(0, lo - 1)]
  }

  /// The largest finite lr and the first step it is reached.
  var lrPeak: (value: Double, step: Int)? {
    guard let lr else { return nil }
    var best: (Double, Int)?
    for (s, v) in zip(lr.steps, lr.values) where v.isFinite && (best == nil || v > best!.0) { best = (v, s) }
    return best
  }

  /// Buckets of consecutive points: (first step, median) for trends and (max, its step) for
  /// spikes.
  static func reduce(_ steps: [Int], _ values: [Double], to limit: Int) -> ([Int], [Double], [Double], [Int]) {
    guard values.count > limit else { return (steps, values, values, steps) }
    let size = (values.count + limit - 1) / limit
    var s: [Int] = []
    var v: [Double] = []
    var p: [Double] = []
    var ps: [Int] = []
    var i = 0
    while i < values.count {
      let j = min(values.count, i + size)
      let chunk = values[i..<j]
      s.append(steps[i])
      v.append(Statistics.median(chunk))
      let m = chunk.indices.max { chunk[$0] < chunk[$1] }!
      p.append(chunk[m])
      ps.append(steps[m])
      i = j
    }
    return (s, v, p, ps)
  }
}
