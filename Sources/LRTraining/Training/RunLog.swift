import LRSupport
import Foundation
import LRSchedules

/// A run directory: `config.json` (written atomically), `log.jsonl` (appended line by line,
/// flushed after each line), `checkpoint.json` (written to a temporary file, then renamed) and
/// `summary.json`.
public struct RunDirectory: Sendable {
  /// The directory.
  public let path: String

  /// A run directory at `path`.
  public init(path: String) { self.path = path }

  /// The path of a file in the run.
  public func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }

  /// What the directory already records, if anything: a summary, a checkpoint or a non-empty
  /// training log (a `config.json` alone records no result).
  public func recordedRun() -> String? {
    let fm = FileManager.default
    if let text = try? read("summary.json") { return "summary.json: \(text.prefix(80).split(separator: "\n").first ?? "")" }
    if fm.fileExists(atPath: file("checkpoint.json")) { return "checkpoint.json" }
    if let size = (try? fm.attributesOfItem(atPath: file("log.jsonl")))?[.size] as? Int, size > 0 {
      return "log.jsonl with \(size) bytes"
    }
    return nil
  }

  /// Creates the directory if needed.
  public func create() throws(TrainingError) {
    guard !path.isEmpty else { throw .invalidRun(path: path, reason: "an empty path") }
    var isDirectory: ObjCBool = false
    if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue {
      throw .invalidRun(path: path, reason: "not a directory")
    }
    if let file = FileErrorText.blockingAncestor(of: path) {
      throw .invalidRun(path: path, reason: "'\(file)' is not a directory")
    }
    do {
      try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    } catch {
      throw .invalidRun(path: path, reason: "cannot create it: \(FileErrorText.describe(error))")
    }
  }

  /// Writes `text` to `name` atomically (temporary file, then rename).
  public func writeAtomically(_ name: String, _ text: String) throws(TrainingError) {
    let target = file(name)
    let temp = target + ".tmp"
    guard FileManager.default.createFile(atPath: temp, contents: Data(text.utf8)) else {
      throw .invalidRun(path: path, reason: "cannot write \(name)")
    }
    if rename(temp, target) != 0 { throw .invalidRun(path: path, reason: "cannot rename \(name).tmp") }
  }

  /// Reads a file of the run as text.
  public func read(_ name: String) throws(TrainingError) -> String {
    guard let data = FileManager.default.contents(atPath: file(name)) else {
      throw .invalidRun(path: path, reason: "\(name) is missing")
    }
    return String(decoding: data, as: UTF8.self)
  }
}

/// Appends JSON lines to `log.jsonl`, one write and flush per line, so a killed run never leaves
/// a torn line.
final class LogWriter {
  let handle: FileHandle

  init(path: String, truncateToSteps keep: Int?) throws(TrainingError) {
    if !FileManager.default.fileExists(atPath: path) {
      _ = FileManager.default.createFile(atPath: path, contents: nil)
    } else if let keep {
      // Resume: keep the lines of updates before the checkpoint and nothing torn.
      let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
      var kept = ""
      for line in text.split(separator: "\n") {
        guard let v = try? JSONValue.parse(String(line)), case .number(let s, _)? = v["step"] else { continue }
        if Int(s) < keep { kept += line + "\n" }
      }
      guard FileManager.default.createFile(atPath: path + ".tmp", contents: Data(kept.utf8)),
        rename(path + ".tmp", path) == 0
      else { throw .invalidRun(path: path, reason: "cannot rewrite the log") }
    }
    guard let h = FileHandle(forWritingAtPath: path) else {
      throw .invalidRun(path: path, reason: "cannot open the log for writing")
    }
    if keep == nil { h.truncateFile(atOffset: 0) }
    h.seekToEndOfFile()
    handle = h
  }

  func write(_ value: JSONValue) {
    handle.write(Data((value.serialized() + "\n").utf8))
  }

  deinit { try? handle.close() }
}
