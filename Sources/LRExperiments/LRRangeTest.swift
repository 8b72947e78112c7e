#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif
import LRPlot
import LRSupport
import LRSchedules
import LRTraining

/// The LR range test (Smith 2017; fastai's `lr_find`): train while the learning rate grows
/// exponentially, smooth the loss, stop when it diverges, and suggest learning rates.
///
/// ```
/// lr(k) = start · (end/start)^(k/(iterations−1))
/// smoothed = bias-corrected EMA of the loss (β = 0.98); stop when smoothed > 4 × its minimum
/// suggestions (on points trimmed of the first 10 % and the last 5):
///   valley   fastai's longest-descending-valley rule
///   steepest the most negative slope of the smoothed loss against log lr
///   min/10   a tenth of the lr at the lowest smoothed loss
/// ```
public struct LRRangeTest: Sendable {
  /// The first learning rate.
  public var start: Double = 1e-5
  /// The last learning rate.
  public var end: Double = 10
  /// Updates.
  public var iterations: Int = 100
  /// Stop when the smoothed loss exceeds this multiple of its minimum.
  public var divergenceFactor: Double = 4
  /// The training run's configuration (its schedule and steps are replaced).
  public var base: TrainConfig

  /// A range test of `base`.
  public init(base: TrainConfig) { self.base = base }

  /// What the test found.
  public struct Result: Sendable {
    /// The learning rate of every update run.
    public var lrs: [Double]
    /// The raw losses.
    public var losses: [Double]
    /// The smoothed losses.
    public var smoothed: [Double]
    /// Whether the test stopped on divergence before its last iteration.
    public var stoppedEarly: Bool
    /// fastai's valley suggestion.
    public var valley: Double?
    /// The steepest descent suggestion.
    public var steepest: Double?
    /// A tenth of the lr at the minimum.
    public var minimumOverTen: Double?
    /// High when the suggestions agree (within 4×) and the loss clearly fell and then diverged.
    public var confident: Bool
    /// Why the confidence is what it is.
    public var confidenceNote: String
    /// The recommended peak learning rate: ``LRRangeTest/recommendationRule`` applied to the
    /// suggestions.
    public var recommended: Double?

    /// The sweep for charts: the points until the smoothed loss climbs back above where it
    /// started, after its minimum (beyond is the divergence, whose scale flattens the descent).
    public var trimmedCount: Int {
      guard let first = smoothed.first else { return smoothed.count }
      let limit = first * 1.05
      let end = smoothed.indices.first { $0 > (smoothed.indices.min { smoothed[$0] < smoothed[$1] } ?? 0) && smoothed[$0] > limit }
      return min(smoothed.count, (end ?? smoothed.count) + 1)
    }
  }

  /// The suggestions that exist, in chart order: (name, lr).
  public static func suggestions(_ r: Result) -> [(String, Double)] {
    [("valley", r.valley), ("steepest", r.steepest), ("min/10", r.minimumOverTen), ("recommended", r.recommended)]
      .compactMap { name, v in v.map { (name, $0) } }
  }

  /// The finder's chart, as fastai and torch-lr-finder draw it: the smoothed loss against the
  /// lr (log scale) up to where it climbs back above its start, each suggestion a labelled
  /// point on the curve.
  public static func chart(_ r: Result, title: String) -> SVGChart {
    let n = r.trimmedCount
    let lrs = Array(r.lrs.prefix(n))
    let smoothed = Array(r.smoothed.prefix(n))
    var chart = SVGChart(series: [.init(name: "smoothed loss", x: lrs, y: smoothed)], title: title,
                         xLabel: "learning rate (log scale)", yLabel: "training loss (nats, smoothed)")
    chart.logX = true
    chart.points = suggestions(r).compactMap { name, lr in
      // The curve's value at the suggestion (its nearest swept lr).
      guard let i = lrs.indices.min(by: { abs(log(lrs[$0] / lr)) < abs(log(lrs[$1] / lr)) }) else { return nil }
      return .init(x: lr, y: smoothed[i], label: "\(name) \(Ticks.label(lr))")
    }
    return chart
  }

