import Foundation
@testable import LRDiagnostics
import Testing

/// DVCLive folders (`dvclive/plots/metrics/<name>.tsv`). `Corpus/dvclive` holds real runs written
/// by dvclive 3.49 (Scripts/make-dvclive-logs.py): PyTorch loops calling `Live.log_metric`, a
/// resumed one, the Hugging Face Trainer's and Lightning's DVCLive loggers, each beside the same
/// run's numbers from another writer (`truth.json`).
@Suite("DVCLive folders")
struct DVCLiveTests {
  static func path(_ name: String) -> String {
    Corpus.root!.appendingPathComponent("dvclive/\(name)").path
  }

  static var labels: [String: String] { CorpusTruth.labels(folder: "dvclive") }

  @Test("the corpus has its cases")
  func present() {
    #expect(Self.labels.count >= 5)
  }

  @Test("a DVCLive folder gives the values another writer recorded for the same run, bit for bit", arguments: labels.keys.sorted())
  func sameAsTruth(_ name: String) throws {
    let log = try LogReader.read(Self.path(name))
    #expect(log.format == "dvclive")
    try CorpusTruth.expect(log, folder: "dvclive", name)
  }

  @Test("each labelled run gets its verdict", arguments: labels.keys.sorted())
  func verdicts(_ name: String) throws {
    let log = try LogReader.read(Self.path(name))
    #expect(Diagnoser.diagnose(log).first.map { "\($0.kind)" } == Self.labels[name])
  }

  @Test("metric names are paths under plots/metrics: train/loss and val/loss, not two columns named loss")
  func names() throws {
    let log = try LogReader.read(Self.path("loop-warmup-cosine"))
    #expect(log.series["loss"]!.count == 400)
    #expect(log.series["eval_loss"]!.count == 8)
    #expect(log.series["lr"] != nil)
  }

  @Test("the Trainer's end-of-training mean (train/loss, one point) does not join its per-log training loss")
  func summaryKeptApart() throws {
    let log = try LogReader.read(Self.path("hf-trainer"))
    #expect(log.series["loss"]!.count == 26)
    #expect(log.series["train/loss"]?.count == 1)
    #expect(log.notes.contains { $0.contains("'train/loss' (1 point(s)) is kept apart") })
  }

  @Test("one metric file read alone is a tab-separated log with a step column")
  func oneFile() throws {
    let log = try LogReader.read(Self.path("lightning") + "/dvclive/plots/metrics/train/loss.tsv")
    #expect(log.format == "generic-csv")
    #expect(log.series["loss"]!.count == 26)
  }

  @Test("an MLflow store is still an MLflow store (DVCLive's plots/metrics is checked first)")
  func notMLflow() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lrkit-dvc-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: dir) }
    let metrics = dir.appendingPathComponent("0/run1/metrics")
    try FileManager.default.createDirectory(at: metrics, withIntermediateDirectories: true)
    try "1700000000 2.5 0\n1700000001 2.0 1\n1700000002 1.5 2\n".write(to: metrics.appendingPathComponent("loss"), atomically: true, encoding: .utf8)
    let log = try LogReader.read(dir.path)
    #expect(log.format == "mlflow")
    #expect(log.series["loss"]!.values == [2.5, 2.0, 1.5])
  }
}
