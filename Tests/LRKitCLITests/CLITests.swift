import LRSupport
import Foundation
import Testing
import LRTraining

@testable import LRKitCLI
@testable import LRSchedules

/// Runs `lrkit` in process and returns what it printed, or the one-line error it reported.
func lrkit(_ arguments: [String]) -> (output: String, error: String?) {
  do {
    let command = try LRKitCommand.parseAsRoot(arguments)
    var out = Output(capturing: true)
    switch command {
    case let c as CurveCommand: try c.execute(&out)
    case let s as Steps: try s.execute(&out)
    case let t as Types: try t.execute(&out)
    case let d as Diagnose: _ = try d.execute(&out)
    case let p as Plot: try p.execute(&out)
    default: Issue.record("unexpected command \(type(of: command))")
    }
    return (out.text, nil)
  } catch let e as ScheduleError {
    return ("", e.description)
  } catch let e as CLIError {
    return ("", e.description)
  } catch {
    return ("", LRKitCommand.message(for: error))
  }
}

/// Writes `text` to a temporary file and returns its path.
func temporaryFile(_ text: String, suffix: String = ".json") -> String {
  let path = FileManager.default.temporaryDirectory
    .appendingPathComponent("lrkit-test-\(UUID().uuidString)\(suffix)").path
  _ = FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
  return path
}

