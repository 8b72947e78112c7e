import Foundation
import LRDiagnostics
import LRSchedules
import Testing

@testable import LRKitCLI

/// Runs `lrkit diagnose …` in process: what it printed, its exit status, or its one-line error.
func diagnose(_ arguments: [String]) -> (output: String, status: Int32, error: String?) {
  do {
    guard let command = try LRKitCommand.parseAsRoot(["diagnose"] + arguments) as? Diagnose else {
      Issue.record("not a diagnose command")
      return ("", -1, nil)
    }
    var out = Output(capturing: true)
    let status = try command.execute(&out)
    return (out.text, status, nil)
  } catch {
    return ("", 1, LRKitCommand.message(for: error))
  }
}

/// A JSON-lines log of `losses` (one per step) with the lr of `spec`.
func jsonlLog(_ losses: [Double], spec: String? = nil) throws -> String {
  let schedule = try spec.map { try ScheduleSpec.decode(text: $0) }
  var text = ""
  for (k, loss) in losses.enumerated() {
    let lr = schedule.map { ", \"lr\": \($0.lr.value(at: k))" } ?? ""
    let value = loss.isNaN ? "NaN" : "\(loss)"
    text += "{\"step\": \(k), \"loss\": \(value)\(lr)}\n"
  }
  return temporaryFile(text, suffix: ".jsonl")
}

/// A falling loss with seeded noise.
func fallingLoss(_ n: Int, seed: UInt64 = 1) -> [Double] {
  var state = seed
  return (0..<n).map { k in
    state = state &* 6364136223846793005 &+ 1442695040888963407
    let u = Double(state >> 11) / Double(1 << 53) - 0.5
    return 0.3 + 2.0 * exp(-Double(k) / 60) + 0.02 * u
  }
}

@Suite("lrkit diagnose")
struct DiagnoseCommandTests {
  @Test("a log without a loss says so, lists its series, and fails --fail-on")
  func noLoss() throws {
    let path = temporaryFile("step,accuracy,lr\n0,0.1,0.01\n1,0.2,0.01\n2,0.3,0.01\n", suffix: ".csv")
    let plain = diagnose([path, "--format", "json"])
    #expect(plain.status == 0)
    #expect(plain.output.contains("\"kind\":\"no_loss\""), "\(plain.output)")
    #expect(plain.output.contains("series present: accuracy, lr"), "\(plain.output)")
    #expect(diagnose([path, "--fail-on", "diverged"]).status == 2)
  }

  @Test("--fail-on exits 2 only for the verdicts it names")
  func failOn() throws {
    let diverged = try jsonlLog(Array(fallingLoss(100).prefix(60)) + [Double.nan] + Array(repeating: .nan, count: 39))
    #expect(diagnose([diverged, "--fail-on", "diverged"]).status == 2)
    #expect(diagnose([diverged, "--fail-on", "oscillation"]).status == 0)
    let healthy = try jsonlLog(fallingLoss(300))
    #expect(diagnose([healthy, "--fail-on", "diverged,spikes"]).status == 0)
    #expect(diagnose([healthy, "--fail-on", "bogus"]).error?.contains("--fail-on 'bogus'") == true)
  }

