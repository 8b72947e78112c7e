import Foundation
import LRDiagnostics
import LRSchedules

/// `lrkit diagnose --follow`: polls a log while a run writes it, prints a line whenever the
/// primary verdict changes, and stops with status 3 at the first fatal sign.
///
/// A check costs one `stat` per file until something changes; only then is the log read, with
/// text logs cut at their last newline and JSON documents still being rewritten skipped, so a
/// partly written record is never read as data.
struct Follower {
  let command: Diagnose
  let failKinds: Set<Verdict.Kind>

  /// Size and modification time of the file, or of every file under the directory.
  static func signature(_ path: String) -> [Int]? {
    let fm = FileManager.default
    var isDirectory: ObjCBool = false
    guard fm.fileExists(atPath: path, isDirectory: &isDirectory) else { return nil }
    func stamp(_ p: String) -> [Int] {
      guard let a = try? fm.attributesOfItem(atPath: p) else { return [] }
      let size = (a[.size] as? NSNumber)?.intValue ?? 0
      let time = Int(((a[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0) * 1000)
      return [size, time]
    }
    guard isDirectory.boolValue else { return stamp(path) }
    var out: [Int] = []
    let files = (fm.enumerator(atPath: path)?.allObjects as? [String] ?? []).sorted()
    for f in files.prefix(10_000) { out += stamp(path + "/" + f) }
    return out
  }

  /// Follows until the run diverges (3), the log stays unchanged for `--idle-exit` seconds (0,
  /// or 2 when the last verdict is one --fail-on names), or the process is interrupted.
  func run(_ out: inout Output) throws -> Int32 {
    var last: [Int]?
    var lastKind: Verdict.Kind?
    var lastChange = Date()
    var waitingSaid = false
    let fatal: Set<Verdict.Kind> = [.diverged]
    func say(_ line: String, _ out: inout Output) {
      let time = ISO8601DateFormatter.string(from: Date(), timeZone: .current, formatOptions: [.withTime, .withColonSeparatorInTime])
      out.write("[\(time)] \(line)\n")
      out.flush()
    }
    while true {
      let sig = Self.signature(command.path)
      if sig == nil, !waitingSaid {
        say("waiting for '\(command.path)' to appear", &out)
        waitingSaid = true
      }
      if let sig, sig != last {
        last = sig
        lastChange = Date()
        if let log = try? LogReader.read(command.path, lossKey: command.lossKey, lrKey: command.lrKey,
                                         stepKey: command.stepKey, completeRecordsOnly: true) {
          let verdicts = Diagnoser.diagnose(log)
          if let primary = verdicts.first, primary.kind != lastKind {
            lastKind = primary.kind
            let step = log.series["loss"]?.steps.last ?? primary.endStep
            say("step \(step): \(primary.kind.rawValue) (\(Int((primary.confidence * 100).rounded())) %) — \(primary.evidence)", &out)
            if let d = verdicts.first(where: { fatal.contains($0.kind) }) {
              say("the run diverged: \(d.advice)", &out)
              return 3
            }
          }
        }
      }
      if command.idleExit > 0, Date().timeIntervalSince(lastChange) >= command.idleExit {
        say("no change for \(Int(command.idleExit)) s; last verdict: \(lastKind?.rawValue ?? "none")", &out)
        return lastKind.map { failKinds.contains($0) } == true ? 2 : 0
      }
      Thread.sleep(forTimeInterval: command.interval)
    }
  }
}
