import Foundation
@testable import LRDiagnostics
import Testing

func temporaryPath(_ name: String) -> String {
  let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lrkit-diag-\(UUID().uuidString)")
  try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
  return dir.appendingPathComponent(name).path
}

func write(_ path: String, _ bytes: [UInt8]) { _ = FileManager.default.createFile(atPath: path, contents: Data(bytes)) }

func hex(_ s: String) -> [UInt8] {
  var out: [UInt8] = []
  var chars = Array(s.filter { !$0.isWhitespace })
  while chars.count >= 2 {
    out.append(UInt8(String(chars[0...1]), radix: 16)!)
    chars.removeFirst(2)
  }
  return out
}

/// A TFRecord frame around `payload`.
func record(_ payload: [UInt8]) -> [UInt8] {
  var length = UInt64(payload.count).littleEndian
  let lengthBytes = withUnsafeBytes(of: &length) { Array($0) }
  let lengthCRC = lengthBytes.withUnsafeBytes { TensorBoardReader.masked(TensorBoardReader.crc32c($0)) }
  let dataCRC = payload.withUnsafeBytes { TensorBoardReader.masked(TensorBoardReader.crc32c($0)) }
  return lengthBytes + withUnsafeBytes(of: lengthCRC.littleEndian) { Array($0) } + payload
    + withUnsafeBytes(of: dataCRC.littleEndian) { Array($0) }
}

/// A varint.
func varint(_ v: UInt64) -> [UInt8] {
  var v = v
  var out: [UInt8] = []
  repeat {
    var b = UInt8(v & 0x7F)
    v >>= 7
    if v != 0 { b |= 0x80 }
    out.append(b)
  } while v != 0
  return out
}

func field(_ number: UInt64, _ wire: UInt64, _ body: [UInt8]) -> [UInt8] {
  varint(number << 3 | wire) + (wire == 2 ? varint(UInt64(body.count)) : []) + body
}

/// An Event with one scalar, in one of the three encodings.
func scalarEvent(step: Int, tag: String, value: Double, encoding: Int) -> [UInt8] {
  var v = field(1, 2, Array(tag.utf8))
  switch encoding {
  case 0: v += field(2, 5, withUnsafeBytes(of: Float(value).bitPattern.littleEndian) { Array($0) })
  case 1: v += field(8, 2, field(1, 0, varint(1)) + field(5, 2, withUnsafeBytes(of: Float(value).bitPattern.littleEndian) { Array($0) }))
  default: v += field(8, 2, field(1, 0, varint(2)) + field(4, 2, withUnsafeBytes(of: value.bitPattern.littleEndian) { Array($0) }))
  }
  let summary = field(1, 2, v)
  return field(1, 1, withUnsafeBytes(of: (1.7e9).bitPattern.littleEndian) { Array($0) }) + field(2, 0, varint(UInt64(bitPattern: Int64(step)))) + field(5, 2, summary)
}

