import Foundation
@testable import LRDiagnostics
import Testing

/// Plain-text training logs (`python train.py > train.log`): Keras `model.fit` output, Lightning's
/// progress bar, torchtune's DiskLogger, nanoGPT's and llm.c's printed lines. Each case of `Corpus/text` is a real run
/// (Scripts/make-text-logs.py) saved beside its own numbers: Keras's `history.csv`, Lightning's
/// `metrics.csv`, or the values the run printed at full precision (`truth.jsonl`).
@Suite("Plain-text training logs")
struct TextLogTests {
  static func path(_ name: String, _ file: String) -> String {
    Corpus.root!.appendingPathComponent("text/\(name)/\(file)").path
  }

  static var labels: [String: String] { CorpusTruth.labels(folder: "text") }

  /// One text file of a PyTorch case: the truth's keys it prints, under which series names,
  /// with which step offset, to which rounding (absolute, relative).
  struct TruthCase: Sendable, CustomTestStringConvertible {
    let name: String
    let file: String
    let series: [String: String]
    let offset: Int
    let rounding: [String: (Double, Double)]
    var testDescription: String { "\(name)/\(file)" }
  }

  static let truthCases: [TruthCase] = [
    TruthCase(name: "nanogpt-healthy", file: "console.log",
              series: ["loss": "loss", "train_loss": "train_loss", "val_loss": "eval_loss"], offset: 0,
              rounding: ["loss": (5e-5, 0), "train_loss": (5e-5, 0), "val_loss": (5e-5, 0)]),
    TruthCase(name: "nanogpt-diverged", file: "console.log",
              series: ["loss": "loss", "train_loss": "train_loss", "val_loss": "eval_loss"], offset: 0,
              rounding: ["loss": (5e-5, 0), "train_loss": (5e-5, 0), "val_loss": (5e-5, 0)]),
    TruthCase(name: "llmc-stagnation", file: "console.log",
              series: ["loss": "loss", "lr": "lr", "grad_norm": "grad_norm"], offset: 1,
              rounding: ["loss": (5e-7, 0), "lr": (0, 5e-3), "grad_norm": (5e-5, 0)]),
    TruthCase(name: "llmc-stagnation", file: "main.log",
              series: ["loss": "loss", "val_loss": "eval_loss"], offset: 0,
              rounding: ["loss": (5e-7, 0), "val_loss": (5e-7, 0)]),
    TruthCase(name: "torchtune-warmup-cosine", file: "log.txt",
              series: ["loss": "loss", "lr": "lr", "grad_norm": "grad_norm"], offset: 1,
              rounding: ["loss": (0, 0), "lr": (0, 0), "grad_norm": (0, 0)]),
  ]

