import LRSupport

/// The step arithmetic of the Hugging Face `Trainer` (transformers 5): how many optimizer
/// updates a run makes and how many of them warm up.
///
/// ```
/// batches         = ⌈N / b⌉              (⌊N / b⌋ with dataloader_drop_last)
/// per process     = batches / P          if divisible
///                 = ⌊batches / P⌋        with drop_last
///                 = ⌊batches / P⌋ + 1    otherwise (accelerate's even_batches)
/// updates/epoch   = max(⌈per process / GA⌉, 1)
/// max_steps       = args.max_steps if ≥ 0, else ⌈epochs · updates/epoch⌉   (double multiply)
/// warmup          = int(w) if w ≥ 1, else ⌈max_steps · w⌉                   (double multiply)
/// epochs          = ⌈max_steps / updates/epoch⌉ if args.max_steps > 0, else ⌈epochs⌉
/// ```
/// Mirrors `Trainer.set_initial_training_values`, `TrainingArguments.get_warmup_steps` and
/// accelerate's `BatchSamplerShard.__len__`. `ceil(100 · 0.07) = 8`, as in Python.
public struct TrainerSteps: Sendable, Equatable {
  /// Training examples N (the dataset length).
  public var numSamples: Int?
  /// `per_device_train_batch_size`.
  public var perDeviceBatchSize: Int
  /// Data-parallel processes P.
  public var worldSize: Int
  /// `gradient_accumulation_steps` GA.
  public var gradientAccumulationSteps: Int
  /// `num_train_epochs` (fractional allowed).
  public var numTrainEpochs: Double
  /// `max_steps`; ≤ 0 means "derive from epochs".
  public var maxSteps: Int
  /// `warmup_steps`: a count if ≥ 1, a ratio of `max_steps` if below 1.
  public var warmupSteps: Double
  /// transformers 4's `warmup_ratio`, used when `warmupSteps` is 0.
  public var warmupRatio: Double?
  /// `dataloader_drop_last`.
  public var dropLast: Bool

  /// Step accounting inputs with the Trainer's defaults.
  public init(numSamples: Int? = nil, perDeviceBatchSize: Int = 8, worldSize: Int = 1,
              gradientAccumulationSteps: Int = 1, numTrainEpochs: Double = 3,
              maxSteps: Int = -1, warmupSteps: Double = 0, warmupRatio: Double? = nil,
              dropLast: Bool = false) {
    self.numSamples = numSamples
    self.perDeviceBatchSize = perDeviceBatchSize
    self.worldSize = worldSize
    self.gradientAccumulationSteps = gradientAccumulationSteps
    self.numTrainEpochs = numTrainEpochs
    self.maxSteps = maxSteps
    self.warmupSteps = warmupSteps
    self.warmupRatio = warmupRatio
    self.dropLast = dropLast
  }

  /// What the Trainer derives from the inputs.
  public struct Result: Sendable, Equatable {
    /// Batches each process's dataloader yields per epoch, if the dataset size is known.
    public var batchesPerProcess: Int?
    /// Optimizer updates per epoch.
    public var updatesPerEpoch: Int
    /// Total optimizer updates (the schedule's `num_training_steps`).
    public var maxSteps: Int
    /// Warmup updates (the schedule's `num_warmup_steps`).
    public var warmupSteps: Int
    /// Epochs the training loop runs; nil when the dataset size is unknown (the Trainer then
    /// stops at `max_steps`, whatever the epoch).
    public var numTrainEpochs: Int?
    /// Examples per optimizer update across all processes.
    public var totalBatchSize: Int
    /// Likely mistakes the Trainer accepts, each naming its field.
    public var warnings: [String] = []
  }

