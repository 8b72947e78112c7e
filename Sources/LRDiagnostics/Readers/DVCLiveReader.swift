import Foundation

/// DVCLive's folder (`dvclive/`): one tab-separated file per metric under `plots/metrics/`
/// (`plots/metrics/train/loss.tsv` holds `step` and `loss` columns, and `timestamp` when asked
/// for). The metric's name is its path under `plots/metrics/` (`train/loss`, `val/loss`), since
/// the column only repeats the last part. A resumed run appends to the same files: a repeated
/// step keeps its last value. Steps are DVCLive's own, one per `next_step()` call (the Hugging
/// Face Trainer's DVCLive callback calls it once per logging or evaluation event).
enum DVCLiveReader {
  /// The metric files among `files` (paths relative to the folder read).
  static func metricFiles(_ files: [String]) -> [String] {
    files.filter { $0.hasSuffix(".tsv") && ($0.hasPrefix("plots/metrics/") || $0.contains("/plots/metrics/")) }.sorted()
  }

  /// Reads every metric file into one log of `root`.
  static func read(root: String, files: [String], keys: KeyMapping) throws(LogError) -> TrainingLog {
    var log = TrainingLog(format: "dvclive", path: root)
    var skipped = 0
    var byName: [(name: String, series: TrainingLog.Series)] = []
    let folders = Set(files.map { rel in String(rel[..<rel.range(of: "plots/metrics/")!.lowerBound]) })
    // Several DVCLive folders (one per experiment): the one whose files sort last, said in a note.
    let folder = folders.max()!
    for rel in files where rel.hasPrefix(folder + "plots/metrics/") {
      let name = String(rel.dropFirst(folder.count + "plots/metrics/".count).dropLast(".tsv".count))
      let path = (root as NSString).appendingPathComponent(rel)
      let text = String(decoding: try LogReader.bytes(path), as: UTF8.self)
      var lines = text.split(whereSeparator: \.isNewline).makeIterator()
      guard let header = lines.next()?.split(separator: "\t", omittingEmptySubsequences: false).map({ trimmed($0) }),
        let stepColumn = header.firstIndex(of: "step"),
        let valueColumn = header.indices.first(where: { $0 != stepColumn && header[$0] != "timestamp" })
      else {
        skipped += 1
        continue
      }
      var series = TrainingLog.Series()
      while let line = lines.next() {
        let cells = line.split(separator: "\t", omittingEmptySubsequences: false)
        guard cells.count > max(stepColumn, valueColumn), let s = CSVReader.number(String(cells[stepColumn])).flatMap(logStep),
          let v = CSVReader.number(String(cells[valueColumn]))
        else {
          skipped += 1
          continue
        }
        series.append(s, v)
      }
      byName.append((name, series))
    }
    // Two files of one role (the Hugging Face callback writes the per-log training loss as `loss`
    // and the end-of-training mean as `train/loss`, one point): the longer one takes the role,
    // the other keeps its name.
    for (name, series) in byName {
      let canonical = keys.canonical(name)
      let rival = byName.contains { $0.name != name && keys.canonical($0.name) == canonical
        && ($0.series.count > series.count || ($0.series.count == series.count && $0.name < name)) }
      if rival { log.notes.append("'\(name)' (\(series.count) point(s)) is kept apart from the longer series read as \(canonical)") }
      for (step, value) in zip(series.steps, series.values) { log.add(rival ? name : canonical, step: step, value: value) }
    }
    if skipped > 0 { log.notes.append("skipped \(skipped) line(s) or file(s) of plots/metrics that are not DVCLive's step and value columns") }
    if folders.count > 1 {
      log.notes.append("\(folders.count) DVCLive folders here; read \(folder.isEmpty ? "the top one" : folder) (point at another folder to read it)")
    }
    return log
  }
}
