import LRSupport

/// A Hugging Face `TrainingArguments` / TRL config read for its learning-rate schedule: the
/// scheduler fields (`learning_rate`, `lr_scheduler_type`, `lr_scheduler_kwargs`,
/// `warmup_steps` or `warmup_ratio`) and the step-accounting fields (`num_train_epochs`,
/// `max_steps`, `per_device_train_batch_size`, `gradient_accumulation_steps`,
/// `dataloader_drop_last`, plus LRKit's `num_samples` and `world_size`).
///
/// Other Trainer settings (`output_dir`, `bf16`, …) are ignored, but a near miss of a scheduler
/// or step field ("lr_schedular_type") is refused with a suggestion.
///
/// `deepspeed` (a DeepSpeed configuration as an object; `lrkit curve` reads a path there) whose
/// `scheduler` section is set replaces `lr_scheduler_type`, as the Trainer does: DeepSpeed's
/// scheduler runs, with the Trainer's `"auto"` values filled in as
/// `HfTrainerDeepSpeedConfig` fills them (`warmup_min_lr` 0, `warmup_max_lr` and the
/// optimizer's `lr` `learning_rate`, `warmup_num_steps` `max(1, warmup steps)`,
/// `total_num_steps` the number of updates), and a value that is not `"auto"` and differs from
/// the Trainer's refused, as the Trainer refuses it.
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
  /// `deepspeed`: the DeepSpeed configuration, when one is given as an object.
  package var deepSpeed: JSONValue?
  /// Whether `lr_scheduler_type` was written (a DeepSpeed scheduler then overrides it).
  var schedulerTypeGiven = false

  static let fields = [
    "learning_rate", "lr_scheduler_type", "lr_scheduler_kwargs", "warmup_steps", "warmup_ratio",
    "num_train_epochs", "max_steps", "per_device_train_batch_size", "gradient_accumulation_steps",
    "dataloader_drop_last", "num_samples", "world_size", "deepspeed",
  ]

  /// Reads a config from JSON text.
  public init(text: String) throws(ScheduleError) {
    try self.init(try ScheduleSpec.parseJSON(text))
  }

  /// Reads a config object.
  package init(_ json: JSONValue) throws(ScheduleError) {
    var r = try SpecReader(json, schedule: "Hugging Face training config")
    learningRate = try r.rate("learning_rate", default: 5e-5)
    let givenType = try r.optionalString("lr_scheduler_type")
    schedulerType = givenType ?? "linear"
    schedulerTypeGiven = givenType != nil
    switch r.take("deepspeed") {
    case nil: break
    case .object?: deepSpeed = r.raw("deepspeed")
    case .string(let path)?:
      throw .invalidValue(
        field: "deepspeed", value: "'\(path)'",
        reason: "a path to a DeepSpeed config: `lrkit curve` reads it; through the API, put the file's contents here")
    case let other?:
      throw .wrongType(field: "deepspeed", expected: "a DeepSpeed config (an object) or its path", found: other.typeName)
    }
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
    if let deepSpeed, deepSpeed["scheduler"] != nil {
      return (try deepSpeedSchedule(deepSpeed, result), result)
    }
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

  /// The default lr of the optimizers DeepSpeed builds from a config section without one
  /// (DeepSpeed 0.19.8: FusedAdam, DeepSpeedCPUAdam and torch's Adam/AdamW, FusedLamb, FusedLion
  /// and DeepSpeedCPULion 1e-3; DeepSpeedCPUAdagrad and torch's Adagrad 1e-2).
  static let deepSpeedOptimizerDefaultLR: [String: Double] = [
    "adam": 1e-3, "adamw": 1e-3, "lamb": 1e-3, "lion": 1e-3, "adagrad": 1e-2,
  ]

  /// The DeepSpeed scheduler the Trainer hands to DeepSpeed, its `"auto"` values filled in
  /// (`HfTrainerDeepSpeedConfig.trainer_config_process` and `trainer_config_finalize`).
  func deepSpeedSchedule(_ config: JSONValue, _ result: TrainerSteps.Result) throws(ScheduleError)
    -> DecodedSchedule
  {
    guard case .object(var top) = config, case .object(var section)? = config["scheduler"] else {
      throw .wrongType(field: "deepspeed.scheduler", expected: "an object", found: config["scheduler"]?.typeName ?? "null")
    }
    var filled: [String] = []
    var lead: [String] = []
    let lr = JSONValue.double(learningRate)
    let warmup = JSONValue.int(max(1, result.warmupSteps))
    let total = JSONValue.int(result.maxSteps)
    /// Fills `"auto"`; refuses a value that differs from the Trainer's when `mustMatch`.
    func fill(_ node: inout [(key: String, value: JSONValue)], _ path: String, _ key: String,
              _ value: JSONValue, _ trainerKey: String, mustMatch: Bool = true) throws(ScheduleError)
    {
      guard let i = node.firstIndex(where: { $0.key == key }) else { return }
      let given = node[i].value
      if case .string("auto") = given {
        node[i].value = value
        filled.append("\(path).\(key) = \(value.serialized())")
        return
      }
      guard mustMatch, given != .null else { return }
      if case .number(let a, _) = given, case .number(let b, _) = value, a == b { return }
      throw .invalidValue(
        field: "deepspeed.\(path).\(key)", value: given.serialized(),
        reason: "differs from the Trainer's \(trainerKey) \(value.serialized()): the Trainer refuses the mismatch "
          + "(\"Please correct the following DeepSpeed config values that mismatch TrainingArguments values\"); "
          + "write \"auto\" or the same value")
    }
    if case .object(var params)? = section.first(where: { $0.key == "params" })?.value {
      try fill(&params, "scheduler.params", "warmup_min_lr", .int(0), "warmup_min_lr 0", mustMatch: false)
      try fill(&params, "scheduler.params", "warmup_max_lr", lr, "learning_rate")
      try fill(&params, "scheduler.params", "total_num_steps", total, "number of updates")
      try fill(&params, "scheduler.params", "warmup_num_steps", warmup, "max(1, warmup steps)")
      if let i = section.firstIndex(where: { $0.key == "params" }) { section[i].value = .object(params) }
    }
    // The optimizer is DeepSpeed's (its lr filled in or matched) or the Trainer's (learning_rate).
    var optimizer: [(key: String, value: JSONValue)] = []
    if case .object(let o)? = config["optimizer"] { optimizer = o }
    var optimizerParams: [(key: String, value: JSONValue)] = []
    if case .object(let p)? = optimizer.first(where: { $0.key == "params" })?.value { optimizerParams = p }
    if optimizerParams.contains(where: { $0.key == "lr" }) {
      try fill(&optimizerParams, "optimizer.params", "lr", lr, "learning_rate")
    } else if optimizer.isEmpty {
      optimizerParams.append(("lr", lr))  // the Trainer's own optimizer
    } else {
      // DeepSpeed builds its optimizer from the section alone: without an lr, the class's default.
      let name = optimizer.first { $0.key == "type" }.flatMap { if case .string(let t) = $0.value { t } else { nil } } ?? ""
      guard let fallback = Self.deepSpeedOptimizerDefaultLR[name.lowercased()] else {
        throw .missingField(field: "deepspeed.optimizer.params.lr",
                            schedule: "a DeepSpeed optimizer section ('\(name)': LRKit does not know its default lr)")
      }
      optimizerParams.append(("lr", .double(fallback)))
      lead.append("field 'deepspeed.optimizer.params': no lr, so DeepSpeed's \(name) starts from its default "
        + "\(fallback), not learning_rate \(learningRate)")
    }
    optimizer.removeAll { $0.key == "params" }
    optimizer.append(("params", .object(optimizerParams)))
    top.removeAll { $0.key == "optimizer" || $0.key == "scheduler" }
    top.append(("optimizer", .object(optimizer)))
    top.append(("scheduler", .object(section)))
    let found: DeepSpeedConfig?
    do {
      found = try DeepSpeedConfig(.object(top))
    } catch {
      throw error.renamingField { "deepspeed." + $0 }
    }
    guard let translated = found else {
      throw .wrongType(field: "deepspeed.scheduler", expected: "a DeepSpeed scheduler section", found: "something else")
    }
    var decoded = try translated.decode(prefix: "deepspeed.")
    decoded.warnings.removeAll { $0.hasPrefix("field 'deepspeed.optimizer.params.lr'") }
    let type = section.first { $0.key == "type" }.map { $0.value.serialized() } ?? "?"
    if schedulerTypeGiven {
      lead.insert("field 'lr_scheduler_type': '\(schedulerType)' is not used: the DeepSpeed config's scheduler \(type) replaces it", at: 0)
    }
    decoded.type = "transformers.Trainer(deepspeed \(decoded.type))"
    decoded.totalSteps = result.maxSteps
    if !filled.isEmpty {
      lead.append("field 'deepspeed': \"auto\" filled in as the Trainer fills it: " + filled.joined(separator: ", "))
    }
    decoded.warnings = warnings + result.warnings + lead + decoded.warnings
    return decoded
  }
}
