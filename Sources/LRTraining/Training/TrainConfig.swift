import LRSupport
import LRSchedules

/// Everything that defines a training run, seed included; saved as the run's `config.json`.
public struct TrainConfig: Sendable, Equatable {
  /// The built-in tasks.
  public enum Task: String, Sendable, CaseIterable {
    /// The MLP classifier on handwritten digits.
    case digits
    /// The character GPT on tiny Shakespeare.
    case shakespeare
  }

  /// The task.
  public var task: Task
  /// MLP hidden widths (digits).
  public var hidden: [Int] = [128]
  /// GPT shape (shakespeare).
  public var gpt = GPTConfig()
  /// The optimizer and its hyperparameters.
  public var optimizer = OptimizerConfigurationJSON.default
  /// The schedule spec; nil means a constant learning rate `lr`.
  package var schedule: JSONValue?

  /// The schedule spec as JSON text (nil: a constant learning rate `lr`).
  public var scheduleText: String? { schedule?.serialized() }

  /// Sets the schedule from a spec's JSON text (nil: a constant learning rate `lr`).
  /// - Throws: `ScheduleError.malformedInput` when the text is not JSON.
  public mutating func setSchedule(_ text: String?) throws(ScheduleError) {
    schedule = try text.map { (t: String) throws(ScheduleError) -> JSONValue in try ScheduleSpec.parseJSON(t) }
  }
  /// The learning rate of the constant schedule used when `schedule` is nil.
  public var lr: Double = 1e-3
  /// Optimizer updates.
  public var steps: Int = 1000
  /// Examples (digits) or sequences (shakespeare) per update.
  public var batchSize: Int = 64
  /// Shards each GPT batch is cut into (shakespeare; at most the batch): each shard runs its own
  /// forward and backward pass and the shard gradients are added as a fixed pairwise tree.
  /// Part of the run's arithmetic like the batch size: changing it changes the last bits of a
  /// run, while the thread count never does. More shards than cores lets more cores work on
  /// a batch (see docs/scaling.md).
  public var shards: Int = GPTWorkspace.defaultShards
  /// The seed for initialisation, batches and dropout.
  public var seed: UInt64 = 0
  /// Updates between evaluations (0: only at the end).
  public var evalEvery: Int = 100
  /// Validation batches per evaluation (shakespeare).
  public var evalBatches: Int = 20
  /// Clip gradients to this global norm (nil: no clipping).
  public var clipNorm: Double?
  /// Updates between checkpoints (0: only at the end and on interruption).
  public var checkpointEvery: Int = 0

  /// A configuration for `task` with its defaults.
  public init(task: Task) {
    self.task = task
    if task == .shakespeare { batchSize = 12 }
  }
}

/// The optimizer settings of a run, as text-friendly values.
public struct OptimizerConfigurationJSON: Sendable, Equatable {
  /// `sgd`, `adam`, `adamw` or `radam`.
  public var kind: String
  /// Momentum (SGD).
  public var momentum: Double
  /// Nesterov momentum (SGD).
  public var nesterov: Bool
  /// β1, β2 (Adam family).
  public var betas: (Double, Double)
  /// ε (Adam family).
  public var eps: Double
  /// Weight decay (nil: the optimizer's default).
  public var weightDecay: Double?

  /// Optimizer settings.
  public init(kind: String, momentum: Double, nesterov: Bool, betas: (Double, Double), eps: Double,
              weightDecay: Double?) {
    self.kind = kind
    self.momentum = momentum
    self.nesterov = nesterov
    self.betas = betas
    self.eps = eps
    self.weightDecay = weightDecay
  }

  /// AdamW with PyTorch's defaults.
  public static let `default` = OptimizerConfigurationJSON(
    kind: "adamw", momentum: 0, nesterov: false, betas: (0.9, 0.999), eps: 1e-8, weightDecay: nil)

  /// Equality.
  public static func == (a: Self, b: Self) -> Bool {
    a.kind == b.kind && a.momentum == b.momentum && a.nesterov == b.nesterov
      && a.betas.0 == b.betas.0 && a.betas.1 == b.betas.1 && a.eps == b.eps
      && a.weightDecay == b.weightDecay
  }
}
