import Foundation
import LRDiagnostics
import Testing

/// The Hugging Face Trainer's console output (`train.py > train.log 2>&1`), which people have
/// far more often than a trainer_state.json and which LRKit could not read. Each case of
/// `Corpus/console` is a real run (Scripts/make-console-logs.py) saved both ways.
@Suite("Hugging Face console logs")
struct ConsoleLogTests {
  static var cases: [String] {
    guard let root = Corpus.root?.appendingPathComponent("console"),
      let names = try? FileManager.default.contentsOfDirectory(atPath: root.path)
    else { return [] }
    return names.filter { FileManager.default.fileExists(atPath: root.appendingPathComponent("\($0)/trainer_state.json").path) }.sorted()
  }

  static func path(_ name: String, _ file: String) -> String {
    Corpus.root!.appendingPathComponent("console/\(name)/\(file)").path
  }

  @Test("the corpus has its cases")
  func present() {
    #expect(Self.cases.count >= 8)
    #expect(Self.cases.contains { $0.hasPrefix("transformers4-") })
  }

  @Test("a console log gives its run's trainer_state.json: steps, values to 4 digits, verdict", arguments: cases)
  func sameAsTrainerState(_ name: String) throws {
    let console = try LogReader.read(Self.path(name, "console.log"))
    let state = try LogReader.read(Self.path(name, "trainer_state.json"))
    #expect(console.format == "hf-console")
    for series in ["loss", "lr", "eval_loss", "grad_norm"] {
      let theirs = state.series[series]
      let ours = console.series[series]
      #expect((theirs == nil) == (ours == nil), "\(series)")
      guard let theirs, let ours else { continue }
      #expect(ours.steps == theirs.steps, "\(series) steps")
      for (a, b) in zip(ours.values, theirs.values) where a != b {
        // transformers 5 prints 4 significant digits, transformers 4 rounds the loss to 4 decimals.
        #expect(abs(a - b) <= 5e-4 * abs(b) + 5e-5, "\(series): \(a) against \(b)")
      }
    }
    let kinds = { (log: TrainingLog) in Diagnoser.diagnose(log).map { "\($0.kind)" } }
    #expect(kinds(console).first == kinds(state).first)
  }

  @Test("a killed run's log (no summary) is read by record, and says so")
  func killed() throws {
    let log = try LogReader.read(Self.path("killed", "console.log"))
    #expect(log.series["loss"]?.count == 15)
    #expect(log.notes.contains { $0.contains("each record's step is its index") })
  }

  @Test("transformers 4's numbers and Python's nan and inf are read")
  func transformers4() throws {
    let text = """
      Some weights were not initialized
        0%|          | 0/40 [00:00<?, ?it/s]{'loss': 2.3456, 'grad_norm': 1.25, 'learning_rate': 4.5e-05, 'epoch': 0.5}
       50%|#####     | 20/40 [00:01<00:01, 19.1it/s]{'loss': nan, 'grad_norm': inf, 'learning_rate': 2.5e-05, 'epoch': 1.0}
      {'train_runtime': 2.0, 'train_samples_per_second': 160.0, 'train_steps_per_second': 20.0, 'train_loss': 1.2, 'epoch': 2.0}
      """
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("console-\(UUID().uuidString).log")
    try text.write(to: url, atomically: true, encoding: .utf8)
    defer { try? FileManager.default.removeItem(at: url) }
    let log = try LogReader.read(url.path)
    let loss = try #require(log.series["loss"])
    #expect(loss.steps == [10, 20])
    #expect(loss.values[0] == 2.3456 && loss.values[1].isNaN)
    #expect(log.series["grad_norm"]?.values.last == .infinity)
    #expect(log.series["lr"]?.values == [4.5e-05, 2.5e-05])
  }
}
