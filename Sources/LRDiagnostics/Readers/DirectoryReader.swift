import Foundation
import LRSupport

/// Reads a run folder as the frameworks leave it: LRKit's run directory, a Hugging Face output
/// folder (the newest `checkpoint-*/trainer_state.json`, and the model's `config.json` for the
/// chance level), a DVCLive folder, an MLflow store, TensorBoard log folders (a plain run, several runs, the Keras
/// callback's `train/` and `validation/` runs), a `wandb` folder (the newest run, its resumed
/// launches merged), Lightning `metrics.csv` versions, MMEngine's `work_dir`, Sacred's file
/// observer (the newest run's `metrics.json`), or the first
/// CSV/JSONL log found.
enum DirectoryReader {
  /// The most files and folders a run folder is searched through.
  static let maxEntries = 100_000

  static func read(_ path: String, keys: KeyMapping, maxEntries: Int = maxEntries) throws(LogError) -> TrainingLog {
    let fm = FileManager.default
    guard let enumerator = fm.enumerator(atPath: path) else {
      throw .unreadable(path: path, reason: "the directory cannot be listed")
    }
    var files: [String] = []
    while let rel = enumerator.nextObject() as? String {
      if rel.split(separator: "/").count > 7 { enumerator.skipDescendants(); continue }
      files.append(rel)
      // A run folder holds hundreds of files, not a file system: stop instead of walking `/`.
      if files.count > maxEntries {
        throw .unreadable(path: path, reason: "more than \(maxEntries) files and folders under it; point at the run's own folder")
      }
    }
    func full(_ rel: String) -> String { (path as NSString).appendingPathComponent(rel) }
    func name(_ rel: String) -> String { (rel as NSString).lastPathComponent }
    if let lrkit = files.filter({ name($0) == "log.jsonl" }).sorted().first {
      return try LogReader.readFile(full(lrkit), keys: keys)
    }
    let states = files.filter { name($0) == "trainer_state.json" }
    if !states.isEmpty {
      // The newest checkpoint holds the longest history.
      func stepOf(_ rel: String) -> Int {
        let parts = rel.split(separator: "/")
        guard parts.count >= 2, parts[parts.count - 2].hasPrefix("checkpoint-") else { return Int.max }
        return Int(parts[parts.count - 2].dropFirst("checkpoint-".count)) ?? -1
      }
      let best = states.max { stepOf($0) < stepOf($1) }!
      var log = try LogReader.readFile(full(best), keys: keys)
      if states.count > 1 { log.notes.append("read \(best), the newest of \(states.count) trainer_state.json files") }
      let configs = files.filter { name($0) == "config.json" }.sorted { $0.count < $1.count }
      for config in configs {
        if let chance = huggingFaceChance(full(config)) {
          log.chanceLoss = chance.loss
          log.notes.append("\(config): \(chance.what), so a model that learned nothing has a loss of \(format(chance.loss))")
          break
        }
      }
      return log
    }
    // DVCLive before MLflow: its plots/metrics/<name>.tsv looks like MLflow's <run>/metrics/<key>.
    let dvcLive = DVCLiveReader.metricFiles(files)
    if !dvcLive.isEmpty { return try DVCLiveReader.read(root: path, files: dvcLive, keys: keys) }
    let mlflowRuns = MLflowReader.runDirectories(files)
    if !mlflowRuns.isEmpty {
      return MLflowReader.read(root: path, runs: mlflowRuns, files: files, keys: keys)
    }
    let events = files.filter { name($0).hasPrefix("events.out.tfevents") }.sorted()
    if !events.isEmpty { return try tensorBoard(path, events: events, keys: keys) }
    let wandbFiles = files.filter { name($0).hasPrefix("run-") && name($0).hasSuffix(".wandb") }
    if !wandbFiles.isEmpty { return try wandb(path, files: wandbFiles, keys: keys) }
    // Lightning: every version's metrics.csv, in version order (a resumed run continues in the
    // next version; its repeated steps replace the earlier ones).
    let metrics = files.filter { name($0) == "metrics.csv" }.sorted { a, b in
      a.compare(b, options: .numeric) == .orderedAscending
    }
    if var merged = merge(metrics, in: path, keys: keys) {
      if metrics.count > 1 { merged.notes.append("merged \(metrics.count) metrics.csv files (\(metrics.joined(separator: ", ")))") }
      return merged
    }
    // MMEngine's work_dir: one `<timestamp>/<timestamp>.log` per launch (a resumed run continues
    // in the next), or their `vis_data/scalars.json`.
    let mmLogs = files.filter { rel in
      let parts = rel.split(separator: "/")
      return parts.count >= 2 && isTimestamp(parts[parts.count - 2]) && parts[parts.count - 1] == parts[parts.count - 2] + ".log"
    }.sorted()
    let mmScalars = files.filter { rel in
      let parts = rel.split(separator: "/")
      return parts.count >= 3 && rel.hasSuffix("vis_data/scalars.json") && isTimestamp(parts[parts.count - 3])
    }.sorted()
    for group in [mmLogs, mmScalars] {
      if var merged = merge(group, in: path, keys: keys) {
        if group.count > 1 { merged.notes.append("merged \(group.count) MMEngine runs in time order (\(group.joined(separator: ", ")))") }
        return merged
      }
    }
    // Sacred's FileStorageObserver: <basedir>/<run id>/metrics.json beside run.json; the newest run.
    let all = Set(files)
    let sacred = files.filter { rel in
      name(rel) == "metrics.json" && all.contains(((rel as NSString).deletingLastPathComponent as NSString).appendingPathComponent("run.json"))
    }.sorted { a, b in a.compare(b, options: .numeric) == .orderedAscending }
    if let newest = sacred.last {
      var log = try LogReader.readFile(full(newest), keys: keys)
      if sacred.count > 1 {
        log.notes.append("\(sacred.count) Sacred runs here; read the newest, \(newest) (point at another run's folder to read it)")
      }
      return log
    }
    for candidate in files.filter({ $0.hasSuffix(".csv") || $0.hasSuffix(".jsonl") }).sorted() {
      if let log = try? LogReader.readFile(full(candidate), keys: keys), !log.series.isEmpty { return log }
    }
    throw .unrecognized(path: path, reason: "no log.jsonl, trainer_state.json, MLflow metrics, metrics.csv, event file or CSV/JSONL log inside")
  }

