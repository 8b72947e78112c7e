import Foundation

/// MLflow's file store: `mlruns/<experiment>/<run>/metrics/<key>`, one line per logged value,
/// `timestamp value step` (keys with `/` are nested folders). Given the store, an experiment or
/// a run, the newest run (by its last logged timestamp) is read; the others are named in a note.
enum MLflowReader {
  /// The run folders (those holding `metrics/`) among `files` (paths relative to the read root).
  static func runDirectories(_ files: [String]) -> [String] {
    var runs = Set<String>()
    for rel in files {
      let parts = rel.split(separator: "/", omittingEmptySubsequences: false)
      if let i = parts.firstIndex(of: "metrics"), i + 1 < parts.count {
        runs.insert(parts[..<i].joined(separator: "/"))
      }
    }
    return runs.sorted()
  }

  /// Reads the newest of `runs` (relative to `root`).
  static func read(root: String, runs: [String], files: [String], keys: KeyMapping) -> TrainingLog {
    func full(_ rel: String) -> String { rel.isEmpty ? root : (root as NSString).appendingPathComponent(rel) }
    var best: (run: String, log: TrainingLog, time: Double)?
    for run in runs {
      var log = TrainingLog(format: "mlflow", path: full(run))
      var latest = -Double.infinity
      let prefix = run.isEmpty ? "metrics/" : run + "/metrics/"
      for rel in files where rel.hasPrefix(prefix) {
        let key = String(rel.dropFirst(prefix.count))
        guard let data = FileManager.default.contents(atPath: full(rel)) else { continue }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: full(rel), isDirectory: &isDirectory), isDirectory.boolValue { continue }
        var bad = 0
        for line in String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline) {
          let f = line.split(separator: " ")
          guard f.count >= 2, let time = Double(f[0]), let value = Double(f[1]) else {
            bad += 1
            continue
          }
          let step = f.count >= 3 ? Int(f[2]) ?? 0 : 0
          latest = max(latest, time)
          log.add(keys.canonical(key), step: step, value: value)
        }
        if bad > 0 { log.notes.append("metrics/\(key): skipped \(bad) line(s) that are not 'timestamp value step'") }
      }
      if best == nil || latest > best!.time { best = (run, log, latest) }
    }
    guard var chosen = best?.log else { return TrainingLog(format: "mlflow", path: root) }
    if runs.count > 1 {
      chosen.notes.append("\(runs.count) MLflow runs here; read the newest, \(best!.run) (point at another run's folder to read it)")
    }
    return chosen
  }
}
