import LRSupport
import ArgumentParser
import Foundation
import LRExperiments
import LRPlot
import LRSchedules
import LRTraining

/// `lrkit compare`: several schedules on one task and seed set.
struct Compare: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Train the digits MLP under several schedules with the same peak lr and seeds; tables and charts.",
    discussion: """
      Every schedule runs at the same peak --lr over the same seeds; the report ranks them by \
      validation accuracy with the spread over seeds. --spec replaces the default six schedules \
      with your own spec files, each with its own lr (--lr is refused with --spec).

      Examples:
        lrkit compare --epochs 5 --seeds 2
        lrkit compare --spec Examples/wsd.json Examples/onecycle.json --out my-compare
      """)

  @Option(help: "The shared peak learning rate of the default schedules (0.3; not with --spec).") var lr: Double?
  @Option(help: "Epochs per run.") var epochs: Int = 10
  @Option(help: "Seeds per schedule.") var seeds: Int = 3
  @Option(parsing: .upToNextOption, help: "Schedule spec files (default: constant, step decay, cosine, warmup + cosine, one-cycle, WSD).") var spec: [String] = []
  @Option(help: "Directory for report.html, results.json and runs/.") var out: String = "lrkit-compare"
  @Option(help: "Run only shard I of N.") var shard: Shard?

  func run() throws {
    try reportingErrors {
      guard (1...1000).contains(seeds), (1...100_000).contains(epochs) else {
        throw CLIError("--seeds must be in 1...1000 and --epochs in 1...100000, got \(seeds) and \(epochs)")
      }
      if let lr, !(lr > 0 && lr.isFinite) {
        throw CLIError("--lr \(lr): the peak learning rate must be a positive finite number")
      }
      var schedules: [(String, JSONValue)]?
      if !spec.isEmpty {
        if let lr {
          throw CLIError("--lr \(lr): sets the peak of the default schedules; with --spec each spec keeps its own lr (edit the specs)")
        }
        schedules = try spec.map { (($0 as NSString).lastPathComponent, try SpecLoading.spec($0)) }
        for (path, (_, s)) in zip(spec, schedules!) { _ = try SpecLoading.decode(s, from: path) }
      }
      try OutputPath.prepareDirectory(out, flag: "--out")
      let started = Date()
      let runs = try runAll(Experiments.compare(lr: lr ?? 0.3, epochs: epochs, seeds: (0..<seeds).map(UInt64.init), schedules: schedules), shard: shard, out: out)
      var report = Report(runs: runs, rangeTest: nil, quick: false)
      report.includesSchedules = false
      report.seconds = Date().timeIntervalSince(started)
      try report.write(to: out)
      print(report.textTables() + "\nwrote \(out)/report.html")
    }
  }
}

/// `lrkit sweep`: a grid over warmup and architecture, or over batch size and lr.
struct Sweep: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "A grid with seeds: warmup × lr × Pre-LN/Post-LN on Shakespeare, or batch size × lr on digits.",
    discussion: """
      Examples:
        lrkit sweep --grid warmup --warmups 0 50 200 1000
        lrkit sweep --grid batch --shard 0/2 --out shards/0
      """)

  /// Grids.
  enum Grid: String, ExpressibleByArgument, CaseIterable { case warmup, batch }

  @Option(help: "warmup or batch.") var grid: Grid = .warmup
  @Option(parsing: .upToNextOption, help: "Warmup lengths (warmup grid).") var warmups: [Int] = [0, 50, 200, 1000]
  @Option(parsing: .upToNextOption, help: "Peak learning rates.") var lrs: [Double] = []
  @Option(parsing: .upToNextOption, help: "Batch sizes (batch grid).") var batches: [Int] = [16, 64, 256]
  @Option(help: "Seeds per cell.") var seeds: Int = 2
  @Option(help: "Updates per run (warmup grid).") var steps: Int = 300
  @Option(help: "Directory for report.html, results.json and runs/.") var out: String = "lrkit-sweep"
  @Option(help: "Run only shard I of N.") var shard: Shard?

  func run() throws {
    try reportingErrors {
      guard (1...1000).contains(seeds) else { throw CLIError("--seeds must be in 1...1000, got \(seeds)") }
      if let bad = lrs.first(where: { !($0 > 0 && $0.isFinite) }) {
        throw CLIError("--lrs \(bad): every peak learning rate must be a positive finite number")
      }
      let s = (0..<seeds).map(UInt64.init)
      let runs: [PlannedRun]
      switch grid {
      case .warmup:
        guard (1...1_000_000).contains(steps), warmups.allSatisfy({ (0...1_000_000).contains($0) }) else {
          throw CLIError("--steps must be in 1...1000000 and --warmups in 0...1000000")
        }
        runs = Experiments.warmup(lrs: lrs.isEmpty ? [3e-3, 1e-2] : lrs, warmups: warmups, steps: steps, seeds: s)
      case .batch:
        guard batches.allSatisfy({ (1...65_536).contains($0) }) else { throw CLIError("--batches must be in 1...65536") }
        runs = Experiments.batchSizes(batches: batches, lrs: lrs.isEmpty ? Experiments.batchGridLRs : lrs, seeds: s)
      }
      try OutputPath.prepareDirectory(out, flag: "--out")
      let started = Date()
      let results = try runAll(runs, shard: shard, out: out)
      if shard != nil {
        print("saved \(results.count) runs under \(out)/runs; merge with lrkit report --merge")
        return
      }
      var report = Report(runs: results, rangeTest: nil, quick: false)
      report.includesSchedules = false
      report.seconds = Date().timeIntervalSince(started)
      try report.write(to: out)
      print(report.textTables() + "\nwrote \(out)/report.html")
    }
  }
}

