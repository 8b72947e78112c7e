import Foundation
@testable import LRDiagnostics
import LRSupport
import Testing

/// Weights & Biases run files (`run-<id>.wandb`). `Corpus/wandb` holds real runs written by wandb
/// 0.31 (Scripts/make-wandb-logs.py): PyTorch loops calling `wandb.log`, the Hugging Face Trainer's
/// and Lightning's W&B loggers, a resumed run and a killed one, each beside the same run's numbers
/// from another writer (`truth.json`: what the loop passed to `wandb.log`, the Trainer's
/// `trainer_state.json`, Lightning's CSVLogger). The synthetic tests build run files byte by byte.
@Suite("Weights & Biases run files")
struct WandbLogTests {
  static func path(_ name: String) -> String {
    Corpus.root!.appendingPathComponent("wandb/\(name)").path
  }

  static var labels: [String: String] { CorpusTruth.labels(folder: "wandb") }

  static var cases: [String] { labels.keys.sorted() }

  @Test("the corpus has its cases")
  func present() {
    #expect(Self.cases.count >= 8)
  }

  @Test("a W&B run folder gives the values another writer recorded for the same run, bit for bit, at the same steps",
        arguments: cases)
  func sameAsTruth(_ name: String) throws {
    let log = try LogReader.read(Self.path(name))
    #expect(log.format == "wandb")
    // Keras's running means are read back as interval means: checked by kerasLogger.
    try CorpusTruth.expect(log, folder: "wandb", name, except: name.hasPrefix("keras") ? ["loss"] : [])
  }

  @Test("a W&B history export (run.history() saved as CSV or JSON lines) is read on the integration's step, not _step",
        arguments: ["hf-trainer", "lightning"], ["history.csv", "history.jsonl"])
  func exports(_ name: String, _ file: String) throws {
    let log = try LogReader.read(Self.path(name) + "/export/" + file)
    #expect(log.format == (file.hasSuffix(".csv") ? "generic-csv" : "generic-jsonl"))
    #expect(log.series["_step"] == nil)
    try CorpusTruth.expect(log, folder: "wandb", name)
  }

  @Test("each labelled run gets its verdict, the same as from the other writer's numbers", arguments: cases)
  func verdicts(_ name: String) throws {
    let label = try #require(Self.labels[name])
    let log = try LogReader.read(Self.path(name))
    #expect(Diagnoser.diagnose(log).first.map { "\($0.kind)" } == label)
    var other = TrainingLog(format: "truth", path: name)
    other.series = try CorpusTruth.load(folder: "wandb", name).series
    // Values without steps (the Keras case): on the run file's steps.
    for (key, s) in other.series where s.steps.allSatisfy({ $0 == -1 }) { other.series[key]!.steps = log.series[key]!.steps }
    #expect(Diagnoser.diagnose(other.normalized()).first?.kind == Diagnoser.diagnose(log).first?.kind)
  }

  @Test("the integrations' step metric is the axis: the Trainer's train/global_step, not W&B's count of log calls")
  func stepMetricAxis() throws {
    let log = try LogReader.read(Self.path("hf-trainer"))
    #expect(log.series["loss"]!.steps.prefix(3) == [5, 10, 15])
    #expect(log.series["eval_loss"]!.steps.prefix(2) == [20, 40])
    #expect(log.series["train/global_step"] == nil)
    #expect(log.notes.contains { $0.contains("'train/global_step' (define_metric)") })
    // --step-key _step reads W&B's own counter instead: the rows 0, 1, 2…
    let raw = try LogReader.read(Self.path("hf-trainer"), stepKey: "_step")
    #expect(raw.series["loss"]!.steps.prefix(2) == [0, 1])
    #expect(raw.series["train/global_step"] != nil)
  }