@Suite("lrkit curve")
struct CurveCommandTests {
  @Test("CSV has step,lr and shortest round-trip numbers")
  func csv() throws {
    let spec = temporaryFile(#"{"type": "torch.optim.lr_scheduler.StepLR", "lr": 0.1, "step_size": 2, "gamma": 0.5}"#)
    let (out, err) = lrkit(["curve", "--spec", spec, "--steps", "5"])
    #expect(err == nil)
    #expect(out == "step,lr\n0,0.1\n1,0.1\n2,0.05\n3,0.05\n4,0.025\n")
  }

  @Test("schedules that drive momentum add a momentum column")
  func momentumColumn() throws {
    let spec = temporaryFile(#"{"type": "torch.optim.lr_scheduler.OneCycleLR", "max_lr": 0.01, "total_steps": 10}"#)
    let (out, err) = lrkit(["curve", "--spec", spec])
    #expect(err == nil)
    let lines = out.split(separator: "\n")
    #expect(lines.first == "step,lr,momentum")
    #expect(lines.count == 11)
    #expect(lines[3] == "2,0.01,0.85")
  }

  @Test("the default length is the schedule's own")
  func naturalLength() {
    let spec = temporaryFile(#"{"type": "cosine", "lr": 1, "steps": 7}"#)
    let (out, _) = lrkit(["curve", "--spec", spec])
    #expect(out.split(separator: "\n").count == 8)
  }

  @Test("JSON output holds the curve and the warmup end")
  func json() throws {
    let spec = temporaryFile(#"{"type": "cosine", "lr": 1, "steps": 10, "warmup": 2}"#)
    let (out, err) = lrkit(["curve", "--spec", spec, "--format", "json"])
    #expect(err == nil)
    let value = try JSONValue.parse(out)
    #expect(value["warmup_steps"] == .number(2, isInteger: true))
    guard case .array(let lr)? = value["lr"] else {
      Issue.record("no lr array")
      return
    }
    #expect(lr.count == 10)
    #expect(lr[2] == .number(1, isInteger: false))
  }

  @Test("a DeepSpeed ds_config.json is drawn with DeepSpeed's numbers")
  func deepSpeedConfig() throws {
    let example = "../../Examples/deepspeed-config.json".resolvedFromTests
    let (out, err) = lrkit(["curve", "--spec", example, "--format", "csv"])
    #expect(err == nil)
    let rows = out.split(separator: "\n").dropFirst().map { $0.split(separator: ",") }
    #expect(rows.count == 10000)  // total_num_steps
    // DeepSpeed 0.19.8's WarmupDecayLR under its engine: updates 0, 1, 2, 499, 500, 5000, 9999.
    let peer: [(Int, Double)] = [(0, 0.0), (1, 0.0), (2, 3.346054181932694e-06), (499, 2.9990335660886577e-05),
                                 (500, 3e-05), (5000, 1.579263157894737e-05), (9999, 6.315789473684211e-09)]
    for (k, value) in peer {
      #expect(Double(String(rows[k][1])) == value, "update \(k)")
    }
    let refused = lrkit(["curve", "--spec", example, "--num-samples", "100"]).error ?? ""
    #expect(refused.contains("--num-samples"))
  }

  @Test("a Trainer config's deepspeed path is read from the current directory or beside the config")
  func trainerDeepSpeedPath() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lrkit-ds-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let ds = #"{"scheduler": {"type": "WarmupDecayLR", "params": {"warmup_min_lr": "auto", "warmup_max_lr": "auto", "warmup_num_steps": "auto", "total_num_steps": "auto"}}}"#
    try ds.write(to: dir.appendingPathComponent("ds_z2.json"), atomically: true, encoding: .utf8)
    let yaml = "learning_rate: 1.0e-3\nwarmup_steps: 3\nnum_train_epochs: 2\nper_device_train_batch_size: 4\nnum_samples: 40\ndeepspeed: ds_z2.json\n"
    let spec = dir.appendingPathComponent("train.yaml")
    try yaml.write(to: spec, atomically: true, encoding: .utf8)
    let (out, err) = lrkit(["curve", "--spec", spec.path, "--format", "csv"])
    #expect(err == nil)
    // Trainer.train() with DeepSpeed 0.19.8 on this config: updates 0–3, then 5/17 of the way down.
    let lr = out.split(separator: "\n").dropFirst().map { Double(String($0.split(separator: ",")[1]))! }
    #expect(lr.count == 20)
    #expect(Array(lr.prefix(4)) == [0.0, 0.0, 0.0006309297535714573, 0.001])
    #expect(lr[5] == 0.0009411764705882353)
    try "learning_rate: 1.0e-3\ndeepspeed: missing.json\n".write(to: spec, atomically: true, encoding: .utf8)
    let missing = lrkit(["curve", "--spec", spec.path]).error ?? ""
    #expect(missing.contains("train.yaml") && missing.contains("'deepspeed'") && missing.contains("missing.json"))
  }

  @Test("the terminal chart has axes and marks the warmup end")
  func terminalChart() {
    let (out, err) = lrkit(["curve", "--spec", "../../Examples/warmup-cosine.json".resolvedFromTests,
                            "--format", "term"])
    #expect(err == nil)
    #expect(out.contains("warmup end at 500"))
    #expect(out.contains("└"))
    #expect(out.contains("┤"))
    #expect(out.contains("╀"))
  }

  @Test("YAML specs and Hugging Face training configs are read")
  func trainingConfig() throws {
    let config = temporaryFile("""
      learning_rate: 1.0e-3
      lr_scheduler_type: linear
      warmup_steps: 0.1
      num_train_epochs: 1
      per_device_train_batch_size: 10
      num_samples: 100
      output_dir: out
      """, suffix: ".yaml")
    let (out, err) = lrkit(["curve", "--spec", config])
    #expect(err == nil)
    let lines = out.split(separator: "\n")
    #expect(lines.count == 11)  // header + max_steps = 10 updates
    #expect(lines[1] == "0,0.0")
    #expect(lines[2] == "1,0.001")  // warmup ceil(10 · 0.1) = 1 step
  }

  /// Found with real configs (the alignment-handbook recipes): they train by epochs
  /// (`max_steps: -1`), so their curve needs the dataset length, which only an edit of the file
  /// could give.
  @Test("--num-samples and --world-size give a Trainer config its dataset length and processes")
  func trainerConfigFlags() throws {
    let config = temporaryFile("""
      # Model arguments
      model_name_or_path: mistralai/Mistral-7B-v0.1
      torch_dtype: bfloat16
      chat_template: "{% for message in messages %}\\n{{ '<|user|>\\n' + message['content'] + eos_token }}{% endfor %}"
      dataset_mixture:
        datasets:
          - id: HuggingFaceH4/ultrachat_200k
            split: train_sft
            weight: 1.0
      bf16: true
      gradient_accumulation_steps: 1
      gradient_checkpointing_kwargs:
        use_reentrant: False
      learning_rate: 2.0e-05
      lr_scheduler_type: cosine
      max_steps: -1
      num_train_epochs: 1
      per_device_train_batch_size: 16
      report_to:
      - wandb
      warmup_ratio: 0.1
      """, suffix: ".yaml")
    let missing = lrkit(["curve", "--spec", config]).error
    #expect(missing?.contains("field 'max_steps' = -1") == true && missing?.hasSuffix("give the dataset length with --num-samples N") == true,
            "\(missing ?? "accepted")")
    // ceil(207865 / 16) = 12992 batches; on 8 processes 1624 updates, warmup ceil(162.4) = 163.
    let (eight, e8) = lrkit(["curve", "--spec", config, "--num-samples", "207865", "--world-size", "8"])
    #expect(e8 == nil)
    #expect(eight.split(separator: "\n").count == 1 + 1624)
    #expect(eight.split(separator: "\n")[164] == "163,2e-05")
    let (one, e1) = lrkit(["curve", "--spec", config, "--num-samples", "207865"])
    #expect(e1 == nil && one.split(separator: "\n").count == 1 + 12992)
    // The flags override the file's own values.
    let withLength = temporaryFile(try String(contentsOfFile: config, encoding: .utf8) + "\nnum_samples: 160\nworld_size: 2\n", suffix: ".yaml")
    #expect(lrkit(["curve", "--spec", withLength]).output.split(separator: "\n").count == 1 + 5)
    #expect(lrkit(["curve", "--spec", withLength, "--num-samples", "320"]).output.split(separator: "\n").count == 1 + 10)
    #expect(lrkit(["curve", "--spec", withLength, "--world-size", "1"]).output.split(separator: "\n").count == 1 + 10)
    // Only a Trainer config has a dataset.
    let native = try #require(lrkit(["curve", "--spec", "../../Examples/warmup-cosine.json".resolvedFromTests, "--num-samples", "5"]).error)
    #expect(native.hasPrefix("--num-samples applies to a Hugging Face / TRL Trainer config; spec '"), "\(native)")
    #expect(lrkit(["curve", "--spec", "../../Examples/warmup-cosine.json".resolvedFromTests, "--world-size", "2"]).error?
      .hasPrefix("--world-size applies to") == true)
  }

  /// Found with a real timm train.yaml (an ImageNet MobileOne recipe with sched_on_updates):
  /// it could only be drawn after adding updates_per_epoch to the file.
  @Test("--updates-per-epoch and --world-size give a timm args.yaml what train.py learns at run time")
  func timmArgsFlags() throws {
    let args = temporaryFile("""
      batch_size: 256       # single GPU
      epochs: 3
      grad_accum_steps: 1
      lr: null              # from lr_base and the global batch
      lr_base: 0.1
      lr_base_scale: ''
      lr_base_size: 256
      min_lr: 1e-6
      model_kwargs: {variant: s1}
      opt: sgd
      sched: cosine
      sched_on_updates: true
      warmup_epochs: 1
      warmup_lr: 1e-5
      warmup_prefix: true
      """, suffix: ".yaml")
    let missing = try #require(lrkit(["curve", "--spec", args]).error)
    #expect(missing.contains("field 'updates_per_epoch'") && missing.hasSuffix("give it with --updates-per-epoch N"), "\(missing)")
    // 3 epochs + 1 warmup epoch (a prefix) of 10 updates each.
    let (out, err) = lrkit(["curve", "--spec", args, "--updates-per-epoch", "10"])
    #expect(err == nil && out.split(separator: "\n").count == 1 + 40, "\(err ?? "")")
    #expect(out.split(separator: "\n")[1] == "0,1e-05")
    // Two processes double the global batch: the lr derived from lr_base doubles.
    let two = lrkit(["curve", "--spec", args, "--updates-per-epoch", "10", "--world-size", "2"]).output
    #expect(two.split(separator: "\n")[11] == "10,0.2", "\(two.split(separator: "\n").prefix(12))")
    #expect(out.split(separator: "\n")[11] == "10,0.1")
    #expect(lrkit(["curve", "--spec", args, "--num-samples", "5"]).error?
      .hasPrefix("--num-samples applies to a Hugging Face / TRL Trainer config") == true)
    let native = "../../Examples/warmup-cosine.json".resolvedFromTests
    #expect(lrkit(["curve", "--spec", native, "--updates-per-epoch", "5"]).error?.hasPrefix("--updates-per-epoch applies to a timm args.yaml") == true)
  }

