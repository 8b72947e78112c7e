import Foundation
import LRDiagnostics
import Testing

/// The log layouts of the real corpus, read as their writers laid them out.
@Suite("Log layouts: MLflow, Keras TensorBoard, several TensorBoard runs, loss names")
struct LayoutReaderTests {
  static func read(_ path: String, lossKey: String? = nil) throws -> TrainingLog {
    let url = try #require(Corpus.root).appendingPathComponent("real").appendingPathComponent(path)
    return try LogReader.read(url.path, lossKey: lossKey)
  }

  @Test("an MLflow run folder and an mlruns store: metric files of 'timestamp value step' lines")
  func mlflow() throws {
    let run = try Self.read("mlflow/gru-overfit/mlruns/100125232515778752/54f4326400b13795332fba0ecda21135")
    #expect(run.format == "mlflow")
    #expect(run.series["loss"]?.count == 1200)
    #expect(run.series["eval_loss"]?.count == 30)
    let store = try Self.read("mlflow/linreg-sgd-near-zero/mlruns")
    #expect(store.series["loss"]?.count == 400)
    #expect(store.notes.contains { $0.contains("'mse' as the training loss") })
    #expect(store.notes.contains { $0.contains("'val_mse' as the validation loss") })
  }

  @Test("Keras' TensorBoard callback: train/ and validation/ folders, epoch_loss and batch_loss")
  func kerasTensorBoard() throws {
    let epochs = try Self.read("keras-tensorboard/cnn-120-samples")
    #expect(epochs.format == "keras-tensorboard")
    #expect(epochs.series["loss"]?.count == 80)
    #expect(epochs.series["eval_loss"]?.count == 80)
    let batches = try Self.read("keras-tensorboard/mlp-adam-update-freq-5")
    #expect(batches.series["loss"]?.count == 225)
    #expect(batches.notes.contains { $0.contains("batch_loss") })
    // Validation epochs are placed on the batch axis, after the training batches they follow.
    let eval = try #require(batches.series["eval_loss"])
    let train = try #require(batches.series["loss"])
    #expect(eval.steps.last! <= train.steps.last! + 45 && eval.steps.first! > train.steps.first!)
  }

  @Test("two runs in one TensorBoard folder: the newest is read, and a note says so")
  func twoRuns() throws {
    let log = try Self.read("tensorboard/mlp-sgd-rerun-nan")
    #expect(log.notes.contains { $0.contains("2 runs") && $0.contains("newest") })
    #expect(log.series["loss"]?.count == 300)
  }

  @Test("a --follow read never takes a half-written line as data")
  func completeRecords() throws {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("lrkit-partial-\(UUID().uuidString).jsonl").path
    let text = (0..<20).map { "{\"step\": \($0), \"loss\": \(2.0 - Double($0) * 0.05)}\n" }.joined() + "{\"step\": 20, \"loss\": 0.0"
    _ = FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
    let following = try LogReader.read(path, completeRecordsOnly: true)
    #expect(following.series["loss"]?.count == 20)
    #expect(following.series["loss"]?.values.last == 2.0 - 19 * 0.05)
  }
}
