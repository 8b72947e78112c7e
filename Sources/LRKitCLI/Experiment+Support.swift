import LRSupport
import ArgumentParser
import Foundation
import LRExperiments

/// `--shard I/N`: this process runs the grid runs whose index ≡ I (mod N).
struct Shard: ExpressibleByArgument {
  var index: Int
  var count: Int

  init?(argument: String) {
    let parts = argument.split(separator: "/")
    guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]), n >= 1, i >= 0, i < n else { return nil }
    index = i
    count = n
  }

  init(index: Int, count: Int) {
    self.index = index
    self.count = count
  }
}

/// Runs planned runs with progress on stderr, saving each result under `out/runs/`.
func runAll(_ runs: [PlannedRun], shard: Shard?, out: String?, quiet: Bool = false) throws -> [RunResult] {
  let runner = ExperimentRunner(shard: shard.map { ($0.index, $0.count) } ?? (0, 1), parallel: 2)
  let mine = runner.mine(runs)
  if !quiet {
    Output.standardError("running \(mine.count) of \(runs.count) runs\(shard.map { " (shard \($0.index)/\($0.count))" } ?? "") on 2 cores\n")
  }
  let results = try runner.run(runs) { r, done, total in
    if !quiet {
      let verdict = r.verdicts.first?.kind.rawValue ?? ""
      Output.standardError("[\(done)/\(total)] \(r.id): \(r.status), final loss \(String(format: "%.4f", r.finalTrainLoss())), \(verdict) (\(String(format: "%.1f", r.seconds)) s)\n")
    }
  }
  if let out {
    let dir = (out as NSString).appendingPathComponent("runs")
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    for r in results {
      let name = r.id.map { $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" || $0 == "=" ? $0 : "_" }
      let path = (dir as NSString).appendingPathComponent(String(name) + ".json")
      try (r.json.serialized() + "\n").write(toFile: path, atomically: true, encoding: .utf8)
    }
  }
  return results
}

/// Reads the run results saved under `dir/runs/` by shards.
func loadRuns(_ dirs: [String]) throws -> [RunResult] {
  var out: [RunResult] = []
  for d in dirs {
    let runs = (d as NSString).appendingPathComponent("runs")
    guard let names = try? FileManager.default.contentsOfDirectory(atPath: runs) else {
      throw CLIError("--merge '\(d)': no runs/ directory with shard results")
    }
    for n in names.sorted() where n.hasSuffix(".json") {
      let file = (runs as NSString).appendingPathComponent(n)
      let text = try SpecLoading.text(file, what: "run result")
      let json: JSONValue
      do {
        json = try JSONValue.parse(text)
      } catch {
        throw CLIError("run result '\(file)': \(error)")
      }
      guard let r = RunResult(json: json) else {
        throw CLIError("run result '\(file)': not an LRKit run result (missing or mistyped fields)")
      }
      out.append(r)
    }
  }
  guard !out.isEmpty else {
    throw CLIError("--merge: no run results in \(dirs.map { "'\(($0 as NSString).appendingPathComponent("runs"))'" }.joined(separator: ", "))")
  }
  // One result per id (shards never overlap; a repeated merge should not double-count).
  var seen = Set<String>()
  return out.filter { seen.insert($0.id).inserted }
}

import LRSchedules
