import LRSupport

/// A Hugging Face `TrainingArguments` / TRL config read for its learning-rate schedule: the
/// scheduler fields (`learning_rate`, `lr_scheduler_type`, `lr_scheduler_kwargs`,
/// `warmup_steps` or `warmup_ratio`) and the step-accounting fields (`num_train_epochs`,
/// `max_steps`, `per_device_train_batch_size`, `gradient_accumulation_steps`,
/// `dataloader_drop_last`, plus LRKit's `num_samples` and `world_size`).
///
/// Other Trainer settings (`output_dir`, `bf16`, …) are ignored, but a near miss of a scheduler
/// or step field ("lr_schedular_type") is refused with a suggestion.
public struct HFTrainingConfig: Sendable {
  /// `learning_rate` (default 5e-5).
  public var learningRate: Double
  /// `lr_scheduler_type` (default "linear").
  public var schedulerType: String
  /// `lr_scheduler_kwargs`, as an object.
  package var schedulerKwargs: JSONValue?
  /// The step accounting inputs.
  public var steps: TrainerSteps
  /// Accepted oddities, each naming its field.
  public var warnings: [String] = []

  static let fields = [
    "learning_rate", "lr_scheduler_type", "lr_scheduler_kwargs", "warmup_steps", "warmup_ratio",
    "num_train_epochs", "max_steps", "per_device_train_batch_size", "gradient_accumulation_steps",
    "dataloader_drop_last", "num_samples", "world_size",
  ]

  /// Reads a config from JSON text.
  public init(text: String) throws(ScheduleError) {
    try self.init(try ScheduleSpec.parseJSON(text))
  }

  /// Reads a config object.
  package init(_ json: JSONValue) throws(ScheduleError) {
    var r = try SpecReader(json, schedule: "Hugging Face training config")
    learningRate = try r.rate("learning_rate", default: 5e-5)
    schedulerType = try r.optionalString("lr_scheduler_type") ?? "linear"
    if let kw = r.take("lr_scheduler_kwargs") {
      switch kw {
      case .string(let text) where !text.isEmpty:
        // TrainingArguments accepts the kwargs as a JSON string too.
        do {
          schedulerKwargs = try JSONValue.parse(text)
        } catch {
          throw .malformedInput(detail: "lr_scheduler_kwargs: \(error)")
        }
      case .string: schedulerKwargs = nil
      case .object: schedulerKwargs = kw
      default:
        throw .wrongType(field: "lr_scheduler_kwargs", expected: "an object", found: kw.typeName)
      }
    }
    let warmup = try r.double("warmup_steps", default: 0)
    let ratio = try r.optionalDouble("warmup_ratio")
    steps = TrainerSteps(
      numSamples: try r.optionalInt("num_samples"),
      perDeviceBatchSize: try r.int("per_device_train_batch_size", default: 8),
      worldSize: try r.int("world_size", default: 1),
      gradientAccumulationSteps: try r.int("gradient_accumulation_steps", default: 1),
      numTrainEpochs: try r.double("num_train_epochs", default: 3),
      maxSteps: try r.int("max_steps", default: -1),
      warmupSteps: warmup, warmupRatio: ratio,
      dropLast: try r.bool("dataloader_drop_last", default: false))
    if let ratio {
      warnings.append("field 'warmup_ratio': removed in transformers 5.2; "
        + (warmup == 0 ? "read as transformers 4 did (ceil(max_steps · \(ratio)))"
          : "ignored because warmup_steps is set"))
    }
    // Everything else is some other Trainer setting; refuse only near misses of ours.
    for (key, _) in r.pairs where !r.used.contains(key) {
      if let near = nearest(to: key, in: Self.fields), editDistance(key, near) <= 2 {
        throw .unknownField(field: key, schedule: r.schedule, suggestion: near)
      }
    }
  }

  /// The decoded schedule the Trainer would build, and the step accounting behind it.
  public func resolve() throws(ScheduleError) -> (DecodedSchedule, TrainerSteps.Result) {
    let result = try steps.resolve()
    var top = try SpecReader(
      .object([
        ("num_warmup_steps", .number(Double(result.warmupSteps), isInteger: true)),
        ("num_training_steps", .number(Double(result.maxSteps), isInteger: true)),
      ]), schedule: "lr_scheduler_type '\(schedulerType)'")
    guard ScheduleSpec.hfSchedulerNames.contains(schedulerType) else {
      let hint = nearest(to: schedulerType, in: ScheduleSpec.hfSchedulerNames)
        .map { " (did you mean '\($0)'?)" } ?? ""
      throw .invalidValue(field: "lr_scheduler_type", value: "'\(schedulerType)'",
                          reason: "is not a scheduler LRKit can draw\(hint)")
    }
    var kwargs: SpecReader?
    if let kw = schedulerKwargs {
      kwargs = try SpecReader(kw, schedule: "lr_scheduler_type '\(schedulerType)'",
                              path: "lr_scheduler_kwargs")
    }
    var args = HFArguments(top: top, kwargs: kwargs)
    var decoded = try ScheduleSpec.hfSchedule(schedulerType, lr: learningRate, &args,
                                              viaGetScheduler: true)
    top = args.top
    decoded.type = "transformers.Trainer(\(schedulerType))"
    decoded.totalSteps = result.maxSteps
    decoded.warmupSteps = result.warmupSteps
    decoded.warnings = warnings + result.warnings + decoded.warnings
    return (decoded, result)
  }

  func decodedSchedule() throws(ScheduleError) -> DecodedSchedule { try resolve().0 }
}
