import LRSupport
import Foundation
import LRSchedules

/// Reads a training log from a file or a directory, choosing the reader by content (not by file
/// name): LRKit's `log.jsonl`, Hugging Face `trainer_state.json`, Lightning `metrics.csv`,
/// TensorBoard event files, Weights & Biases run files (`run-<id>.wandb`), generic CSV / JSONL with a step column, the Hugging Face Trainer's
/// console output, plain-text lines with a step and named numbers (nanoGPT, llm.c,
/// torchtune, fairseq, timm, Lightning's bar, Keras `model.fit`), or a printed table (fastai).
public enum LogReader {
  /// Reads `path`. A directory is searched for logs (the newest `checkpoint-*` for Hugging Face,
  /// every event file of a TensorBoard run, the newest run of a `wandb` folder).
  /// - Parameters:
  ///   - path: a log file or a run directory.
  ///   - lossKey: the column or key of the training loss in generic logs.
  ///   - lrKey: the column or key of the learning rate in generic logs.
  ///   - stepKey: the column or key of the step in generic logs.
  ///   - completeRecordsOnly: for a log still being written (`--follow`): text logs are read up
  ///     to their last newline, and a JSON document cut short is an ``LogError/incomplete(path:)``
  ///     error (read again later) rather than a partial read.
  public static func read(_ path: String, lossKey: String? = nil, lrKey: String? = nil,
                          stepKey: String? = nil, completeRecordsOnly: Bool = false) throws(LogError) -> TrainingLog {
    let keys = KeyMapping(loss: lossKey, lr: lrKey, step: stepKey)
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
      throw .unreadable(path: path, reason: "no such file or directory")
    }
    var log = isDirectory.boolValue
      ? try DirectoryReader.read(path, keys: keys)
      : try readFile(path, keys: keys, completeRecordsOnly: completeRecordsOnly)
    if lossKey == nil { SeriesRoles.assign(&log) }
    let normalized = log.normalized()
    let present = normalized.series.keys.sorted()
    for (option, key, used) in [("--loss-key", lossKey, keys.used.loss), ("--lr-key", lrKey, keys.used.lr),
                                ("--step-key", stepKey, keys.used.step)] {
      if let key, !used { throw .missingKey(path: path, option: option, key: key, present: present) }
    }
    guard normalized.series.values.contains(where: { $0.count > 0 }) else {
      throw .empty(path: path, reason: "no metric values found")
    }
    return normalized
  }

  static func bytes(_ path: String) throws(LogError) -> [UInt8] {
    guard let bytes = FileBytes.read(path) else { throw .unreadable(path: path, reason: "cannot be read") }
    return bytes
  }

  static func readFile(_ path: String, keys: KeyMapping, completeRecordsOnly: Bool = false) throws(LogError) -> TrainingLog {
    var b = try bytes(path)
    guard !b.isEmpty else { throw .empty(path: path, reason: "the file is empty") }
    if TensorBoardReader.looksLikeEventFile(b) {
      var log = TrainingLog(format: "tensorboard", path: path)
      TensorBoardReader.read(b, name: (path as NSString).lastPathComponent, into: &log, keys: keys)
      return log
    }
    if WandbReader.looksLikeRunFile(b) {
      var log = TrainingLog(format: "wandb", path: path)
      let name = (path as NSString).lastPathComponent
      let run = WandbReader.read(b, name: name, into: &log, keys: keys)
      log.notes += WandbReader.describe(run, name: name)
      return log
    }
    // Text: UTF-8 (a byte-order mark dropped, as Excel writes one) or UTF-16 with its mark.
    guard let utf8 = TextEncoding.utf8(b) else {
      throw .unrecognized(path: path, reason: "\(TextEncoding.name(b)) with an invalid code unit")
    }
    b = utf8
    var i = 0
    while i < b.count, b[i] == 0x20 || b[i] == 0x0A || b[i] == 0x0D || b[i] == 0x09 { i += 1 }
    if i < b.count, b[i] == UInt8(ascii: "{") {
      // One JSON document (trainer_state.json) or JSON lines.
      if let root = try? JSONValue.parse(bytes: b, allowNonFinite: true) {
        if let log = JSONReaders.trainerState(root, path: path, keys: keys) { return log }
        if let log = JSONReaders.sacredMetrics(root, path: path, keys: keys) { return log }
        if case .object = root { return JSONReaders.jsonl(b, path: path, keys: keys) }
      } else if looksLikeTruncatedTrainerState(b) {
        if completeRecordsOnly { throw .incomplete(path: path) }
        return try truncatedTrainerState(b, path: path, keys: keys)
      }
      if completeRecordsOnly { b = completeLines(b) }
      let log = JSONReaders.jsonl(b, path: path, keys: keys)
      if !log.series.isEmpty { return log }
      throw .unrecognized(path: path, reason: "JSON, but neither a trainer_state.json nor JSON lines with metrics")
    }
    if completeRecordsOnly { b = completeLines(b) }
    let text = String(decoding: b, as: UTF8.self)
    if let log = CSVReader.read(text, path: path, keys: keys) { return log }
    if let log = ConsoleLogReader.read(text, path: path, keys: keys) { return log }
    if let log = TextLogReader.read(text, path: path, keys: keys) { return log }
    if let log = TableLogReader.read(text, path: path, keys: keys) { return log }
    if let step = keys.step, !keys.used.step {
      let header = text.prefix { $0 != "\n" && $0 != "\r\n" }.split(separator: ",")
        .map { $0.trimmingCharacters(in: .whitespaces) }
      throw .missingKey(path: path, option: "--step-key", key: step, present: header)
    }
    throw .unrecognized(path: path, reason: "no step column or known structure")
  }

  /// The bytes up to and including the last newline: a line still being written is not data.
  static func completeLines(_ b: [UInt8]) -> [UInt8] {
    guard let last = b.lastIndex(of: 0x0A) else { return [] }
    return Array(b[...last])
  }

  static func looksLikeTruncatedTrainerState(_ b: [UInt8]) -> Bool {
    String(decoding: b.prefix(4096), as: UTF8.self).contains("\"log_history\"")
      || String(decoding: b.prefix(200_000), as: UTF8.self).contains("\"log_history\"")
  }

  /// A `trainer_state.json` cut short (a killed writer): the complete `log_history` entries
  /// before the cut are read and the log says so.
  static func truncatedTrainerState(_ b: [UInt8], path: String, keys: KeyMapping) throws(LogError) -> TrainingLog {
    let text = String(decoding: b, as: UTF8.self)
    guard let start = text.range(of: "\"log_history\"") else {
      throw .unrecognized(path: path, reason: "truncated JSON")
    }
    guard let open = text[start.upperBound...].firstIndex(of: "[") else {
      throw .empty(path: path, reason: "truncated before log_history")
    }
    // Close the array after the last complete entry.
    var depth = 0
    var inString = false
    var escape = false
    var lastComplete: String.Index?
    var idx = text.index(after: open)
    while idx < text.endIndex {
      let c = text[idx]
      if inString {
        if escape { escape = false } else if c == "\\" { escape = true } else if c == "\"" { inString = false }
      } else if c == "\"" {
        inString = true
      } else if c == "{" {
        depth += 1
      } else if c == "}" {
        depth -= 1
        if depth == 0 { lastComplete = idx }
      } else if c == "]" && depth == 0 {
        break
      }
      idx = text.index(after: idx)
    }
    let body = lastComplete.map { String(text[text.index(after: open)...$0]) } ?? ""
    guard let root = try? JSONValue.parse("{\"log_history\": [\(body)]}", allowNonFinite: true),
      var log = JSONReaders.trainerState(root, path: path, keys: keys)
    else { throw .unrecognized(path: path, reason: "truncated JSON that cannot be repaired") }
    log.notes.insert("the file is truncated: read the complete log_history entries before the cut (a partial read)", at: 0)
    return log
  }
}