  /// The same in the terminal: plain-unit ticks on a log axis, a marker per suggestion.
  public static func terminalChart(_ r: Result) -> TerminalChart {
    let n = r.trimmedCount
    var chart = TerminalChart(series: [.init(name: "smoothed loss", x: Array(r.lrs.prefix(n)), y: Array(r.smoothed.prefix(n)))],
                              markers: suggestions(r).filter { $0.0 != "min/10" }.map { .init(x: $0.1, label: $0.0) },
                              title: "smoothed loss against the learning rate", xLabel: "learning rate (log scale)")
    chart.logX = true
    chart.height = 12
    return chart
  }

  /// How the recommended lr is chosen, decided by training (Scripts/range-test-rule.py): on the
  /// digits MLP with SGD + momentum, Adam and RAdam and on the character GPT with AdamW, the
  /// one-cycle runs at each rule's lr landed this far from the best of a 19-point lr grid (mean
  /// over seeds): √(valley · steepest) 0.74 / 0.37 / 0.19 accuracy points and 0.010 nats;
  /// steepest 0.83 / 0.19 / 0.19 and 0.020; min/10 0.74 / 0.46 / 0.09 and 0.054; valley
  /// 3.98 / 1.02 / 1.11 and 0.021. The geometric middle of valley and steepest has the lowest
  /// mean regret and is never the worst.
  public static let recommendationRule = "√(valley · steepest)"

  /// Runs the test.
  public func run() throws -> Result {
    var config = base
    let rate = pow(end / start, 1 / Double(max(iterations - 1, 1)))
    guard start > 0, start.isFinite, rate.isFinite, rate > 0 else {
      throw TrainingError.invalidConfiguration(
        field: "start", reason: "the sweep from \(start) to \(end) needs a positive finite start and a finite end / start (got \(end / start))")
    }
    config.schedule = .object([("type", .string("exponential")), ("lr", .number(start, isInteger: false)),
                               ("rate", .number(rate, isInteger: false))])
    config.steps = iterations
    config.evalEvery = 0
    let trainer = try Trainer(config: config, run: nil)
    var lrs: [Double] = []
    var losses: [Double] = []
    var smoothed: [Double] = []
    var average = 0.0
    var best = Double.infinity
    var stop = false
    _ = try trainer.train(progress: { r in
      lrs.append(r.lr)
      losses.append(r.loss)
      average = 0.98 * average + 0.02 * r.loss
      let s = average / (1 - pow(0.98, Double(losses.count)))
      smoothed.append(s)
      best = min(best, s)
      if !s.isFinite || s > divergenceFactor * best { stop = true }
    }, shouldStop: { stop })
    return Self.suggest(lrs: lrs, losses: losses, smoothed: smoothed, stoppedEarly: stop, iterations: iterations)
  }