/// `lrkit failure-modes`: the three failure modes and the fix, diagnosed.
struct FailureModes: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "failure-modes",
    abstract: "Too-high lr (diverges), too-low (stagnates), constant high (oscillates), and decay (the fix), on digits.",
    discussion: """
      Each run is diagnosed by the same detectors as lrkit diagnose.

      Example:
        lrkit failure-modes --out /tmp/failure-modes
      """)

  @Option(help: "Directory for report.html, results.json and runs/.") var out: String = "lrkit-failure-modes"

  func run() throws {
    try reportingErrors {
      try OutputPath.prepareDirectory(out, flag: "--out")
      let started = Date()
      let runs = try runAll(Experiments.failureModes(), shard: nil, out: out)
      var report = Report(runs: runs, rangeTest: nil, quick: false)
      report.includesSchedules = false
      report.seconds = Date().timeIntervalSince(started)
      try report.write(to: out)
      print(report.textTables() + "\nwrote \(out)/report.html")
    }
  }
}

/// `lrkit find`: the LR range test.
struct Find: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "LR range test: exponential sweep, smoothing, stop on divergence, several suggestions and a ready schedule.",
    discussion: """
      Examples:
        lrkit find --task digits --optimizer sgd --momentum 0.9
        lrkit find --task shakespeare --optimizer adamw --start 1e-5 --end 1
      """)

  @Option(help: "digits or shakespeare.") var task: Train.Task = .digits
  @Option(help: "sgd, adam, adamw or radam.") var optimizer: String = "sgd"
  @Option(help: "Momentum (SGD).") var momentum: Double = 0.9
  @Option(help: "First learning rate.") var start: Double = 1e-5
  @Option(help: "Last learning rate.") var end: Double = 10
  @Option(help: "Updates in the sweep.") var iterations: Int = 100
  @Option(help: "Seed: 0...9007199254740991 (2^53 − 1).") var seed: UInt64 = 0
  @Option(help: "Updates of the recommended schedule.") var steps: Int = 230
  @Option(help: "Write the sweep chart (SVG) here.") var svg: String?

  func run() throws {
    try reportingErrors {
      guard start > 0, end > start, end.isFinite, (10...1_000_000).contains(iterations), (1...1_000_000).contains(steps) else {
        throw CLIError("need 0 < --start < --end (finite), --iterations in 10...1000000 and --steps in 1...1000000")
      }
      guard (end / start).isFinite else {
        throw CLIError("--start \(start) and --end \(end): the sweep spans \(end / start)×; give a --start nearer --end")
      }
      if let svg { try OutputPath.checkFile(svg, flag: "--svg") }
      var base = TrainConfig(task: task == .digits ? .digits : .shakespeare)
      if task == .shakespeare { base.gpt = GPTConfig(layers: 2, channels: 64, heads: 4) }
      base.optimizer = OptimizerConfigurationJSON(kind: optimizer, momentum: momentum, nesterov: false, betas: (0.9, 0.999), eps: 1e-8, weightDecay: nil)
      base.seed = seed
      var test = LRRangeTest(base: base)
      test.start = start
      test.end = end
      test.iterations = iterations
      let r = try test.run()
      print("swept \(r.lrs.count) updates from \(Ticks.label(start)) to \(Ticks.label(r.lrs.last ?? end))\(r.stoppedEarly ? " (stopped: the loss diverged)" : "")")
      for (name, v) in [("valley", r.valley), ("steepest", r.steepest), ("min/10", r.minimumOverTen)] {
        print("  \(name.padding(toLength: 9, withPad: " ", startingAt: 0)) \(v.map { Ticks.label($0) } ?? "—")")
      }
      print("  confidence \(r.confident ? "high" : "low"): \(r.confidenceNote)")
      if let peak = r.recommended {
        print("recommended: lr \(Ticks.label(peak)) = \(LRRangeTest.recommendationRule), measured with \(optimizer)"
              + (optimizer == "sgd" ? " (momentum \(momentum))" : "") + " on this task; a one-cycle over \(steps) updates:")
        print("  " + LRRangeTest.trainCommand(base: base, peak: peak, steps: steps))
      }
      print(LRRangeTest.terminalChart(r).render())
      if let svg {
        let c = LRRangeTest.chart(r, title: "LR range test (\(task.rawValue), \(optimizer))")
        try OutputPath.writeFile(c.render(), to: svg, flag: "--svg")
      }
    }
  }
}