  @Test("Keras's WandbMetricsLogger: batch/loss, read back from running means to interval means, is the training loss; epoch/val_loss the validation loss at each epoch's end")
  func kerasLogger() throws {
    let log = try LogReader.read(Self.path("keras-metrics-logger"))
    let loss = try #require(log.series["loss"])
    // What Keras handed the logger: its running mean over the epoch so far, at batches 0, 5, … 40
    // of each 44-batch epoch (n = 1, 6, … 41 batches). The interval means weighted by their
    // lengths give back n·m at each point, and an epoch's first point is its first batch's loss.
    let running = try #require(try CorpusTruth.load(folder: "wandb", "keras-metrics-logger").series["loss"])
    #expect(running.count == 36 && loss.count == 36)
    for epoch in 0..<4 {
      var sum = 0.0
      for k in 0..<9 {
        let i = epoch * 9 + k
        let n = Double(k * 5 + 1)
        sum += (k == 0 ? 1 : 5) * loss.values[i]
        #expect(abs(sum - n * running.values[i]) <= 1e-12 * n * running.values[i], "epoch \(epoch), point \(k)")
      }
      #expect(loss.values[epoch * 9] == running.values[epoch * 9])
    }
    #expect(loss.values != running.values)
    #expect(log.notes.contains { $0.contains("read back as the mean over each logging interval") })
    let eval = try #require(log.series["eval_loss"])
    #expect(loss.steps.prefix(3) == [0, 5, 10])
    #expect(eval.count == 4)
    // Each epoch's validation lands at the last logged batch of that epoch.
    for s in eval.steps { #expect(loss.steps.contains(s)) }
    #expect(log.series["eval_accuracy"]?.count == 4)
    #expect(log.notes.contains { $0.contains("'batch/batch_step' (define_metric)") })
  }

  @Test("a killed run's file ends in a partial record: what came before is read, and the log says so")
  func killed() throws {
    let log = try LogReader.read(Self.path("loop-killed"))
    #expect(log.notes.contains { $0.contains("a partial record at the end") })
  }

  @Test("a resumed run's two folders are one run, merged in time order")
  func resumed() throws {
    let log = try LogReader.read(Self.path("loop-resumed"))
    #expect(log.series["loss"]!.count == 400)
    #expect(log.notes.contains { $0.contains("merged 2 launches of W&B run lrkitresume1") })
  }

  // MARK: Synthetic run files

  /// Builds run files as W&B's writer frames them.
  struct Writer {
    var bytes: [UInt8] = Array(":W&B".utf8) + [0xE1, 0xBE, 0]

    static func varint(_ v: UInt64) -> [UInt8] {
      var v = v
      var out: [UInt8] = []
      while v >= 0x80 {
        out.append(UInt8(v & 0x7F) | 0x80)
        v >>= 7
      }
      return out + [UInt8(v)]
    }

    static func field(_ number: UInt64, _ payload: [UInt8]) -> [UInt8] {
      varint(number << 3 | 2) + varint(UInt64(payload.count)) + payload
    }

    static func string(_ number: UInt64, _ s: String) -> [UInt8] { field(number, Array(s.utf8)) }

    /// A history item: nested keys, JSON text.
    static func item(_ key: [String], json: String) -> [UInt8] {
      field(1, key.flatMap { string(2, $0) } + string(16, json))
    }

    /// A history record.
    static func history(_ items: [(String, String)], step: Int? = nil) -> [UInt8] {
      var h = items.flatMap { item($0.0.split(separator: "|").map(String.init), json: $0.1) }
      if let step { h += item(["_step"], json: "\(step)") }
      return field(2, h)
    }

    /// A metric definition: `name` or `glob` against `stepMetric`.
    static func metric(name: String? = nil, glob: String? = nil, stepMetric: String) -> [UInt8] {
      field(12, (name.map { string(1, $0) } ?? []) + (glob.map { string(2, $0) } ?? []) + string(4, stepMetric))
    }

    /// Appends one record, fragmented across blocks as LevelDB's writer does.
    mutating func append(_ record: [UInt8]) {
      var rest = record[...]
      var first = true
      repeat {
        let left = WandbReader.blockSize - bytes.count % WandbReader.blockSize
        if left < WandbReader.headerSize {
          bytes += [UInt8](repeating: 0, count: left)
          continue
        }
        let n = min(rest.count, left - WandbReader.headerSize)
        let last = n == rest.count
        let type: UInt8 = first && last ? 1 : first ? 2 : last ? 4 : 3
        let data = Array(rest.prefix(n))
        let crc = StoredZip.crc32([type] + data)
        bytes += [UInt8(crc & 0xFF), UInt8(crc >> 8 & 0xFF), UInt8(crc >> 16 & 0xFF), UInt8(crc >> 24)]
        bytes += [UInt8(n & 0xFF), UInt8(n >> 8), type] + data
        rest = rest.dropFirst(n)
        first = false
      } while !rest.isEmpty
    }
  }

  static func write(_ bytes: [UInt8], in dir: URL, folder: String = "run-20261205_120000-abc", id: String = "abc") throws -> String {
    let d = dir.appendingPathComponent("wandb/\(folder)")
    try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
    let file = d.appendingPathComponent("run-\(id).wandb")
    try Data(bytes).write(to: file)
    return file.path
  }

  static func temporary() throws -> URL {
    let d = FileManager.default.temporaryDirectory.appendingPathComponent("lrkit-wandb-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
    return d
  }

  @Test("records longer than a block come in FIRST, MIDDLE and LAST fragments and are read whole")
  func fragments() throws {
    var w = Writer()
    let big = "\"" + String(repeating: "z", count: 80_000) + "\""
    for i in 0..<50 {
      w.append(Writer.history([("loss", "\(2.0 - Double(i) * 0.01)"), ("text", big)], step: i))
    }
    #expect(w.bytes.count > 4 * WandbReader.blockSize)
    let dir = try Self.temporary()
    defer { try? FileManager.default.removeItem(at: dir) }
    let log = try LogReader.read(try Self.write(w.bytes, in: dir))
    #expect(log.series["loss"]!.steps == Array(0..<50))
    #expect(log.series["loss"]!.values.last == 2.0 - 49 * 0.01)
    #expect(log.series["text"] == nil)
    #expect(log.notes.isEmpty)
  }

  @Test("a record that fails its CRC loses the rest of its block only, and the log says so")
  func corruptRecord() throws {
    var w = Writer()
    for i in 0..<3000 { w.append(Writer.history([("loss", "\(1.0 / Double(i + 1))")], step: i)) }
    var bytes = w.bytes
    bytes[100] ^= 0xFF
    let dir = try Self.temporary()
    defer { try? FileManager.default.removeItem(at: dir) }
    let log = try LogReader.read(try Self.write(bytes, in: dir))
    let loss = log.series["loss"]!
    #expect(loss.count < 3000 && loss.count > 2000)
    #expect(loss.steps.last == 2999)
    #expect(zip(loss.steps, loss.values).allSatisfy { $1 == 1.0 / Double($0 + 1) })
    #expect(log.notes.contains { $0.contains("fails its CRC-32 check") })
  }

  @Test("nested keys are joined by dots; media, strings, booleans, lists and null are not metrics; NaN and Infinity are")
  func values() throws {
    var w = Writer()
    w.append(Writer.history([
      ("train|loss", "2.5"), ("img|_type", "\"image-file\""), ("img|width", "28"), ("flag", "true"),
      ("name", "\"x\""), ("hist", "[1,2]"), ("none", "null"), ("nan", "NaN"), ("inf", "-Infinity"), ("big", "1e400"),
    ], step: 0))
    let dir = try Self.temporary()
    defer { try? FileManager.default.removeItem(at: dir) }
    let log = try LogReader.read(try Self.write(w.bytes, in: dir))
    #expect(Set(log.series.keys) == ["loss", "nan", "inf", "big"])
    #expect(log.series["loss"]!.values == [2.5])
    #expect(log.series["nan"]!.values[0].isNaN)
    #expect(log.series["inf"]!.values == [-.infinity])
    #expect(log.series["big"]!.values == [.infinity])
  }

  @Test("define_metric by glob or by name sets the axis; a step metric logged as fractions falls back to _step")
  func definitions() throws {
    let dir = try Self.temporary()
    defer { try? FileManager.default.removeItem(at: dir) }
    var w = Writer()
    w.append(Writer.metric(glob: "train/*", stepMetric: "gs"))
    w.append(Writer.metric(name: "eval/loss", stepMetric: "gs"))
    for i in 0..<10 {
      var items = [("train/loss", "\(3.0 - Double(i) * 0.1)"), ("gs", "\(i * 8)")]
      if i % 5 == 4 { items.append(("eval/loss", "\(2.0 - Double(i) * 0.1)")) }
      w.append(Writer.history(items, step: i))
    }
    let log = try LogReader.read(try Self.write(w.bytes, in: dir))
    #expect(log.series["loss"]!.steps == (0..<10).map { $0 * 8 })
    #expect(log.series["eval_loss"]!.steps == [32, 72])
    #expect(log.series["gs"] == nil)

    var f = Writer()
    f.append(Writer.metric(glob: "*", stepMetric: "epoch"))
    for i in 0..<10 { f.append(Writer.history([("loss", "\(3.0 - Double(i) * 0.1)"), ("epoch", "\(Double(i) / 4)")], step: i)) }
    let other = dir.appendingPathComponent("fractions")
    let frac = try LogReader.read(try Self.write(f.bytes, in: other))
    #expect(frac.series["loss"]!.steps == Array(0..<10))
    #expect(frac.notes.contains { $0.contains("'epoch' has a value that is not a whole step") })
  }

  @Test("--step-key, --loss-key and --lr-key choose the series of a run file")
  func overrides() throws {
    var w = Writer()
    for i in 0..<20 {
      w.append(Writer.history([("objective", "\(3.0 - Double(i) * 0.1)"), ("loss", "7"), ("rate", "0.1"), ("n", "\(i * 3)")], step: i))
    }
    let dir = try Self.temporary()
    defer { try? FileManager.default.removeItem(at: dir) }
    let file = try Self.write(w.bytes, in: dir)
    let plain = try LogReader.read(file)
    #expect(plain.series["loss"]!.values.first == 7)
    let chosen = try LogReader.read(file, lossKey: "objective", lrKey: "rate", stepKey: "n")
    #expect(chosen.series["loss"]!.values.first == 3)
    #expect(chosen.series["loss"]!.steps.prefix(3) == [0, 3, 6])
    #expect(chosen.series["lr"]!.values.first == 0.1)
    #expect(throws: LogError.self) { try LogReader.read(file, stepKey: "absent") }
  }

  @Test("a wandb folder with several runs reads the newest, latest-run included once, and says so")
  func folders() throws {
    let dir = try Self.temporary()
    defer { try? FileManager.default.removeItem(at: dir) }
    func run(_ loss: Double) -> [UInt8] {
      var w = Writer()
      for i in 0..<5 { w.append(Writer.history([("loss", "\(loss)")], step: i)) }
      return w.bytes
    }
    _ = try Self.write(run(1), in: dir, folder: "run-20261201_120000-old", id: "old")
    _ = try Self.write(run(2), in: dir, folder: "offline-run-20261203_120000-new", id: "new")
    try FileManager.default.createSymbolicLink(
      atPath: dir.appendingPathComponent("wandb/latest-run").path, withDestinationPath: "offline-run-20261203_120000-new")
    let log = try LogReader.read(dir.path)
    #expect(log.series["loss"]!.values == [2, 2, 2, 2, 2])
    #expect(log.notes.contains { $0.contains("2 W&B runs here; read the newest, new") })
  }

  @Test("a run file without metrics, or without a valid header, is an error that names the file")
  func errors() throws {
    let dir = try Self.temporary()
    defer { try? FileManager.default.removeItem(at: dir) }
    var w = Writer()
    w.append(Writer.metric(glob: "*", stepMetric: "x"))
    let empty = try Self.write(w.bytes, in: dir)
    #expect(throws: LogError.empty(path: empty, reason: "no metric values found")) { try LogReader.read(empty) }
    let cut = dir.appendingPathComponent("cut.wandb").path
    try Data(Array(":W&B".utf8) + [0xE1]).write(to: URL(fileURLWithPath: cut))
    do {
      _ = try LogReader.read(cut)
      Issue.record("read a 5-byte file")
    } catch {
      #expect("\(error)".contains(cut))
    }
  }
}
