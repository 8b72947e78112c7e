import ArgumentParser
import Foundation
import LRExperiments
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
      var runs: [RunResult]
      if !merge.isEmpty {
        runs = try loadRuns(merge)
      } else {
        runs = try runAll(Self.plan(quick: quick), shard: shard, out: out)
        if shard != nil {
          print("shard \(shard!.index)/\(shard!.count): \(runs.count) runs saved under \(out)/runs; merge with lrkit report --merge")
          return
        }
      }
      FileHandle.standardError.write(Data("LR range test…\n".utf8))
      var base = TrainConfig(task: .digits)
      base.optimizer = OptimizerConfigurationJSON(kind: "sgd", momentum: 0.9, nesterov: false, betas: (0.9, 0.999), eps: 1e-8, weightDecay: nil)
      let range = try LRRangeTest(base: base).run()
      var report = Report(runs: runs, rangeTest: range, quick: quick)
      report.seconds = Date().timeIntervalSince(start)
      try report.write(to: out)
      print(report.textTables())
      print("wrote \(out)/report.html and \(out)/results.json (\(runs.count) runs, \(Int(report.seconds)) s)")
    }
  }

  /// Every run of the report's grids.
  static func plan(quick: Bool) -> [PlannedRun] {
    if quick {
      return Experiments.compare(epochs: 4, seeds: [0])
        + Experiments.failureModes(epochs: 4)
        + Experiments.batchSizes(batches: [32, 128], lrs: [0.03, 0.3], epochs: 2)
        + Experiments.warmup(lrs: [1e-2], warmups: [0, 10], steps: 40, seeds: [0], layers: 2, width: 32, context: 32, batch: 8)
    }
    return Experiments.compare()
      + Experiments.failureModes()
      + Experiments.batchSizes()
      + Experiments.warmup()
  }
}
