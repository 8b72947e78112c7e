import ArgumentParser
import LRSchedules

/// `lrkit steps`: the Hugging Face Trainer's step accounting.
struct Steps: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "How many optimizer updates (and warmup updates) a Hugging Face Trainer run makes.",
    discussion: """
      Reproduces transformers 5: the per-process dataloader length with accelerate's even \
      batches, ceil over gradient accumulation, max_steps = ceil(epochs · updates per epoch) and \
      warmup ceil(max_steps · ratio) with the double-precision multiply (ceil(100 · 0.07) = 8). \
      Flags take Hugging Face's underscore spellings too (--max_steps, --per_device_train_batch_size).

      Examples:
        lrkit steps --num-samples 52002 --per-device-train-batch-size 4 --world-size 2 --gradient-accumulation-steps 8 --warmup-steps 0.03
        lrkit steps --max_steps -1 --num_train_epochs 3 --num-samples 1000 --format json
      """)

  /// Output formats.
  enum Format: String, ExpressibleByArgument, CaseIterable {
    case text, json
  }

  @Option(name: dashedAndUnderscored("num-samples"), parsing: .unconditional,
          help: "Training examples (the dataset length).")
  var numSamples: Int?

  @Option(name: dashedAndUnderscored("per-device-train-batch-size"), parsing: .unconditional,
          help: "per_device_train_batch_size.")
  var perDeviceTrainBatchSize: Int = 8

  @Option(name: dashedAndUnderscored("world-size"), parsing: .unconditional,
          help: "Data-parallel processes (GPUs).")
  var worldSize: Int = 1

  @Option(name: dashedAndUnderscored("gradient-accumulation-steps"), parsing: .unconditional,
          help: "gradient_accumulation_steps.")
  var gradientAccumulationSteps: Int = 1

  @Option(name: dashedAndUnderscored("num-train-epochs"), parsing: .unconditional,
          help: "num_train_epochs (may be fractional).")
  var numTrainEpochs: Double = 3

  @Option(name: dashedAndUnderscored("max-steps"), parsing: .unconditional,
          help: "max_steps (overrides epochs when positive; -1, the Trainer's default, derives it).")
  var maxSteps: Int = -1

  @Option(name: dashedAndUnderscored("warmup-steps"), parsing: .unconditional,
          help: "warmup_steps: a count, or a ratio of max_steps when below 1.")
  var warmupSteps: Double = 0

  @Option(name: dashedAndUnderscored("warmup-ratio"), parsing: .unconditional,
          help: "warmup_ratio in [0, 1] (transformers 4; used when --warmup-steps is 0).")
  var warmupRatio: Double?

  @Flag(name: dashedAndUnderscored("dataloader-drop-last"), help: "dataloader_drop_last.")
  var dataloaderDropLast = false

  @Option(name: .long, help: "Output format: text or json.")
  var format: Format = .text

  func run() throws { try runWritingToStandardOutput(execute) }

  /// Writes the accounting to `out`.
  func execute(_ out: inout Output) throws {
      let accounting = TrainerSteps(
        numSamples: numSamples, perDeviceBatchSize: perDeviceTrainBatchSize, worldSize: worldSize,
        gradientAccumulationSteps: gradientAccumulationSteps, numTrainEpochs: numTrainEpochs,
        maxSteps: maxSteps, warmupSteps: warmupSteps, warmupRatio: warmupRatio,
        dropLast: dataloaderDropLast)
      if warmupRatio != nil {
        Output.warn("--warmup-ratio: removed in transformers 5.2; "
          + (warmupSteps == 0 ? "read as transformers 4 did" : "ignored because --warmup-steps is set"))
      }
      let r: TrainerSteps.Result
      do {
        r = try accounting.resolve()
      } catch {
        throw CLIError(Self.flagMessage(error))
      }
      for w in r.warnings { Output.warn(Self.flagNames(w)) }
      switch format {
      case .json:
        var fields = [
          "\"num_update_steps_per_epoch\":\(r.updatesPerEpoch)",
          "\"max_steps\":\(r.maxSteps)",
          "\"num_warmup_steps\":\(r.warmupSteps)",
          "\"num_train_epochs\":\(r.numTrainEpochs.map(String.init) ?? "null")",
          "\"total_train_batch_size\":\(r.totalBatchSize)",
        ]
        if let b = r.batchesPerProcess { fields.insert("\"batches_per_process\":\(b)", at: 0) }
        if r.numTrainEpochs == nil {
          fields.append("\"num_train_epochs_note\":\"unbounded (transformers: sys.maxsize): the Trainer loops over the data until max_steps\"")
        }
        out.write("{" + fields.joined(separator: ",") + "}\n")
      case .text:
        if let b = r.batchesPerProcess { out.write("batches per process per epoch  \(b)\n") }
        out.write("""
          updates per epoch              \(r.updatesPerEpoch)
          max_steps                      \(r.maxSteps)
          warmup steps                   \(r.warmupSteps)
          epochs                         \(r.numTrainEpochs.map(String.init) ?? "unbounded: the Trainer loops over the data until max_steps")
          total train batch size         \(r.totalBatchSize)

          """)
      }
  }

  /// The error of `TrainerSteps` with its field written as the flag that sets it.
  static func flagMessage(_ error: ScheduleError) -> String { flagNames(error.description) }

  /// Replaces 'field' names with `--flag` names in a message.
  static func flagNames(_ message: String) -> String {
    var out = message
    for field in ["per_device_train_batch_size", "gradient_accumulation_steps", "num_train_epochs",
                  "warmup_steps", "warmup_ratio", "max_steps", "num_samples", "world_size"] {
      out = out.replacingOccurrences(of: "field '\(field)'",
                                     with: "--\(field.replacingOccurrences(of: "_", with: "-"))")
    }
    return out
  }
}