@Suite("Log readers")
struct ReaderTests {
  @Test("text logs as Windows saves them: a UTF-8 byte-order mark (Excel), UTF-16LE and UTF-16BE with theirs")
  func encodings() throws {
    let csv = "step,loss,learning_rate\r\n" + (0..<50).map { "\($0),\(3 - Double($0) * 0.01),0.001\r\n" }.joined()
    let jsonl = (0..<50).map { #"{"step": \#($0), "loss": \#(3 - Double($0) * 0.01)}"# + "\n" }.joined()
    let variants: [(String, String, [UInt8])] = [
      ("bom.csv", csv, [0xEF, 0xBB, 0xBF] + Array(csv.utf8)),
      ("le.csv", csv, [0xFF, 0xFE] + csv.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }),
      ("be.csv", csv, [0xFE, 0xFF] + csv.utf16.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }),
      ("bom.jsonl", jsonl, [0xEF, 0xBB, 0xBF] + Array(jsonl.utf8)),
      ("le.jsonl", jsonl, [0xFF, 0xFE] + jsonl.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }),
    ]
    for (name, text, bytes) in variants {
      let plain = temporaryPath("plain-" + name)
      write(plain, Array(text.utf8))
      let path = temporaryPath(name)
      write(path, bytes)
      let log = try LogReader.read(path)
      let expected = try LogReader.read(plain)
      #expect(log.series["loss"]?.steps == expected.series["loss"]?.steps, "\(name)")
      #expect(log.series["loss"]?.values == expected.series["loss"]?.values, "\(name)")
      #expect(log.series["loss"]?.values.count == 50, "\(name)")
    }
    let broken = temporaryPath("broken.csv")
    write(broken, [0xFF, 0xFE, 0x00, 0xD8, 0x41, 0x00])  // an unpaired high surrogate
    do {
      _ = try LogReader.read(broken)
      Issue.record("read")
    } catch {
      #expect(error.description.contains(broken) && error.description.contains("UTF-16LE"), "\(error)")
    }
  }

  @Test("CRC-32C and the TFRecord test vector")
  func crc() throws {
    let crc = Array("123456789".utf8).withUnsafeBytes { TensorBoardReader.crc32c($0) }
    #expect(crc == 0xE306_9283)
    #expect(TensorBoardReader.masked(crc) == 0xC78A_B0E5)
    let file = hex("2000000000000000 29eda950 0900000040fc54d94110072a130a110a0a747261696e2f6c6f73731500002040 4f7a5cab")
    let path = temporaryPath("events.out.tfevents.1.test")
    write(path, file)
    let log = try LogReader.read(path)
    #expect(log.format == "tensorboard")
    #expect(log.series["loss"]?.steps == [7])
    #expect(log.series["loss"]?.values == [2.5])
  }

  @Test("the three scalar encodings, several files, and a SessionLog START restart")
  func tensorboard() throws {
    let dir = (temporaryPath("x") as NSString).deletingLastPathComponent
    var first = record(field(3, 2, Array("brain.Event:2".utf8)))
    for k in 0..<60 { first += record(scalarEvent(step: k, tag: "train/loss", value: 3 - Double(k) / 60, encoding: k % 3)) }
    write(dir + "/events.out.tfevents.0001.host", first)
    // A restart at step 40: SessionLog{status: START}, then new values.
    var second = record(field(3, 2, Array("brain.Event:2".utf8)))
    second += record(field(2, 0, varint(40)) + field(7, 2, field(1, 0, varint(1))))
    for k in 40..<50 { second += record(scalarEvent(step: k, tag: "train/loss", value: 9, encoding: 0)) }
    write(dir + "/events.out.tfevents.0002.host", second)
    let log = try LogReader.read(dir)
    let loss = try #require(log.series["loss"])
    #expect(loss.steps == Array(0..<50))
    #expect(loss.values[39] == Double(Float(3 - 39.0 / 60)))
    #expect(loss.values[45] == 9)
    #expect(log.notes.contains { $0.contains("restart at step 40") })
  }

  @Test("truncated and corrupted event files: partial reads that say so")
  func corruptedTensorBoard() throws {
    var file = record(field(3, 2, Array("brain.Event:2".utf8)))
    for k in 0..<20 { file += record(scalarEvent(step: k, tag: "loss", value: Double(k), encoding: 0)) }
    let truncated = temporaryPath("events.out.tfevents.t")
    write(truncated, Array(file.dropLast(7)))
    let t = try LogReader.read(truncated)
    #expect(t.series["loss"]?.count == 19)
    #expect(t.notes.contains { $0.contains("partial record") })
    var flipped = file
    flipped[file.count - 10] ^= 0xFF
    let f = temporaryPath("events.out.tfevents.f")
    write(f, flipped)
    let fl = try LogReader.read(f)
    #expect(fl.series["loss"]?.count == 19)
    #expect(fl.notes.contains { $0.contains("CRC") })
    // Every prefix and a few random corruptions: never a crash.
    var rng = SystemRandomNumberGenerator()
    for cut in stride(from: 0, to: file.count, by: 13) {
      let p = temporaryPath("events.out.tfevents.c")
      var b = Array(file.prefix(cut))
      if !b.isEmpty, Bool.random(using: &rng) { b[Int.random(in: 0..<b.count, using: &rng)] ^= UInt8.random(in: 1...255, using: &rng) }
      write(p, b)
      _ = try? LogReader.read(p)
    }
  }

  @Test("Hugging Face trainer_state.json with NaN, and a truncated one")
  func trainerState() throws {
    let text = """
      {"global_step": 30, "logging_steps": 10, "log_history": [
        {"epoch": 0.1, "grad_norm": 1.5, "learning_rate": 5e-05, "loss": 2.5, "step": 10},
        {"epoch": 0.2, "grad_norm": NaN, "learning_rate": 4e-05, "loss": NaN, "step": 20},
        {"epoch": 0.2, "eval_loss": 2.4, "eval_runtime": 1.0, "step": 20},
        {"epoch": 0.3, "grad_norm": Infinity, "learning_rate": 3e-05, "loss": 2.1, "step": 30},
        {"epoch": 0.3, "step": 30, "total_flos": 1, "train_loss": 2.3, "train_runtime": 5.0}
      ]}
      """
    let path = temporaryPath("trainer_state.json")
    write(path, Array(text.utf8))
    let log = try LogReader.read(path)
    #expect(log.format == "hf-trainer-state")
    #expect(log.series["loss"]?.count == 3)
    #expect(log.series["loss"]?.values[1].isNaN == true)
    #expect(log.series["grad_norm"]?.values[2] == .infinity)
    #expect(log.series["eval_loss"]?.values == [2.4])
    #expect(log.series["lr"]?.values == [5e-05, 4e-05, 3e-05])
    let cut = temporaryPath("trainer_state.json")
    write(cut, Array(text.utf8.prefix(text.utf8.count * 2 / 3)))
    let partial = try LogReader.read(cut)
    #expect(partial.notes.first?.contains("truncated") == true)
    #expect((partial.series["loss"]?.count ?? 0) >= 2)
  }

  @Test("Lightning metrics.csv: sparse rows and a second header after a resume")
  func lightning() throws {
    let text = """
      epoch,lr-AdamW,step,train_loss_step,val_loss
      0,0.001,0,2.5,
      0,,0,,2.4
      0,0.001,1,2.3,
      epoch,lr-AdamW,step,train_loss_epoch,train_loss_step,val_loss
      1,0.0009,2,,2.0,
      1,,2,2.1,,1.9
      """
    let path = temporaryPath("metrics.csv")
    write(path, Array(text.utf8))
    let log = try LogReader.read(path)
    #expect(log.format == "lightning-csv")
    #expect(log.series["loss"]?.values == [2.5, 2.3, 2.0])
    #expect(log.series["eval_loss"]?.values == [2.4, 1.9])
    #expect(log.series["lr"]?.values == [0.001, 0.001, 0.0009])
    #expect(log.notes.contains { $0.contains("2 headers") })
  }

  @Test("generic CSV and JSONL with chosen keys; garbage lines skipped")
  func generic() throws {
    let csv = temporaryPath("run.csv")
    write(csv, Array("iter,objective,learning_rate\n0,3.0,0.1\n1,2.5,0.1\n2,nan,0.1\n3,x,0.1\n".utf8))
    let c = try LogReader.read(csv)
    #expect(c.series["loss"]?.count == 3)
    #expect(c.notes.contains { $0.contains("not numbers") })
    let jsonl = temporaryPath("run.jsonl")
    write(jsonl, Array("{\"it\": 0, \"my_loss\": 2.0}\ngarbage\n{\"it\": 1, \"my_loss\": 1.5}\n{\"it\": 2, \"my_loss\": Infinity}\n".utf8))
    let j = try LogReader.read(jsonl, lossKey: "my_loss")
    #expect(j.series["loss"]?.values == [2.0, 1.5, .infinity])
    #expect(j.notes.contains { $0.contains("skipped 1 line") })
  }

  /// Mutated logs crashed `lrkit diagnose`: a step of 1e30 or an Int64.max step trapped in
  /// `Int(_:)` or in `step + 1`. A step beyond ±2^53 is now no step: CSV and JSONL rows fall back
  /// to the implicit step, the other readers drop the point and say so.
  @Test("steps beyond ±2^53 in every reader: no trap, the point placed or dropped, and a note")
  func hugeSteps() throws {
    let csv = temporaryPath("run.csv")
    write(csv, Array("step,loss\n0,2.0\n1e30,1.9\n2,1.8\n99999999999999999999,1.7\n-1e300,1.65\n5,1.6\n".utf8))
    let c = try LogReader.read(csv)
    #expect(c.series["loss"]?.steps == [0, 1, 2, 3, 4, 5])
    let jsonl = temporaryPath("run.jsonl")
    write(jsonl, Array("{\"step\": 0, \"loss\": 2}\n{\"step\": 1e300, \"loss\": 1.5}\n{\"step\": 9223372036854775807, \"loss\": 1.2}\n".utf8))
    let j = try LogReader.read(jsonl)
    #expect(j.series["loss"]?.steps == [0, 1, 2])
    let state = temporaryPath("trainer_state.json")
    write(state, Array(#"{"logging_steps": 1e300, "log_history": [{"step": 1e300, "loss": 3.0}, {"step": 1, "loss": 2.0}, {"step": 2, "loss": 1.0}]}"#.utf8))
    let t = try LogReader.read(state)
    #expect(t.series["loss"]?.steps == [1, 2])
    #expect(t.notes.contains { $0.contains("every 9007199254740992 steps") })
    let dir = (temporaryPath("x") as NSString).deletingLastPathComponent
    var events = record(field(3, 2, Array("brain.Event:2".utf8)))
    for k in 0..<5 { events += record(scalarEvent(step: k, tag: "loss", value: 1, encoding: 0)) }
    events += record(scalarEvent(step: Int.max, tag: "loss", value: 1, encoding: 0))
    events += record(scalarEvent(step: Int.min, tag: "loss", value: 1, encoding: 0))
    write(dir + "/events.out.tfevents.0001.host", events)
    let tb = try LogReader.read(dir)
    #expect(tb.series["loss"]?.steps == [0, 1, 2, 3, 4])
    #expect(tb.notes.contains { $0.contains("skipped 2 point(s) whose step is beyond") }, "\(tb.notes)")
  }

  /// `lrkit diagnose /` walked the whole file system.
  @Test("a folder with more entries than a run folder has is refused, naming it")
  func tooManyEntries() throws {
    let dir = (temporaryPath("x") as NSString).deletingLastPathComponent
    for i in 0..<30 { write(dir + "/f\(i).txt", Array("x".utf8)) }
    write(dir + "/metrics.csv", Array("step,loss\n0,2\n1,1.5\n".utf8))
    #expect(try DirectoryReader.read(dir, keys: KeyMapping(), maxEntries: 100).series["loss"]?.count == 2)
    do {
      _ = try DirectoryReader.read(dir, keys: KeyMapping(), maxEntries: 20)
      Issue.record("read a folder past the entry limit")
    } catch {
      #expect(error.description.contains(dir) && error.description.contains("more than 20 files"), "\(error)")
    }
  }

  @Test("a --loss-key (or --lr-key, --step-key) that is not in the log is an error listing the series")
  func missingOverride() throws {
    let csv = temporaryPath("run.csv")
    write(csv, Array("step,loss,lr\n0,3.0,0.1\n1,2.5,0.1\n".utf8))
    for (loss, lr, step, option) in [("nope", nil, nil, "--loss-key"), (nil, "rate", nil, "--lr-key"),
                                     (nil, nil, "iteration", "--step-key")] as [(String?, String?, String?, String)] {
      do {
        _ = try LogReader.read(csv, lossKey: loss, lrKey: lr, stepKey: step)
        Issue.record("\(option) accepted")
      } catch {
        #expect(error.description.contains(option) && error.description.contains(csv), "\(error)")
        #expect(error.description.contains("series present"), "\(error)")
      }
    }
    // A key that is there still works, and the default name it displaces keeps its own name.
    let both = temporaryPath("both.csv")
    write(both, Array("step,loss,my_loss\n0,3.0,9.0\n1,2.5,8.0\n".utf8))
    let log = try LogReader.read(both, lossKey: "my_loss")
    #expect(log.series["loss"]?.values == [9.0, 8.0])
  }

  @Test("empty, missing and unrecognised inputs are clear errors")
  func errors() {
    let empty = temporaryPath("empty.json")
    write(empty, [])
    #expect(throws: LogError.self) { try LogReader.read(empty) }
    #expect(throws: LogError.self) { try LogReader.read("/nonexistent/log") }
    let binary = temporaryPath("noise.bin")
    write(binary, (0..<1000).map { UInt8(truncatingIfNeeded: $0 * 7919) })
    #expect(throws: LogError.self) { try LogReader.read(binary) }
    let dir = (temporaryPath("x") as NSString).deletingLastPathComponent
    #expect(throws: LogError.self) { try LogReader.read(dir) }
  }
}