  @Test("plateau specs need metrics, and use them")
  func plateau() {
    let spec = temporaryFile(#"{"type": "torch.optim.lr_scheduler.ReduceLROnPlateau", "lr": 1, "patience": 1, "factor": 0.5}"#)
    #expect(lrkit(["curve", "--spec", spec, "--steps", "5"]).error?.contains("--metrics is required") == true)
    let metrics = temporaryFile("1\n1\n1\n1\n", suffix: ".txt")
    let (out, err) = lrkit(["curve", "--spec", spec, "--steps", "5", "--metrics", metrics])
    #expect(err == nil)
    #expect(out == "step,lr\n0,1.0\n1,1.0\n2,1.0\n3,0.5\n4,0.5\n")
  }

  struct ErrorCase: Sendable, CustomTestStringConvertible {
    let spec: String
    let expected: String
    var testDescription: String { expected }
  }

  static let errorCases: [ErrorCase] = [
    .init(spec: #"{"type": "torch.optim.lr_scheduler.StepLR", "lr": 0.1, "step_size": 2, "gama": 0.5}"#,
          expected: "unknown field 'gama' for torch.optim.lr_scheduler.StepLR (did you mean 'gamma'?)"),
    .init(spec: #"{"type": "torch.optim.lr_scheduler.StepLR", "lr": 0.1}"#,
          expected: "missing field 'step_size'"),
    .init(spec: #"{"type": "torch.optim.lr_scheduler.StepLR", "lr": "0.1", "step_size": 2}"#,
          expected: "field 'lr': expected a number, found a string"),
    .init(spec: #"{"type": "cosine", "lr": -0.1, "steps": 10}"#,
          expected: "field 'lr' = -0.1: a learning rate cannot be negative"),
    .init(spec: #"{"type": "cosine", "lr": 0.1, "steps": 10"#, expected: "invalid JSON at line 1"),
    .init(spec: #"{"type": "torch.optim.lr_scheduler.CosineAnnealingLR", "lr": 0.1, "T_max": 0}"#,
          expected: "field 'T_max'"),
    .init(spec: #"{"type": "torch.optim.lr_scheduler.LinearLR", "lr": 0.1, "start_factor": 0}"#,
          expected: "Starting multiplicative factor expected to be greater than 0"),
    .init(spec: #"{"type": "torch.optim.lr_scheduler.OneCycleLR", "max_lr": 0.1, "total_steps": 10, "pct_start": 1}"#,
          expected: "field 'pct_start': expected a real number"),
    .init(spec: #"{"type": "torch.optim.lr_scheduler.SequentialLR", "lr": 0.1, "schedulers": [{"type": "torch.optim.lr_scheduler.StepLR", "step_size": "2"}], "milestones": []}"#,
          expected: "field 'schedulers[0].step_size': expected an integer, found a string"),
    .init(spec: #"{"type": "cosin", "lr": 1, "steps": 3}"#,
          expected: "unknown schedule type 'cosin' (did you mean 'cosine'?)"),
    .init(spec: #"{"lr": 1}"#, expected: "missing field 'type'"),
    .init(spec: #"[1, 2]"#, expected: "field 'spec': expected an object"),
  ]

  @Test("bad specs get one line naming the file and the field", arguments: errorCases)
  func errors(_ c: ErrorCase) {
    let path = temporaryFile(c.spec)
    let (_, err) = lrkit(["curve", "--spec", path, "--steps", "3"])
    #expect(err?.contains(c.expected) == true, "got: \(err ?? "no error")")
    #expect(err?.contains("spec '\(path)'") == true, "got: \(err ?? "no error")")
    #expect(err?.contains("\n") != true)
  }

  @Test("a spec file's errors name it in every command that reads one")
  func errorsNameTheFileEverywhere() {
    let bad = temporaryFile(#"{"type": "cosine", "lr": -0.1, "steps": 10}"#)
    let broken = temporaryFile(#"{"type": "cosine", "lr": 0.1,"#)
    let log = temporaryFile("step,loss\n0,2.0\n1,1.5\n2,1.2\n", suffix: ".csv")
    for (args, file) in [(["diagnose", log, "--schedule", bad], bad), (["diagnose", log, "--schedule", broken], broken),
                         (["plot", bad], bad), (["plot", broken], broken)] {
      let err = lrkit(args).error
      #expect(err?.contains("spec '\(file)'") == true, "\(args): \(err ?? "no error")")
    }
  }

  @Test("one-cycle refuses to step past total_steps + 1 like PyTorch")
  func oneCyclePastEnd() {
    let spec = temporaryFile(#"{"type": "torch.optim.lr_scheduler.OneCycleLR", "max_lr": 0.1, "total_steps": 10}"#)
    #expect(lrkit(["curve", "--spec", spec, "--steps", "11"]).error == nil)
    let err = lrkit(["curve", "--spec", spec, "--steps", "12"]).error
    #expect(err?.contains("Tried to step 11 times. The specified number of total steps is 10") == true)
  }

  @Test("--width and --height outside 1...4096 are refused (a huge one overflowed)")
  func chartSize() {
    let spec = temporaryFile(#"{"type": "cosine", "lr": 0.1, "steps": 10}"#)
    #expect(lrkit(["curve", "--spec", spec, "--format", "term", "--width", "4096", "--height", "2"]).error == nil)
    for (w, h) in [("\(Int.max)", "16"), ("72", "\(Int.max)"), ("0", "16"), ("72", "4097")] {
      let err = lrkit(["curve", "--spec", spec, "--format", "term", "--width", w, "--height", h]).error
      #expect(err?.contains("--width and --height must be in 1...4096") == true, "\(w)×\(h): \(err ?? "no error")")
    }
  }

  @Test("too few metric values for a plateau names the metrics file, not the spec")
  func metricsFileNamed() {
    let spec = temporaryFile(#"{"type": "plateau", "lr": 0.1, "factor": 0.5, "patience": 2}"#)
    let metrics = temporaryFile("1\n2\n", suffix: ".txt")
    let err = lrkit(["curve", "--spec", spec, "--metrics", metrics, "--steps", "50"]).error
    #expect(err?.hasPrefix("metrics '\(metrics)': field 'metrics' = 2 values") == true, "\(err ?? "no error")")
    let enough = temporaryFile((0..<49).map { "\(1.0 / Double($0 + 1))" }.joined(separator: "\n"), suffix: ".txt")
    #expect(lrkit(["curve", "--spec", spec, "--metrics", enough, "--steps", "50"]).error == nil)
  }

  @Test("a missing spec file is reported by name")
  func missingFile() {
    #expect(lrkit(["curve", "--spec", "/nonexistent/spec.json"]).error == "spec '/nonexistent/spec.json': no such file")
  }
}

@Suite("lrkit steps")
struct StepsCommandTests {
  /// These trapped on integer overflow (found by trying counts near Int.max by hand).
  @Test("counts near Int.max: an answer or one error naming the field, never a trap")
  func hugeCounts() throws {
    let max = "\(Int.max)"
    let ok = lrkit(["steps", "--num-samples", max, "--per-device-train-batch-size", "1", "--max-steps", "10",
                    "--format", "json"])
    #expect(ok.error == nil, "\(ok.error ?? "")")
    let v = try JSONValue.parse(ok.output)
    #expect(v["batches_per_process"] == .number(Double(Int.max), isInteger: true))
    let odd = lrkit(["steps", "--num-samples", max, "--per-device-train-batch-size", "2", "--max-steps", "10",
                     "--format", "json"])
    #expect(try JSONValue.parse(odd.output)["batches_per_process"] == .number(Double(Int.max / 2 + 1), isInteger: true))
    let one = lrkit(["steps", "--num-samples", "1000", "--per-device-train-batch-size", max, "--format", "json"])
    #expect(try JSONValue.parse(one.output)["batches_per_process"] == .number(1, isInteger: true))
    for flags in [["--per-device-train-batch-size", "8", "--world-size", max],
                  ["--per-device-train-batch-size", "8", "--gradient-accumulation-steps", max],
                  ["--per-device-train-batch-size", "3", "--world-size", "3037000500", "--gradient-accumulation-steps", "3037000500"]] {
      let (_, err) = lrkit(["steps", "--num-samples", "1000"] + flags)
      #expect(err?.contains("--per-device-train-batch-size") == true, "\(flags): \(err ?? "no error")")
      #expect(err?.contains("past 2^63") == true, "\(flags): \(err ?? "no error")")
    }
  }

  @Test("the accelerate and gradient-accumulation example")
  func example() throws {
    let (out, err) = lrkit(["steps", "--num-samples", "1000", "--per-device-train-batch-size", "8",
                            "--world-size", "2", "--gradient-accumulation-steps", "4",
                            "--num-train-epochs", "3", "--format", "json"])
    #expect(err == nil)
    let v = try JSONValue.parse(out)
    #expect(v["num_update_steps_per_epoch"] == .number(16, isInteger: true))
    #expect(v["max_steps"] == .number(48, isInteger: true))
    #expect(v["num_train_epochs"] == .number(3, isInteger: true))
  }

  @Test("warmup ratios use the double-precision multiply: ceil(100 · 0.07) = 8")
  func ieeeTrap() throws {
    let (out, _) = lrkit(["steps", "--max-steps", "100", "--warmup-steps", "0.07", "--format", "json"])
    #expect(try JSONValue.parse(out)["num_warmup_steps"] == .number(8, isInteger: true))
  }

  @Test("without a dataset size max_steps is required")
  func needsMaxSteps() {
    #expect(lrkit(["steps"]).error?.contains("max_steps") == true)
  }
}

extension String {
  /// A path relative to this test file's directory.
  var resolvedFromTests: String {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(self)
      .standardized.path
  }
}

@Suite("lrkit steps: flags as Hugging Face users type them")
struct StepsFlagTests {
  @Test("negative numbers and underscore spellings are accepted")
  func negativesAndUnderscores() throws {
    let dashed = lrkit(["steps", "--num-samples", "1000", "--max-steps", "-1", "--format", "json"])
    #expect(dashed.error == nil)
    #expect(try JSONValue.parse(dashed.output)["max_steps"] == .number(375, isInteger: true))
    let underscored = lrkit(["steps", "--num_samples", "1000", "--max_steps", "-1",
                             "--per_device_train_batch_size", "8", "--gradient_accumulation_steps", "1",
                             "--num_train_epochs", "3", "--warmup_steps", "0.1", "--world_size", "1",
                             "--format", "json"])
    #expect(underscored.error == nil)
    #expect(try JSONValue.parse(underscored.output)["max_steps"] == .number(375, isInteger: true))
    #expect(try JSONValue.parse(underscored.output)["num_warmup_steps"] == .number(38, isInteger: true))
  }

  @Test("out-of-range values are errors naming the flag, not parse errors")
  func rangeErrors() {
    let ratio = lrkit(["steps", "--num-samples", "100", "--warmup-ratio", "1.5"])
    #expect(ratio.error?.contains("--warmup-ratio") == true, "\(ratio.error ?? "accepted")")
    let batch = lrkit(["steps", "--num-samples", "100", "--per-device-train-batch-size", "-3"])
    #expect(batch.error?.contains("--per-device-train-batch-size") == true, "\(batch.error ?? "accepted")")
    let warmup = lrkit(["steps", "--num-samples", "100", "--warmup-steps", "-1"])
    #expect(warmup.error?.contains("--warmup-steps") == true, "\(warmup.error ?? "accepted")")
  }

  @Test("without a dataset size the epochs are reported as unbounded, not 0")
  func unknownEpochs() throws {
    let json = lrkit(["steps", "--max-steps", "1000", "--format", "json"])
    let v = try JSONValue.parse(json.output)
    #expect(v["num_train_epochs"] == .null)
    #expect(v["max_steps"] == .number(1000, isInteger: true))
    let text = lrkit(["steps", "--max-steps", "1000"])
    #expect(text.output.contains("unbounded"))
    #expect(!text.output.contains("epochs                         0"))
  }
}

@Suite("lrkit train: flags and run directories")
struct TrainFlagTests {
  func parseError(_ arguments: [String]) -> String? {
    do {
      _ = try LRKitCommand.parseAsRoot(arguments)
      return nil
    } catch {
      return LRKitCommand.message(for: error)
    }
  }

  @Test("negative and out-of-range values are range errors naming the flag")
  func rangeErrors() {
    for (flags, flag) in [(["--lr", "-0.1"], "--lr"), (["--dropout", "1.5"], "--dropout"),
                          (["--beta2", "1"], "--beta2"), (["--steps", "0"], "--steps"),
                          (["--batch-size", "-4"], "--batch-size"), (["--clip", "-1"], "--clip")] {
      let message = parseError(["train"] + flags)
      #expect(message?.contains(flag) == true, "\(flags): \(message ?? "accepted")")
    }
    #expect(parseError(["train", "--lr", "0.01"]) == nil)
  }

  @Test("--shards and --threads: range errors name the flag; --shards is for the GPT")
  func shardAndThreadFlags() throws {
    for (flags, flag) in [(["--shards", "0"], "--shards"), (["--threads", "0"], "--threads"),
                          (["--shards", "5000"], "--shards")] {
      let message = parseError(["train", "--task", "shakespeare"] + flags)
      #expect(message?.contains(flag) == true, "\(flags): \(message ?? "accepted")")
    }
    let digits = try #require(try LRKitCommand.parseAsRoot(["train", "--shards", "4"]) as? Train)
    #expect(throws: CLIError.self) { try digits.makeConfig() }
    let gpt = try #require(try LRKitCommand.parseAsRoot(["train", "--task", "shakespeare", "--shards", "4"]) as? Train)
    #expect(try gpt.makeConfig().shards == 4)
    let plain = try #require(try LRKitCommand.parseAsRoot(["train", "--task", "shakespeare"]) as? Train)
    #expect(try plain.makeConfig().shards == 2)
  }

  @Test("lrkit train --threads changes nothing in the run; --shards changes its last bits")
  func threadsAndShardsEndToEnd() throws {
    let previous = GEMM.threads
    defer { GEMM.threads = previous }
    func log(_ extra: [String]) throws -> String {
      let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lrkit-shards-\(UUID().uuidString)").path
      let command = try LRKitCommand.parseAsRoot(
        ["train", "--task", "shakespeare", "--layers", "1", "--width", "16", "--heads", "2", "--context", "16",
         "--batch-size", "6", "--steps", "3", "--eval-every", "0", "--eval-batches", "1", "--quiet", "--out", dir] + extra)
      try #require(command as? Train).run()
      let config = try String(contentsOfFile: dir + "/config.json", encoding: .utf8)
      #expect(config.contains("\"shards\":\(extra.contains("--shards") ? extra[extra.firstIndex(of: "--shards")! + 1] : "2")"))
      return try String(contentsOfFile: dir + "/log.jsonl", encoding: .utf8)
    }
    let one = try log(["--shards", "3", "--threads", "1"])
    #expect(try log(["--shards", "3", "--threads", "2"]) == one)
    #expect(try log(["--shards", "3", "--threads", "4"]) == one)
    #expect(try log(["--threads", "1"]) != one)
  }

  @Test("an empty --hidden is refused")
  func emptyHidden() throws {
    let command = try LRKitCommand.parseAsRoot(["train", "--hidden", ""])
    let train = try #require(command as? Train)
    #expect(throws: CLIError.self) { try train.makeConfig() }
  }

  @Test("without --out the run goes to runs/TASK-DATE-TIME")
  func defaultRunDirectory() throws {
    let command = try LRKitCommand.parseAsRoot(["train", "--task", "shakespeare"])
    let train = try #require(command as? Train)
    let dir = train.defaultRunDirectory()
    #expect(dir.hasPrefix("runs/shakespeare-"))
    #expect(dir.count == "runs/shakespeare-20261202-171500".count)
  }
}

@Suite("lrkit report --merge")
struct MergeTests {
  @Test("an unreadable shard file is named in the error")
  func namesTheFile() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lrkit-merge-\(UUID().uuidString)")
    let runs = dir.appendingPathComponent("runs")
    try FileManager.default.createDirectory(at: runs, withIntermediateDirectories: true)
    try #"{"id": "x", "labels": {}, "status": "completed", "loss": [NaN]}"#
      .write(to: runs.appendingPathComponent("bad.json"), atomically: true, encoding: .utf8)
    do {
      _ = try loadRuns([dir.path])
      Issue.record("a file with a bare NaN was accepted")
    } catch {
      #expect("\(error)".contains("bad.json"), "\(error)")
      #expect(!"\(error)".contains("spec"), "\(error)")
    }
  }
}