  @Test("the corpus has its cases")
  func present() {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: Corpus.root!.appendingPathComponent("text").path)) ?? []
    #expect(names.filter { !$0.hasSuffix(".json") }.count >= 19)
    #expect(Self.labels.count >= 6)
    for c in Self.truthCases { #expect(FileManager.default.fileExists(atPath: Self.path(c.name, c.file))) }
  }

  @Test("a text log gives the values its run printed, at the printed steps and rounding", arguments: truthCases)
  func sameAsTruth(_ c: TruthCase) throws {
    let log = try LogReader.read(Self.path(c.name, c.file))
    #expect(log.format == "text")
    let text = try String(contentsOfFile: Self.path(c.name, "truth.jsonl"), encoding: .utf8)
    var expected: [String: TrainingLog.Series] = [:]
    for line in text.split(separator: "\n") {
      let row = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Double])
      let it = Int(try #require(row["it"]))
      for (key, value) in row where key != "it" {
        guard let name = c.series[key] else { continue }
        // llm.c prints its evaluations on lines without a step: only its main.log has them.
        let step = key == "val_loss" ? it : it + c.offset
        expected[name, default: .init()].append(step, value)
      }
    }
    #expect(Set(expected.keys).isSubset(of: Set(log.series.keys)))
    for (key, name) in c.series {
      guard let want = expected[name] else { continue }
      let got = try #require(log.series[name], "\(name)")
      #expect(got.steps == want.steps, "\(name) steps")
      let (absolute, relative) = c.rounding[key]!
      for (a, b) in zip(got.values, want.values) {
        #expect(abs(a - b) <= absolute + relative * abs(b) + 1e-15 * abs(b), "\(name): \(a) against \(b)")
      }
    }
  }

  /// Keras's CSVLogger rows: epoch (0-based) → column → value.
  static func history(_ name: String) throws -> [[String: Double]] {
    let text = try String(contentsOfFile: path(name, "history.csv"), encoding: .utf8)
    // Python's csv module ends its rows with \r\n.
    let rows = text.split(whereSeparator: \.isNewline).map { $0.split(separator: ",").map(String.init) }
    let header = rows[0]
    return rows.dropFirst().map { r in
      Dictionary(uniqueKeysWithValues: zip(header, r).compactMap { k, v in Double(v).map { (k, $0) } })
    }
  }

  static let kerasCases = ["keras-verbose1-adam", "keras-verbose1-sgd-diverged", "keras-verbose1-sgd-stagnation",
                           "keras-verbose2-adam-plateau", "keras-verbose2-sgd-diverged", "tfkeras-verbose1-adam",
                           "tfkeras-verbose2-sgd-stagnation"]

  @Test("Keras 3 and Keras 2 model.fit output gives the run's history.csv at the end of every epoch", arguments: kerasCases)
  func kerasSameAsHistory(_ name: String) throws {
    let log = try LogReader.read(Self.path(name, "console.log"))
    #expect(log.format == "keras-console")
    let rows = try Self.history(name)
    let eval = try #require(log.series["eval_loss"])
    #expect(eval.count == rows.count)
    let perEpoch = try #require(eval.steps.first)
    #expect(eval.steps == rows.indices.map { ($0 + 1) * perEpoch })
    func printed(_ x: Double) -> Double { abs(x) >= 1e-3 ? 5e-5 : 5e-5 * abs(x) }
    for (series, column) in [("eval_loss", "val_loss"), ("eval_accuracy", "val_accuracy"), ("lr", "learning_rate")] {
      guard let row0 = rows.first, row0[column] != nil else {
        #expect(log.series[series] == nil, "\(series)")
        continue
      }
      let s = try #require(log.series[series], "\(series)")
      #expect(s.steps == eval.steps, "\(series) steps")
      for (a, row) in zip(s.values, rows) { #expect(abs(a - row[column]!) <= printed(row[column]!), "\(series)") }
    }
    // The training loss, read back from Keras's running means: over each epoch whose last line is
    // a point, the points' mean weighted by their intervals is the epoch's mean, history.csv's.
    let loss = try #require(log.series["loss"])
    var checked = 0
    for (e, row) in rows.enumerated() {
      let lo = e * perEpoch
      let hi = (e + 1) * perEpoch
      let points = zip(loss.steps, loss.values).filter { $0.0 > lo && $0.0 <= hi }
      guard let last = points.last, last.0 == hi else { continue }
      var previous = lo
      var sum = 0.0
      for (s, v) in points {
        sum += Double(s - previous) * v
        previous = s
      }
      let mean = sum / Double(perEpoch)
      let want = row["loss"]!
      #expect(abs(mean - want) <= printed(want) + 1e-9 * abs(want), "epoch \(e): \(mean) against \(want)")
      checked += 1
    }
    #expect(checked >= rows.count / 2)
  }

  @Test("fastai's printed table gives its history.csv, to its 6 decimals",
        arguments: ["fastai-one-cycle", "fastai-sgd-diverged", "fastai-sgd-stagnation"])
  func fastaiSameAsHistory(_ name: String) throws {
    let log = try LogReader.read(Self.path(name, "console.log"))
    #expect(log.format == "text-table")
    let rows = try Self.history(name)
    for (series, column) in [("loss", "train_loss"), ("eval_loss", "valid_loss"), ("accuracy", "accuracy")] {
      let s = try #require(log.series[series], "\(series)")
      #expect(s.steps == rows.map { Int($0["epoch"]!) }, "\(series) steps")
      for (a, row) in zip(s.values, rows) { #expect(abs(a - row[column]!) <= 5e-7 + 1e-15 * abs(a), "\(series)") }
    }
  }

  @Test("a printed table: its step column, n of n/N, cells that are not numbers skipped, a new header")
  func table() throws {
    let log = try Self.read("""
      Namespace(lr=0.1)
      step   loss      lr       val_loss  time
      1/300  2.302585  1.0e-04  #na#      00:01
      2/300  2.250000  2.0e-04  #na#      00:01
      3/300  nan       3.0e-04  2.4       00:01
      """)
    #expect(log.format == "text-table")
    let loss = try #require(log.series["loss"])
    #expect(loss.steps == [1, 2, 3])
    #expect(loss.values[0] == 2.302585 && loss.values[2].isNaN)
    #expect(log.series["lr"]?.values == [1e-4, 2e-4, 3e-4])
    #expect(log.series["eval_loss"]?.steps == [3])
    #expect(log.series["time"] == nil)
    let chosen = try Self.read("""
      epoch  batch  loss
      0      10     2.0
      0      20     1.5
      """, stepKey: "batch")
    #expect(chosen.series["loss"]?.steps == [10, 20])
    #expect(chosen.series["epoch"]?.values == [0, 0])
    #expect(throws: LogError.self) { try Self.read("Take the next step with care\n2 apples and 3 pears\n4 apples and 5 pears\n") }
  }

  static let mmCases = ["mmengine-epoch-warmup-cosine", "mmengine-iter-warmup-diverged", "mmengine-iter-first-interval-blowup"]

  @Test("MMEngine's text log gives its own scalars.json; the work_dir is read", arguments: mmCases)
  func mmengineSameAsScalars(_ name: String) throws {
    let dir = Self.path(name, "work_dir")
    let text = try LogReader.read(dir + "/20260101_000000/20260101_000000.log")
    let json = try LogReader.read(dir + "/20260101_000000/vis_data/scalars.json")
    #expect(text.format == "mmengine-log")
    #expect(json.format == "mmengine-scalars")
    #expect(try LogReader.read(dir).format == "mmengine-log")
    for (series, absolute, relative) in [("loss", 5e-5, 0.0), ("lr", 0.0, 5e-5)] {
      let a = try #require(text.series[series])
      let b = try #require(json.series[series])
      #expect(a.steps == b.steps, "\(series) steps")
      for (x, y) in zip(a.values, b.values) { #expect(abs(x - y) <= absolute + relative * abs(y), "\(series): \(x) against \(y)") }
    }
    // Evaluations: the same values; the text log puts an epoch's at its end (epoch × iterations per
    // epoch), scalars.json (which gives the epoch as their step) at the training record before it.
    let a = try #require(text.series["eval_loss"])
    let b = try #require(json.series["eval_loss"])
    #expect(a.count == b.count && a.count >= 3)
    for (x, y) in zip(a.values, b.values) { #expect(abs(x - y) <= 5e-5) }
    for (s, t) in zip(a.steps, b.steps) { #expect(s >= t && s - t < 10) }
    if name.contains("epoch") { #expect(a.steps == (1...8).map { $0 * 47 }) } else { #expect(a.steps == b.steps) }
    #expect(json.series["loss"]!.steps.first! > 0)
  }

  @Test("Lightning's progress bar gives the run's metrics.csv, to tqdm's 3 digits", arguments: ["lightning-adam", "lightning-sgd-diverged"])
  func lightningSameAsMetrics(_ name: String) throws {
    let log = try LogReader.read(Self.path(name, "console.log"))
    let text = try String(contentsOfFile: Self.path(name, "csv/version_0/metrics.csv"), encoding: .utf8)
    let rows = text.split(whereSeparator: \.isNewline).map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
    let header = rows[0]
    var want: [String: TrainingLog.Series] = [:]
    for r in rows.dropFirst() {
      let row = Dictionary(uniqueKeysWithValues: zip(header, r))
      // The bar shows an update's loss once it is done: at `n` updates, Lightning's step n − 1.
      let step = Int(row["step"]!)! + 1
      for (column, series) in [("train_loss", "loss"), ("val_loss", "eval_loss")] {
        guard let v = row[column].flatMap(Double.init) else { continue }
        want[series, default: .init()].append(step, Double(String(format: "%.3g", v))!)
      }
    }
    for series in ["loss", "eval_loss"] {
      let got = try #require(log.series[series], "\(series)")
      let expected = try #require(want[series])
      #expect(got.steps == expected.steps, "\(series) steps")
      #expect(got.values == expected.values, "\(series) values")
    }
  }

  @Test("each labelled run gets its verdict from its text log", arguments: labels.keys.sorted())
  func verdicts(_ name: String) throws {
    let label = try #require(Self.labels[name])
    for file in ["console.log", "log.txt", "main.log"] where FileManager.default.fileExists(atPath: Self.path(name, file)) {
      let log = try LogReader.read(Self.path(name, file))
      #expect(Diagnoser.diagnose(log).first.map { "\($0.kind)" } == label, "\(file)")
    }
  }

  @Test("the torchtune run's logged lr is identified as the warmup-cosine it followed, as from its own values")
  func torchtuneSchedule() throws {
    let log = try LogReader.read(Self.path("torchtune-warmup-cosine", "log.txt"))
    let lr = try #require(log.series["lr"])
    #expect(lr.count == 300)
    #expect(lr.values.max()! <= 3e-3 && lr.values.max()! > 2.99e-3)
    let text = try String(contentsOfFile: Self.path("torchtune-warmup-cosine", "truth.jsonl"), encoding: .utf8)
    var truth = TrainingLog.Series()
    for line in text.split(separator: "\n") {
      let row = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Double])
      truth.append(Int(row["it"]!) + 1, row["lr"]!)
    }
    let read = try #require(ScheduleIdentifier.identify(lr))
    let own = try #require(ScheduleIdentifier.identify(truth))
    // The run's warmup-cosine (nanoGPT's formula, a floor of lr / 10) is not a native spec
    // exactly; the identifier names the family, and the same one from the run's own values.
    #expect(read.spec.contains("\"cosine\"") && read.spec.contains("\"warmup\""))
    #expect(read.spec == own.spec && read.offset == own.offset)
    #expect(read.maxError < 0.05)
  }

  // MARK: - Lines other writers print

  static func read(_ text: String, lossKey: String? = nil, lrKey: String? = nil, stepKey: String? = nil) throws -> TrainingLog {
    let p = temporaryPath("train.log")
    write(p, Array(text.utf8))
    return try LogReader.read(p, lossKey: lossKey, lrKey: lrKey, stepKey: stepKey)
  }

  @Test("fairseq's num_updates is the step, ahead of its epoch and progress")
  func fairseq() throws {
    let log = try Self.read("""
      2026-01-01 12:00:00 | INFO | train_inner | epoch 001:    100 / 1104 loss=9.213, nll_loss=9.1, ppl=551.2, wps=1234.5, ups=1.2, num_updates=100, lr=0.0005, gnorm=1.234, wall=30
      2026-01-01 12:00:10 | INFO | train_inner | epoch 001:    200 / 1104 loss=8.5, nll_loss=8.4, ppl=300.1, wps=1234.5, ups=1.2, num_updates=200, lr=0.0004, gnorm=0.9, wall=40
      """)
    #expect(log.series["loss"]?.steps == [100, 200])
    #expect(log.series["loss"]?.values == [9.213, 8.5])
    #expect(log.series["lr"]?.values == [0.0005, 0.0004])
    #expect(log.series["grad_norm"]?.values == [1.234, 0.9])
    #expect(log.series["epoch"]?.values == [1, 1])
  }

  @Test("an epoch and a progress fraction give the step: timm, PyTorch's examples, Lightning's bar")
  func epochProgress() throws {
    let timm = try Self.read("""
      Train: 0 [   0/50 (  0%)]  Loss: 2.304 (2.30)  Time: 0.512s,  500.1/s  (0.512s,  500.1/s)  LR: 1.000e-05  Data: 0.012 (0.012)
      Train: 0 [  49/50 (100%)]  Loss: 1.904 (2.10)  Time: 0.500s,  510.1/s  (0.506s,  505.1/s)  LR: 1.000e-05  Data: 0.012 (0.012)
      Train: 1 [   0/50 (  0%)]  Loss: 1.5 (1.50)  Time: 0.500s,  510.1/s  (0.506s,  505.1/s)  LR: 2.000e-05  Data: 0.012 (0.012)
      """)
    #expect(timm.series["loss"]?.steps == [0, 49, 50])
    #expect(timm.series["lr"]?.values == [1e-5, 1e-5, 2e-5])
    let mnist = try Self.read("Train Epoch: 1 [0/60000 (0%)]\tLoss: 2.301\nTrain Epoch: 1 [640/60000 (1%)]\tLoss: 1.9\n"
      + "Train Epoch: 2 [0/60000 (0%)]\tLoss: 0.5\n")
    #expect(mnist.series["loss"]?.steps == [0, 640, 60000])
    let bar = "Epoch 0:  50%|█████     | 2/4 [00:01<00:01,  1.50it/s, v_num=0, train_loss=2.300]\r"
      + "Epoch 0: 100%|██████████| 4/4 [00:02<00:00,  1.50it/s, v_num=0, train_loss=1.900]\r"
      + "Epoch 1:  50%|█████     | 2/4 [00:01<00:01,  1.50it/s, v_num=0, train_loss=1.500, val_loss=1.700]\n"
    let lightning = try Self.read(bar)
    #expect(lightning.series["loss"]?.steps == [2, 4, 6])
    #expect(lightning.series["loss"]?.values == [2.3, 1.9, 1.5])
    #expect(lightning.series["eval_loss"]?.steps == [6])
  }

  @Test("nan, inf and -inf are values; colour codes are skipped")
  func nonFinite() throws {
    let log = try Self.read("\u{1B}[32mStep 1\u{1B}[0m | loss:2.5 lr:0.001 grad_norm:inf \nStep 2 | loss:-inf lr:0.001\nStep 3 | loss:nan lr:0.001\n")
    let loss = try #require(log.series["loss"])
    #expect(loss.steps == [1, 2, 3])
    #expect(loss.values[0] == 2.5 && loss.values[1] == -.infinity && loss.values[2].isNaN)
    #expect(log.series["grad_norm"]?.values == [.infinity])
    #expect(Diagnoser.diagnose(log).first?.kind == .diverged)
  }

  @Test("nanoGPT's per-iteration loss keeps the name loss; its evaluations of the training loss stay apart")
  func lossOwner() throws {
    let log = try Self.read("""
      step 0: train loss 4.2000, val loss 4.2500
      iter 0: loss 4.1000, time 50.12ms, mfu -100.00%
      iter 1: loss 4.0000, time 50.12ms, mfu -100.00%
      iter 2: loss 3.9000, time 50.12ms, mfu -100.00%
      """)
    #expect(log.series["loss"]?.values == [4.1, 4.0, 3.9])
    #expect(log.series["train_loss"]?.values == [4.2])
    #expect(log.series["eval_loss"]?.values == [4.25])
    #expect(log.series["time"]?.values == [50.12, 50.12, 50.12])
  }

  @Test("--loss-key and --lr-key name a label as printed, words and all; --step-key chooses the step")
  func overrides() throws {
    let text = """
      step 0: train loss 4.2000, val loss 4.2500
      iter 0: loss 4.1000, time 50.12ms
      iter 1: loss 4.0000, time 50.12ms
      step 2: train loss 3.8000, val loss 3.9000
      iter 2: loss 3.9000, time 50.12ms
      """
    let chosen = try Self.read(text, lossKey: "train loss")
    #expect(chosen.series["loss"]?.values == [4.2, 3.8])
    #expect(chosen.series["loss (not --loss-key)"]?.values == [4.1, 4.0, 3.9])
    let noSuch = #expect(throws: LogError.self) { try Self.read(text, lossKey: "test loss") }
    #expect("\(noSuch!)".contains("--loss-key 'test loss'"))
    let lrText = "step 1 | loss 2.0 | base lr 0.1 | lr 0.5\nstep 2 | loss 1.5 | base lr 0.2 | lr 0.5\n"
    #expect(try Self.read(lrText).series["lr"]?.values == [0.5, 0.5])
    let baseLR = try Self.read(lrText, lrKey: "base lr")
    #expect(baseLR.series["lr"]?.values == [0.1, 0.2])
    #expect(baseLR.series["lr (not --lr-key)"]?.values == [0.5, 0.5])
    let byTime = try Self.read("epoch 1 loss 2.0 batch 10\nepoch 1 loss 1.5 batch 20\n", stepKey: "batch")
    #expect(byTime.series["loss"]?.steps == [10, 20])
    #expect(byTime.series["epoch"]?.values == [1, 1])
    #expect(throws: LogError.self) { try Self.read("epoch 1 loss 2.0\nepoch 2 loss 1.5\n", stepKey: "batch") }
  }

  @Test("Keras prints the last line of an epoch twice; the repeat is not a new point")
  func kerasRepeat() throws {
    let log = try Self.read("""
      Epoch 1/2
       5/10 - 0s 2ms/step - loss: 2.0000
      10/10 - 0s 2ms/step - loss: 1.5000
      10/10 - 1s 3ms/step - loss: 1.5000 - val_loss: 1.2000
      Epoch 2/2
      10/10 - 0s 2ms/step - loss: 0.9000 - val_loss: 1.1000
      """)
    let loss = try #require(log.series["loss"])
    #expect(loss.steps == [5, 10, 20])
    #expect(loss.values[0] == 2.0 && abs(loss.values[1] - 1.0) < 1e-12 && loss.values[2] == 0.9)
    #expect(log.series["eval_loss"]?.steps == [10, 20])
  }

  @Test("text that is not a training log is not read as one")
  func notALog() throws {
    for text in ["Step 1: unpack the archive\nStep 2: run make\nStep 3: done\n",
                 "step 1 accuracy 0.5\nstep 2 accuracy 0.6\n",
                 "loss 2.3\nloss 2.2\nloss 2.1\n"] {
      #expect(throws: LogError.self) { try Self.read(text) }
    }
  }
}