  /// The suggestions for a finished sweep.
  public static func suggest(lrs: [Double], losses: [Double], smoothed: [Double], stoppedEarly: Bool,
                             iterations: Int) -> Result {
    var result = Result(lrs: lrs, losses: losses, smoothed: smoothed, stoppedEarly: stoppedEarly, confident: false,
                        confidenceNote: "")
    let finite = smoothed.prefix { $0.isFinite }
    let lo = iterations / 10
    let hi = finite.count - 5
    guard hi - lo >= 5 else {
      result.confidenceNote = "too few points before the loss diverged: start the sweep lower"
      return result
    }
    let l = Array(lrs[lo..<hi])
    let s = Array(finite[lo..<hi])
    // fastai's valley: the longest descending run, two thirds down it.
    let n = s.count
    var lds = [Int](repeating: 1, count: n)
    var maxStart = 0
    var maxEnd = 0
    for i in 1..<n {
      for j in 0..<i where s[i] < s[j] && lds[i] < lds[j] + 1 { lds[i] = lds[j] + 1 }
      if lds[maxEnd] < lds[i] {
        maxEnd = i
        maxStart = maxEnd - lds[maxEnd]
      }
    }
    let sections = Double(maxEnd - maxStart) / 3
    let valleyIndex = min(n - 1, max(0, maxStart + Int(sections) + Int(sections / 2)))
    result.valley = l[valleyIndex]
    // Steepest: the most negative d(smoothed)/d(log lr).
    var steepIndex = 0
    var steepest = Double.infinity
    for i in 1..<(n - 1) {
      let g = (s[i + 1] - s[i - 1]) / (log(l[i + 1]) - log(l[i - 1]))
      if g < steepest {
        steepest = g
        steepIndex = i
      }
    }
    result.steepest = l[steepIndex]
    let minIndex = s.indices.min { s[$0] < s[$1] }!
    result.minimumOverTen = l[minIndex] / 10
    let values = [result.valley!, result.steepest!, result.minimumOverTen!]
    let spread = values.max()! / values.min()!
    let fell = (s.min() ?? 0) < 0.8 * (s.first ?? 0)
    result.confident = spread <= 4 && fell && stoppedEarly
    var reasons: [String] = []
    if spread > 4 {
      // A sweep over hundreds of decades spans more than Int.max (it trapped here).
      reasons.append("the suggestions span \(spread < 1e15 ? "\(Int(spread.rounded()))" : String(format: "%.3g", spread))×")
    }
    if !fell { reasons.append("the loss hardly fell during the sweep") }
    if !stoppedEarly { reasons.append("the loss never diverged: extend the sweep to higher lrs") }
    result.confidenceNote = reasons.isEmpty ? "the three suggestions agree within \(String(format1(spread)))× and the loss fell, then diverged" : reasons.joined(separator: "; ")
    result.recommended = (result.valley! * result.steepest!).squareRoot()
    return result
  }

  /// A ready-to-use schedule at the suggested peak (to 3 significant digits): one-cycle over
  /// `steps`.
  package static func recommendedSpec(peak: Double, steps: Int) -> JSONValue {
    let label = Ticks.label(peak)
    return .object([("type", .string("onecycle")),
                    ("lr", .number(Double(label) ?? peak, isInteger: !label.contains { ".eE".contains($0) })),
                    ("steps", .number(Double(steps), isInteger: true)), ("pct_start", .number(0.25, isInteger: false))])
  }

  /// The `lrkit train` flags that reproduce the sweep's task, model and optimizer.
  package static func trainFlags(_ c: TrainConfig) -> String {
    var flags = "--task \(c.task == .digits ? "digits" : "shakespeare") --optimizer \(c.optimizer.kind)"
    if c.optimizer.kind == "sgd" {
      if c.optimizer.momentum != 0 { flags += " --momentum \(Ticks.label(c.optimizer.momentum))" }
      if c.optimizer.nesterov { flags += " --nesterov" }
    } else {
      if c.optimizer.betas.0 != 0.9 { flags += " --beta1 \(Ticks.label(c.optimizer.betas.0))" }
      if c.optimizer.betas.1 != 0.999 { flags += " --beta2 \(Ticks.label(c.optimizer.betas.1))" }
    }
    if let wd = c.optimizer.weightDecay { flags += " --weight-decay \(Ticks.label(wd))" }
    flags += " --batch-size \(c.batchSize)"
    if c.task == .shakespeare {
      flags += " --layers \(c.gpt.layers) --width \(c.gpt.channels) --heads \(c.gpt.heads) --context \(c.gpt.context)"
    }
    return flags
  }

  /// The full `lrkit train` command for the recommended one-cycle over `steps` updates.
  package static func trainCommand(base: TrainConfig, peak: Double, steps: Int) -> String {
    "lrkit train \(trainFlags(base)) --steps \(steps) --schedule '\(recommendedSpec(peak: peak, steps: steps).serialized())'"
  }
}

func format1(_ x: Double) -> String { x.isFinite && abs(x) < 1e15 ? String(Double(Int(x * 10)) / 10) : String(format: "%.3g", x) }
