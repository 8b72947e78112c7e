import Foundation
@testable import LRDiagnostics
import LRSupport
import Testing

/// The truth of a corpus case written beside a run by another writer (`truth.json`: LRKit's
/// series name → [step, value] pairs, a null step where that writer does not know the step), and
/// the check that a log read by LRKit gives it.
enum CorpusTruth {
  /// `labels.json` of a corpus folder: case → primary verdict.
  static func labels(folder: String) -> [String: String] {
    guard let root = Corpus.root,
      let data = try? Data(contentsOf: root.appendingPathComponent("\(folder)/labels.json")),
      let json = try? JSONValue.parse(bytes: Array(data)), case .object(let members) = json
    else { return [:] }
    var out: [String: String] = [:]
    for (k, v) in members { if case .string(let s) = v { out[k] = s } }
    return out
  }

  /// The case's truth: LRKit's series name → points, and whether the run file may hold a prefix.
  static func load(folder: String, _ name: String) throws -> (series: [String: TrainingLog.Series], prefix: Bool) {
    let data = try Data(contentsOf: Corpus.root!.appendingPathComponent("\(folder)/\(name)/truth.json"))
    // LRKit's parser: Foundation's rounds some decimals differently from Python's repr.
    let root = try JSONValue.parse(bytes: Array(data), allowNonFinite: true)
    guard case .object(let truth)? = root["truth"] else { throw Failure("no truth") }
    var series: [String: TrainingLog.Series] = [:]
    for (name, points) in truth {
      guard case .array(let list) = points else { throw Failure("\(name): not a list") }
      var s = TrainingLog.Series()
      for p in list {
        guard case .array(let pair) = p, pair.count == 2, case .number(let value, _) = pair[1]
        else { throw Failure("\(name): not a [step, value] pair") }
        // A null step: the other writer does not know the step (Keras's W&B logger counts its own).
        if case .number(let step, _) = pair[0] { s.append(Int(step), value) } else { s.append(-1, value) }
      }
      series[name] = s
    }
    var prefix = false
    if case .bool(let b)? = root["prefix"] { prefix = b }
    return (series, prefix)
  }

  struct Failure: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
  }

  /// Requires `log` to hold every series of the case's truth: the same values bit for bit at the
  /// same steps, in order where the truth has no steps, or a prefix for a killed run (`skipped`:
  /// series the caller checks itself).
  static func expect(_ log: TrainingLog, folder: String, _ name: String, except skipped: Set<String> = []) throws {
    let (truth, prefix) = try load(folder: folder, name)
    #expect(!truth.isEmpty)
    for (key, expected) in truth where !skipped.contains(key) {
      let got = try #require(log.series[key], "\(key)")
      if prefix {
        // A killed run: what reached the file is a prefix of what it logged, and most of it.
        #expect(got.count <= expected.count && got.count * 5 >= expected.count * 3, "\(key): \(got.count) of \(expected.count)")
        #expect(Array(expected.steps.prefix(got.count)) == got.steps, "\(key)")
        #expect(zip(got.values, expected.values).allSatisfy { $0.bitPattern == $1.bitPattern || ($0.isNaN && $1.isNaN) }, "\(key)")
      } else if expected.steps.allSatisfy({ $0 == -1 }) {
        #expect(got.count == expected.count, "\(key)")
        #expect(zip(got.steps, got.steps.dropFirst()).allSatisfy { $0 < $1 }, "\(key)")
        #expect(zip(got.values, expected.values).allSatisfy { $0.bitPattern == $1.bitPattern }, "\(key)")
      } else {
        // A step logged twice (DVCLive resumed at its last step) keeps its last value, as LRKit's logs do.
        var one = TrainingLog(format: "truth", path: name)
        one.series = [key: expected]
        let want = one.normalized().series[key]!
        #expect(got.steps == want.steps, "\(key)")
        #expect(zip(got.values, want.values).allSatisfy { $0.bitPattern == $1.bitPattern || ($0.isNaN && $1.isNaN) }, "\(key)")
      }
    }
  }
}