/// `lrkit plot`: several schedules on one chart.
struct Plot: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Draw several schedule specs on one SVG chart.",
    discussion: """
      Example:
        lrkit plot Examples/warmup-cosine.json Examples/wsd.json Examples/onecycle.json --out schedules.svg
      """)

  @Argument(help: "Spec files.") var specs: [String]
  @Option(help: "Steps to draw (default: the longest schedule's length).") var steps: Int?
  @Option(help: "SVG file to write (default: standard output).") var out: String?
  @Option(help: "Chart title.") var title: String = "Learning-rate schedules"
  @Flag(help: "Logarithmic lr axis.") var logY = false

  func run() throws { try runWritingToStandardOutput(execute) }

  /// Writes the chart to `--out` or `output`; spec errors name their file.
  func execute(_ output: inout Output) throws {
    guard !specs.isEmpty else { throw CLIError("give at least one spec file") }
    if let out { try OutputPath.checkFile(out, flag: "--out") }
    let decoded = try specs.map { ($0, try SpecLoading.decoded($0)) }
    guard let n = steps ?? decoded.compactMap(\.1.totalSteps).max() else {
      throw CLIError("--steps is required: no spec has a natural length")
    }
    guard n >= 1, n <= 10_000_000 else { throw CLIError("--steps must be in 1...10000000") }
    let stride = max(1, n / 2000)
    var series: [SVGChart.Series] = []
    var markers: [SVGChart.Marker] = []
    for (path, d) in decoded {
      for w in d.warnings { Output.warn(w) }
      let curve: Curve
      do {
        curve = try d.curve(steps: n, metrics: d.needsMetrics ? Array(repeating: 1, count: n) : nil)
      } catch {
        throw CLIError("\(SpecLoading.specName(path)): \(error)")
      }
      let idx = Swift.stride(from: 0, to: n, by: stride).map { $0 }
      series.append(.init(name: ((path as NSString).lastPathComponent as NSString).deletingPathExtension, x: idx.map(Double.init), y: idx.map { curve.lr[$0] }))
      if let w = d.warmupSteps, w > 0, !markers.contains(where: { $0.x == Double(w) }) {
        markers.append(.init(x: Double(w), label: "warmup end (\(w))"))
      }
    }
    var chart = SVGChart(series: series, title: title, xLabel: "update (step)", yLabel: "learning rate")
    chart.markers = markers
    chart.logY = logY
    let svg = chart.render()
    if let out { try OutputPath.writeFile(svg, to: out, flag: "--out") } else { output.write(svg) }
  }
}
