import ArgumentParser
import Foundation
import LRExperiments
import LRPlot
import LRTraining

/// `lrkit report`: run every experiment on the built-in data and write one HTML page.
struct ReportCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "report",
    abstract: "Run every experiment on the built-in data and write report.html and results.json.",
    discussion: """
      The default run takes a few minutes on 2 cores; --quick under a minute. For large grids, \
      run shards anywhere (a Slurm array, a Kubernetes indexed job, xargs -P) and merge them.

      Examples:
        lrkit report --quick --out /tmp/report
        for i in 0 1 2 3; do lrkit report --shard $i/4 --out shards/$i & done; wait
        lrkit report --merge shards/* --out report
      """)

  @Flag(help: "A small version for CI (≤ 1 minute).") var quick = false
  @Option(help: "Directory for report.html, results.json and runs/.") var out: String = "lrkit-report"
  @Option(help: "Run only shard I of N of the grid (writes runs/ for a later --merge).") var shard: Shard?
  @Option(parsing: .upToNextOption, help: "Merge the runs/ of these shard directories instead of training.") var merge: [String] = []

  func run() throws {
    try reportingErrors {
      let start = Date()
      // The range test first: its recommendation is the peak lr the compare section trains at
      // and its suggestions are trained to check it (every shard computes the same, seeded).
      // A quick report never replaces a full one: say so before minutes of training.
      if shard == nil, merge.isEmpty, quick, let old = try Report.recorded(in: out), !old.quick, old.runs > 0 {
        throw CLIError("'\(out)/results.json' records a full report (\(old.runs) runs); a quick one would replace it with less: choose another --out")
      }
      try OutputPath.prepareDirectory(out, flag: "--out")
      Output.standardError("LR range test…\n")
      let base = Experiments.rangeTestBase()
      let range = try LRRangeTest(base: base).run()
      var runs: [RunResult]
      if !merge.isEmpty {
        runs = try loadRuns(merge)
      } else {
        runs = try runAll(Self.plan(quick: quick, range: range), shard: shard, out: out)
        if shard != nil {
          print("shard \(shard!.index)/\(shard!.count): \(runs.count) runs saved under \(out)/runs; merge with lrkit report --merge")
          return
        }
      }
      var report = Report(runs: runs, rangeTest: range, quick: quick)
      report.rangeTestBase = base
      report.seconds = Date().timeIntervalSince(start)
      try report.write(to: out)
      print(report.textTables())
      print("wrote \(out)/report.html and \(out)/results.json (\(runs.count) runs, \(Int(report.seconds)) s)")
    }
  }

  /// Every run of the report's grids; the compare section trains at the range test's
  /// recommended lr (0.1 when the test has none).
  static func plan(quick: Bool, range: LRRangeTest.Result) -> [PlannedRun] {
    let peak = range.recommended.map { Double(Ticks.label($0)) ?? $0 } ?? 0.1
    let suggestions = LRRangeTest.suggestions(range)
    if quick {
      return Experiments.rangeCheck(suggestions: suggestions, epochs: 4, seeds: [0])
        + Experiments.compare(lr: peak, epochs: 4, seeds: [0])
        + Experiments.failureModes(epochs: 4)
        + Experiments.batchSizes(batches: [64, 256], lrs: [0.03, 0.1, 0.3], epochs: 2)
        + Experiments.warmup(warmups: [0, 10], steps: 40, seeds: [0], layers: 2, width: 32, context: 32, batch: 8)
    }
    return Experiments.rangeCheck(suggestions: suggestions)
      + Experiments.compare(lr: peak)
      + Experiments.failureModes()
      + Experiments.batchSizes()
      + Experiments.warmup()
  }
}