  /// The logs at `rels` (relative to `root`) that can be read, in order, as one log of `root`:
  /// a later file's repeated steps replace the earlier ones (a resumed run continues in the next
  /// Lightning version or MMEngine launch). Nil when none can be read.
  static func merge(_ rels: [String], in root: String, keys: KeyMapping) -> TrainingLog? {
    var merged: TrainingLog?
    for rel in rels {
      guard let log = try? LogReader.readFile((root as NSString).appendingPathComponent(rel), keys: keys) else { continue }
      if merged == nil {
        merged = log
        merged!.path = root
      } else {
        for (k, s) in log.series {
          for (step, v) in zip(s.steps, s.values) { merged!.add(k, step: step, value: v) }
        }
        merged!.takeNotes(of: log)
      }
    }
    return merged
  }

  /// A `wandb` folder's run files: the newest run (by the `YYYYMMDD_HHMMSS` of its folder,
  /// `run-…` or `offline-run-…`), with every launch of the same run id merged in time order (a
  /// resumed run writes a new folder). `latest-run` (a link to the newest folder) is read
  /// through the folder it names.
  static func wandb(_ path: String, files: [String], keys: KeyMapping) throws(LogError) -> TrainingLog {
    var rels = files.filter { !$0.split(separator: "/").contains("latest-run") }
    if rels.isEmpty { rels = files }
    func runID(_ rel: String) -> String {
      String((rel as NSString).lastPathComponent.dropFirst("run-".count).dropLast(".wandb".count))
    }
    /// The folder's name without `offline-`: `run-20261205_031548-<id>` sorts by time.
    func launch(_ rel: String) -> String {
      let folder = ((rel as NSString).deletingLastPathComponent as NSString).lastPathComponent
      return folder.hasPrefix("offline-") ? String(folder.dropFirst("offline-".count)) : folder
    }
    let byRun = Dictionary(grouping: rels, by: runID)
    let newest = byRun.max { a, b in
      let ta = a.value.map(launch).max()!, tb = b.value.map(launch).max()!
      return ta != tb ? ta < tb : a.key < b.key
    }!
    let launches = newest.value.sorted { launch($0) != launch($1) ? launch($0) < launch($1) : $0 < $1 }
    guard var log = merge(launches, in: path, keys: keys) else {
      throw .unrecognized(path: path, reason: "its W&B run file \(launches.last!) cannot be read")
    }
    log.format = "wandb"
    if launches.count > 1 {
      log.notes.append("merged \(launches.count) launches of W&B run \(newest.key) in time order (\(launches.joined(separator: ", ")))")
    }
    if byRun.count > 1 {
      log.notes.append("\(byRun.count) W&B runs here; read the newest, \(newest.key) (point at another run's folder or .wandb file to read it)")
    }
    return log
  }

  /// Whether `name` is MMEngine's run timestamp, `20260101_120000`.
  static func isTimestamp(_ name: Substring) -> Bool {
    let b = Array(name.utf8)
    return b.count == 15 && b[8] == UInt8(ascii: "_")
      && b.enumerated().allSatisfy { i, c in i == 8 || (c >= 0x30 && c <= 0x39) }
  }

  /// A Hugging Face model config's chance level: ln(labels) for a classifier, ln(vocabulary)
  /// for a language model.
  static func huggingFaceChance(_ path: String) -> (loss: Double, what: String)? {
    guard let data = FileManager.default.contents(atPath: path),
      let json = try? JSONValue.parse(bytes: Array(data))
    else { return nil }
    var architectures: [String] = []
    if case .array(let a)? = json["architectures"] {
      architectures = a.compactMap { if case .string(let s) = $0 { return s } else { return nil } }
    }
    if architectures.contains(where: { $0.hasSuffix("ForSequenceClassification") || $0.hasSuffix("ForTokenClassification") }) {
      var labels = 2
      if case .object(let pairs)? = json["id2label"] { labels = pairs.count }
      if case .number(let n, _)? = json["num_labels"] { labels = clampedInt(n) }
      guard labels >= 2 else { return nil }
      return (Foundation.log(Double(labels)), "\(labels) labels")
    }
    if architectures.contains(where: { $0.hasSuffix("LMHeadModel") || $0.hasSuffix("ForCausalLM") }),
      case .number(let v, _)? = json["vocab_size"], v >= 2
    {
      return (Foundation.log(v), "a vocabulary of \(clampedInt(v)) tokens")
    }
    return nil
  }