  /// Runs the Trainer's arithmetic.
  /// - Throws: `invalidValue` naming the field for impossible inputs (no dataset size and no
  ///   positive `max_steps`, a batch size of 0, …).
  public func resolve() throws(ScheduleError) -> Result {
    guard perDeviceBatchSize >= 1 else {
      throw .invalidValue(field: "per_device_train_batch_size", value: "\(perDeviceBatchSize)",
                          reason: "must be at least 1")
    }
    guard worldSize >= 1 else {
      throw .invalidValue(field: "world_size", value: "\(worldSize)", reason: "must be at least 1")
    }
    guard gradientAccumulationSteps >= 1 else {
      throw .invalidValue(field: "gradient_accumulation_steps",
                          value: "\(gradientAccumulationSteps)", reason: "must be at least 1")
    }
    guard numTrainEpochs.isFinite, numTrainEpochs >= 0 else {
      throw .invalidValue(field: "num_train_epochs", value: "\(numTrainEpochs)",
                          reason: "must be a finite number ≥ 0")
    }
    guard warmupSteps.isFinite, warmupSteps >= 0 else {
      throw .invalidValue(field: "warmup_steps", value: "\(warmupSteps)",
                          reason: "Expected value warmup_steps >= 0 (transformers raises ValueError)")
    }
    if let ratio = warmupRatio {
      guard ratio.isFinite, ratio >= 0, ratio <= 1 else {
        throw .invalidValue(field: "warmup_ratio", value: "\(ratio)",
                            reason: "warmup_ratio must lie in range [0,1] (a fraction of max_steps)")
      }
    }

    let ga = gradientAccumulationSteps
    // Python's integers do not overflow; LRKit's do, so a product past 2^63 is refused by name.
    let (perProcess, o1) = perDeviceBatchSize.multipliedReportingOverflow(by: ga)
    let (totalBatch, o2) = perProcess.multipliedReportingOverflow(by: worldSize)
    guard !o1, !o2 else {
      throw .invalidValue(
        field: "per_device_train_batch_size", value: "\(perDeviceBatchSize)",
        reason: "× gradient_accumulation_steps (\(ga)) × world_size (\(worldSize)) is past 2^63, "
          + "more examples per update than LRKit can count")
    }
    var lengthPerProcess: Int?
    if let n = numSamples {
      guard n >= 0 else {
        throw .invalidValue(field: "num_samples", value: "\(n)", reason: "cannot be negative")
      }
      let b = perDeviceBatchSize
      // ⌈n / b⌉ without forming n + b − 1, which overflows for n near Int.max.
      let batches = dropLast ? n / b : n / b + (n % b > 0 ? 1 : 0)
      if batches % worldSize == 0 {
        lengthPerProcess = batches / worldSize
      } else {
        lengthPerProcess = batches / worldSize + (dropLast ? 0 : 1)
      }
    }
    var steps = maxSteps
    var perEpoch: Int
    if let length = lengthPerProcess {
      perEpoch = max(length / ga + (length % ga > 0 ? 1 : 0), 1)
      if maxSteps < 0 {
        guard let s = truncatedInt((numTrainEpochs * Double(perEpoch)).rounded(.up)), s < 1 << 53 else {
          throw .invalidValue(field: "num_train_epochs", value: "\(numTrainEpochs)",
                              reason: "gives more steps than can be counted")
        }
        steps = s
      }
    } else {
      guard maxSteps > 0 else {
        throw .invalidValue(
          field: "max_steps", value: "\(maxSteps)",
          reason: "without num_samples (the dataset length) max_steps must be a positive number")
      }
      perEpoch = maxSteps
    }
    var epochs: Int?
    if let length = lengthPerProcess, length > 0 {
      epochs = maxSteps > 0
        ? steps / perEpoch + (steps % perEpoch > 0 ? 1 : 0)
        : Int(numTrainEpochs.rounded(.up))
    } else if maxSteps > 0 {
      epochs = nil
      perEpoch = steps
    } else {
      throw .invalidValue(
        field: "max_steps", value: "\(maxSteps)",
        reason: "the dataloader is empty (num_samples \(numSamples ?? 0)): args.max_steps must be "
          + "set to a positive value")
    }
    let warmup: Int
    if warmupSteps >= 1 {
      guard let w = truncatedInt(warmupSteps) else {
        throw .invalidValue(field: "warmup_steps", value: "\(warmupSteps)", reason: "is too large")
      }
      warmup = w
    } else if warmupSteps == 0, let ratio = warmupRatio {
      warmup = truncatedInt((Double(steps) * ratio).rounded(.up)) ?? 0
    } else {
      warmup = truncatedInt((Double(steps) * warmupSteps).rounded(.up)) ?? 0
    }
    var warnings: [String] = []
    if steps == 0 {
      warnings.append("field 'max_steps': 0 trains no update (transformers takes max_steps = 0 literally; "
        + "-1 derives it from the epochs)")
    }
    if warmup > steps {
      warnings.append("field 'warmup_steps': \(warmup) warmup steps is more than max_steps (\(steps)); "
        + "the learning rate never reaches its peak")
    }
    return Result(batchesPerProcess: lengthPerProcess, updatesPerEpoch: perEpoch, maxSteps: steps,
                  warmupSteps: warmup, numTrainEpochs: epochs,
                  totalBatchSize: totalBatch, warnings: warnings)
  }
}