  @Test("the schedule behind the logged lr is printed as a spec that lrkit curve reproduces")
  func identifies() throws {
    let spec = #"{"type": "cosine", "lr": 0.001, "steps": 300, "warmup": 30}"#
    let path = try jsonlLog(fallingLoss(300), spec: spec)
    let (out, status, _) = diagnose([path])
    #expect(status == 0)
    #expect(out.contains("linear warmup (30 updates) then cosine decay to 0 over 270 updates"), "\(out)")
    let line = try #require(out.split(separator: "\n").first { $0.hasPrefix("  spec: ") })
    let printed = try ScheduleSpec.decode(text: String(line.dropFirst(8)))
    let meant = try ScheduleSpec.decode(text: spec)
    for k in 0..<300 { #expect(abs(printed.lr.value(at: k) - meant.lr.value(at: k)) <= 1e-9) }
  }

  @Test("--schedule audits the logged lr and names the first step where it parts")
  func audit() throws {
    let spec = #"{"type": "cosine", "lr": 0.001, "steps": 300, "warmup": 30}"#
    let path = try jsonlLog(fallingLoss(300), spec: spec)
    let same = diagnose([path, "--schedule", spec])
    #expect(same.output.contains("schedule audit: the logged lr matches the schedule at all 300 logged steps"), "\(same.output)")
    let other = diagnose([path, "--schedule", #"{"type": "cosine", "lr": 0.001, "steps": 300, "warmup": 20}"#, "--format", "json"])
    #expect(other.output.contains("\"first_mismatch_step\":1"), "\(other.output)")
    #expect(diagnose([path, "--schedule", #"{"type": "cosine"}"#]).error?.contains("lr") == true)
  }

  @Test("--follow prints verdict changes and exits 3 when the run diverges")
  func followDiverges() throws {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("lrkit-follow-\(UUID().uuidString).jsonl").path
    let losses = fallingLoss(200)
    // A plain thread: the cooperative pool may be busy with other tests.
    let done = DispatchSemaphore(value: 0)
    Thread.detachNewThread {
      _ = FileManager.default.createFile(atPath: path, contents: nil)
      guard let handle = try? FileHandle(forWritingTo: URL(fileURLWithPath: path)) else { return }
      for (k, loss) in losses.enumerated() {
        handle.write(Data("{\"step\": \(k), \"loss\": \(loss)}\n".utf8))
        if k % 40 == 39 { Thread.sleep(forTimeInterval: 0.15) }
      }
      // Half a record, then the NaN.
      handle.write(Data("{\"step\": 200, \"loss\": 0.3".utf8))
      Thread.sleep(forTimeInterval: 0.15)
      handle.write(Data("1}\n{\"step\": 201, \"loss\": NaN}\n".utf8))
      try? handle.close()
      done.signal()
    }
    let result = diagnose(["--follow", path, "--interval", "0.05", "--idle-exit", "5"])
    done.wait()
    #expect(result.status == 3, "\(result.output)")
    #expect(result.output.contains("healthy"), "\(result.output)")
    #expect(result.output.contains("diverged"), "\(result.output)")
  }

  @Test("--follow on a finished log stops after --idle-exit with its verdict")
  func followIdle() throws {
    let path = try jsonlLog(fallingLoss(300))
    let result = diagnose(["--follow", path, "--interval", "0.05", "--idle-exit", "0.3", "--fail-on", "healthy"])
    #expect(result.status == 2, "\(result.output)")
    #expect(result.output.contains("last verdict: healthy"), "\(result.output)")
    #expect(diagnose(["--follow", path, "--interval", "0"]).error?.contains("--interval") == true)
  }
}

@Suite("lrkit diagnose text output")
struct DiagnoseTextTests {
  @Test("evidence and advice wrap to the terminal width with a hanging indent")
  func wraps() throws {
    let lines = DiagnosisReport.wrapped("  evidence: ", String(repeating: "word ", count: 60), width: 60)
    #expect(lines.count > 3)
    #expect(lines.allSatisfy { $0.count <= 60 })
    #expect(lines.dropFirst().allSatisfy { $0.hasPrefix(String(repeating: " ", count: 12)) })
    // A whole report at 72 columns: no evidence or advice line is longer.
    let path = try jsonlLog(Array(fallingLoss(100).prefix(60)) + Array(repeating: .nan, count: 40))
    let log = try LogReader.read(path)
    let text = DiagnosisReport.text(log, Diagnoser.diagnose(log), color: false, width: 72)
    let block = text.components(separatedBy: "\n").prefix { !$0.hasPrefix("schedule") && !$0.hasPrefix("loss") }
    #expect(block.filter { $0.hasPrefix("  ") }.allSatisfy { $0.count <= 72 }, "\(text)")
  }
}