  /// Event files grouped by folder: the Keras callback's `train/` + `validation/` pair, or one
  /// run (the newest folder when there are several, said in a note).
  static func tensorBoard(_ path: String, events: [String], keys: KeyMapping) throws(LogError) -> TrainingLog {
    func full(_ rel: String) -> String { (path as NSString).appendingPathComponent(rel) }
    var byDirectory: [String: [String]] = [:]
    for rel in events { byDirectory[(rel as NSString).deletingLastPathComponent, default: []].append(rel) }
    let dirs = byDirectory.keys.sorted()
    func leaf(_ d: String) -> String { (d as NSString).lastPathComponent }
    // Keras' TensorBoard callback: <logdir>/train and <logdir>/validation.
    if let train = dirs.first(where: { leaf($0) == "train" }) {
      let parent = (train as NSString).deletingLastPathComponent
      let validation = dirs.first { leaf($0) == "validation" && ($0 as NSString).deletingLastPathComponent == parent }
      var log = try run(path, files: byDirectory[train]!, keys: keys)
      log.format = "keras-tensorboard"
      // batch_loss (every update_freq batches) is the training loss; epoch_loss is per epoch.
      let epochLoss = log.series.removeValue(forKey: "epoch_loss")
      if let batch = log.series.removeValue(forKey: "batch_loss"), batch.count >= 3 {
        log.series["loss"] = batch
        log.notes.append("training loss from batch_loss (Keras logs the running mean of the epoch so far)")
      } else if let epochLoss {
        log.series["loss"] = epochLoss
        log.notes.append("training loss from epoch_loss: one point per epoch")
      }
      if let validation {
        let v = try run(path, files: byDirectory[validation]!, keys: keys)
        if var eval = v.series["epoch_loss"] ?? v.series["loss"] {
          // Validation is logged per epoch; put it on the batch axis when the training loss is.
          if let epochLoss, let batch = log.series["loss"], epochLoss.count >= 1, batch.steps.last != epochLoss.steps.last,
            let lastBatch = batch.steps.last
          {
            let perEpoch = Double(lastBatch + 1) / Double(epochLoss.steps.count)
            eval.steps = eval.steps.map { clampedInt((Double($0 + 1) * perEpoch).rounded()) - 1 }
            log.notes.append("validation epochs placed on the batch axis at about \(clampedInt(perEpoch.rounded())) batches per epoch")
          }
          log.series["eval_loss"] = eval
        }
      }
      return log
    }
    var chosen = dirs[0]
    if dirs.count > 1 {
      chosen = dirs.max { (byDirectory[$0]!.max() ?? "") < (byDirectory[$1]!.max() ?? "") }!
    }
    var log = try run(path, files: byDirectory[chosen]!, keys: keys)
    if dirs.count > 1 {
      log.notes.append("\(dirs.count) TensorBoard runs here; read the newest, \(chosen) (point at another run's folder to read it)")
    }
    return log
  }

  /// One run folder's event files, oldest first. A later file that starts again at or before
  /// the earlier files' first step is a new run in the same folder: only the newest is kept. A
  /// later file that starts after it continues (a resume): it replaces the steps it repeats.
  static func run(_ root: String, files: [String], keys: KeyMapping) throws(LogError) -> TrainingLog {
    var combined = TrainingLog(format: "tensorboard", path: root)
    var reruns = 0
    for rel in files.sorted() {
      let b = try LogReader.bytes((root as NSString).appendingPathComponent(rel))
      let fileName = (rel as NSString).lastPathComponent
      if b.isEmpty { combined.notes.append("\(fileName) is empty"); continue }
      var one = TrainingLog(format: "tensorboard", path: root)
      TensorBoardReader.read(b, name: fileName, into: &one, keys: keys)
      guard let start = one.series.values.compactMap({ $0.steps.min() }).min() else {
        combined.takeNotes(of: one)
        continue
      }
      let earlier = combined.series.values.compactMap { $0.steps.min() }.min()
      if let earlier, start <= earlier {
        reruns += 1
        combined.series = [:]
      } else if earlier != nil {
        TensorBoardReader.purge(&combined, from: start)
      }
      for (name, s) in one.series {
        for (k, v) in zip(s.steps, s.values) { combined.add(name, step: k, value: v) }
      }
      combined.takeNotes(of: one)
    }
    if reruns > 0 {
      combined.notes.append("this folder holds \(reruns + 1) runs that each start at step 0; read the newest")
    }
    return combined
  }
}
