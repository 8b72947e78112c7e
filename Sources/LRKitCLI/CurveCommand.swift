import ArgumentParser
import Foundation
import LRPlot
import LRSchedules

/// `lrkit curve`: the learning rate of updates 0..N-1 for a spec.
struct CurveCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "curve",
    abstract: "Print the learning rate of every update (0-based) for a schedule spec.",
    discussion: """
      CSV has the header step,lr (plus momentum for schedules that drive momentum or Adam's beta1) \
      and numbers in shortest round-trip form; json holds the same arrays; term draws a chart in \
      the terminal; svg writes a chart (momentum on its own axis). Without --steps the \
      schedule's own length is used. Plateau schedules need --metrics: one number per line, the \
      metric reported after update k. A Hugging Face / TRL Trainer config that trains by epochs \
      (max_steps -1, as most do) needs the dataset length: --num-samples, or num_samples in the \
      file. A timm args.yaml with sched_on_updates needs the updates per epoch: \
      --updates-per-epoch, or updates_per_epoch in the file. --world-size gives either the \
      processes (GPUs).

      Examples:
        lrkit curve --spec Examples/warmup-cosine.json --format term
        lrkit curve --spec Examples/torch-warmup-cosine.json --steps 5
        lrkit curve --spec Examples/onecycle.json --format svg > onecycle.svg
        lrkit curve --spec sft.yaml --num-samples 207865 --world-size 8 --format term
      """)

  /// Output formats.
  enum Format: String, ExpressibleByArgument, CaseIterable {
    case csv, json, term, svg
  }

  @Option(name: .long, help: "Spec file (JSON or YAML; - reads standard input).")
  var spec: String

  @Option(name: .long, help: "Number of updates to print (default: the schedule's length).")
  var steps: Int?

  @Option(name: .long, help: "Metric file for plateau schedules: one value per line.")
  var metrics: String?

  @Option(name: .long, help: "Dataset length, for a Hugging Face / TRL Trainer config (its num_samples; overrides the file's).")
  var numSamples: Int?

  @Option(name: .long, help: "Optimizer updates per epoch, for a timm args.yaml (its updates_per_epoch; overrides the file's).")
  var updatesPerEpoch: Int?

  @Option(name: .long, help: "Processes (GPUs), for a Hugging Face / TRL Trainer config or a timm args.yaml (its world_size; overrides the file's).")
  var worldSize: Int?

  @Option(name: .long, help: "Output format: csv, json, term or svg.")
  var format: Format = .csv

  @Option(name: .long, help: "Chart width in characters (term).")
  var width: Int = 72

  @Option(name: .long, help: "Chart height in characters (term).")
  var height: Int = 16

  @Flag(name: .long, help: "Logarithmic lr axis (term).")
  var logY = false

  func run() throws { try runWritingToStandardOutput(execute) }

  /// Writes the curve to `out`; throws `ScheduleError` or `CLIError` for bad input.
  func execute(_ out: inout Output) throws {
      let decoded = try decodedSpec()
      for warning in decoded.warnings { Output.warn(warning) }
      guard let n = steps ?? decoded.totalSteps.map({ max($0, 1) }) else {
        throw CLIError("--steps is required: \(decoded.type) has no natural length")
      }
      guard n >= 0 else { throw CLIError("--steps must be at least 0, got \(n)") }
      guard (1...4096).contains(width), (1...4096).contains(height) else {
        throw CLIError("--width and --height must be in 1...4096, got \(width) and \(height)")
      }
      guard n <= 200_000_000 else { throw CLIError("--steps \(n) is more than 200 million points") }
      var metricValues: [Double]?
      if let metrics {
        metricValues = try SpecLoading.metrics(metrics)
        if !decoded.needsMetrics {
          Output.warn("--metrics is ignored: \(decoded.type) does not depend on metrics")
        }
      } else if decoded.needsMetrics {
        throw CLIError("--metrics is required: \(decoded.type) reduces the lr from reported metrics")
      }
      let curve: Curve
      do {
        curve = try decoded.curve(steps: n, metrics: metricValues)
      } catch {
        // Too few metric values is the metrics file's fault; anything else is the spec's own
        // limit (a step PyTorch would refuse). The file at fault is named with the field.
        if error.field == "metrics", let metrics { throw CLIError("metrics '\(metrics)': \(error)") }
        throw CLIError("\(SpecLoading.specName(spec)): \(error)")
      }
      switch format {
      case .csv: writeCSV(curve, &out)
      case .json: writeJSON(curve, decoded, &out)
      case .term: out.write(chart(curve, decoded) + "\n")
      case .svg: out.write(svgChart(curve, decoded))
      }
  }

  /// The spec, with `--num-samples`, `--updates-per-epoch` and `--world-size` put into the
  /// Trainer config or timm args file they belong to.
  func decodedSpec() throws -> DecodedSchedule {
    var json = try SpecLoading.spec(spec)
    let name = SpecLoading.specName(spec)
    let trainer = ScheduleSpec.isTrainerConfig(json)
    let timm = ScheduleSpec.isTimmArgsFile(json)
    let given: [(flag: String, key: String, value: Int?, applies: Bool, to: String)] = [
      ("--num-samples", "num_samples", numSamples, trainer, "a Hugging Face / TRL Trainer config"),
      ("--updates-per-epoch", "updates_per_epoch", updatesPerEpoch, timm, "a timm args.yaml"),
      ("--world-size", "world_size", worldSize, trainer || timm, "a Hugging Face / TRL Trainer config or a timm args.yaml"),
    ]
    for (flag, key, value, applies, to) in given {
      guard let value else { continue }
      guard applies, case .object(var pairs) = json else {
        throw CLIError("\(flag) applies to \(to); \(name) is not one")
      }
      pairs.removeAll { $0.key == key }
      pairs.append((key, .int(value)))
      json = .object(pairs)
    }
    do {
      return try ScheduleSpec.decode(json)
    } catch {
      // A config that trains by epochs cannot count its steps without the dataset's length, nor
      // timm's per-update schedule without the updates per epoch.
      if trainer, error.field == "max_steps", json["num_samples"] == nil {
        throw CLIError("\(name): \(error.description); give the dataset length with --num-samples N")
      }
      if timm, error.field == "updates_per_epoch" {
        throw CLIError("\(name): \(error.description); give it with --updates-per-epoch N")
      }
      throw CLIError("\(name): \(error.description)")
    }
  }

  func writeCSV(_ curve: Curve, _ out: inout Output) {
    if let momentum = curve.momentum {
      out.write("step,lr,momentum\n")
      for (k, (lr, m)) in zip(curve.lr, momentum).enumerated() {
        out.write("\(k),\(shortest(lr)),\(m.map(shortest) ?? "")\n")
      }
    } else {
      out.write("step,lr\n")
      for (k, lr) in curve.lr.enumerated() { out.write("\(k),\(shortest(lr))\n") }
    }
  }

  func writeJSON(_ curve: Curve, _ decoded: DecodedSchedule, _ out: inout Output) {
    out.write("{\"type\":\(jsonString(decoded.type)),\"steps\":\(curve.lr.count)")
    if let w = decoded.warmupSteps { out.write(",\"warmup_steps\":\(w)") }
    if let t = decoded.totalSteps { out.write(",\"total_steps\":\(t)") }
    out.write(",\"lr\":[")
    for (i, x) in curve.lr.enumerated() { out.write((i == 0 ? "" : ",") + jsonNumber(x)) }
    out.write("]")
    if let m = curve.momentum {
      out.write(",\"momentum\":[")
      for (i, x) in m.enumerated() { out.write((i == 0 ? "" : ",") + (x.map(jsonNumber) ?? "null")) }
      out.write("]")
    }
    out.write(",\"warnings\":[\(decoded.warnings.map(jsonString).joined(separator: ","))]}\n")
  }

  func svgChart(_ curve: Curve, _ decoded: DecodedSchedule) -> String {
    let n = curve.lr.count
    let stride = max(1, n / 2000)
    let idx = Swift.stride(from: 0, to: n, by: stride).map { $0 }
    var series = [SVGChart.Series(name: "lr", x: idx.map(Double.init), y: idx.map { curve.lr[$0] })]
    var chart = SVGChart(series: series, title: decoded.type, xLabel: "update (step)", yLabel: "learning rate")
    if let m = curve.momentum {
      series.append(.init(name: "momentum / β1", x: idx.map(Double.init), y: idx.map { m[$0] ?? .nan }, axis: .right))
      chart.series = series
      chart.rightLabel = "momentum / β1"
    }
    if let w = decoded.warmupSteps, w > 0, w < n { chart.markers = [.init(x: Double(w), label: "warmup end (\(w))")] }
    chart.logY = logY
    return chart.render()
  }

  func chart(_ curve: Curve, _ decoded: DecodedSchedule) -> String {
    let xs = (0..<curve.lr.count).map(Double.init)
    // Thin very long curves to a few thousand points; keep extremes per bucket.
    let (tx, ty) = thin(xs, curve.lr, to: width * 4)
    var markers: [TerminalChart.Marker] = []
    if let w = decoded.warmupSteps, w > 0, w < curve.lr.count { markers.append(.init(x: Double(w), label: "warmup end")) }
    let peak = curve.lr.filter(\.isFinite).max() ?? .nan
    let last = curve.lr.last ?? .nan
    var chart = TerminalChart(
      series: [.init(name: "lr", x: tx, y: ty)], markers: markers,
      title: "\(decoded.type) — \(curve.lr.count) steps, peak \(Ticks.label(peak)), final \(Ticks.label(last))",
      xLabel: "step")
    chart.width = width
    chart.height = height
    chart.logY = logY
    chart.color = isatty(STDOUT_FILENO) != 0 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
    return chart.render()
  }
}

/// Keeps at most about `count` points, preserving each bucket's minimum and maximum.
func thin(_ x: [Double], _ y: [Double], to count: Int) -> ([Double], [Double]) {
  guard x.count > count * 2, count > 0 else { return (x, y) }
  let bucket = x.count / count + 1
  var ox: [Double] = []
  var oy: [Double] = []
  var i = 0
  while i < x.count {
    let j = min(i + bucket, x.count)
    var lo = i
    var hi = i
    for k in i..<j {
      if y[k] < y[lo] { lo = k }
      if y[k] > y[hi] { hi = k }
    }
    for k in Set([i, lo, hi, j - 1]).sorted() {
      ox.append(x[k])
      oy.append(y[k])
    }
    i = j
  }
  return (ox, oy)
}
