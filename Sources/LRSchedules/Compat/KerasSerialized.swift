import LRSupport

/// Keras' own serialized forms, read as specs: what `keras.optimizers.schedules.serialize`
/// (or a schedule's `get_config()` wrapped by it) writes, what `keras.optimizers.serialize` and
/// an optimizer's `get_config()` write, and a model's `config.json` (inside a `.keras` file),
/// whose `compile_config.optimizer` holds the optimizer.
///
/// ```
/// {"module": "keras.optimizers.schedules", "class_name": "CosineDecay",
///  "config": {"initial_learning_rate": 0.1, "decay_steps": 1000, …}, "registered_name": null}
/// ```
///
/// An optimizer's `learning_rate` is a schedule object or a number (held by Keras in a float32
/// variable, so `0.001` applies as `Float(0.001)`). With `gradient_accumulation_steps = N`
/// Keras counts micro-steps and update `k` reads the schedule at micro-step `(k+1)·N − 1`
/// (``StridedSteps``). Other optimizer settings do not change the learning rate and are not
/// read; a legacy `decay` other than 0 is refused.
extension ScheduleSpec {
  /// Keys that only a Keras optimizer's `get_config()` writes (none is a Hugging Face
  /// `TrainingArguments` field).
  static let kerasOptimizerKeys: Set<String> = [
    "use_ema", "ema_momentum", "ema_overwrite_frequency", "global_clipnorm", "clipnorm", "clipvalue",
    "loss_scale_factor", "is_legacy_optimizer", "jit_compile", "beta_1", "beta_2", "amsgrad", "nesterov",
  ]

  /// Keys only a Hugging Face / TRL config has: such an object is never a Keras optimizer config
  /// (both can hold `learning_rate` and `gradient_accumulation_steps`).
  static let huggingFaceKeys: Set<String> = [
    "lr_scheduler_type", "lr_scheduler_kwargs", "warmup_ratio", "warmup_steps", "num_train_epochs", "max_steps",
    "per_device_train_batch_size", "output_dir", "num_samples",
  ]

  /// The schedule in a Keras serialized object, optimizer config or model config, or nil when
  /// `json` is none of these.
  static func kerasSerialized(_ json: JSONValue) throws(ScheduleError) -> DecodedSchedule? {
    guard case .object(let pairs) = json, json["type"] == nil else { return nil }
    if json["compile_config"] != nil {
      guard case .object = json["compile_config"]!, let optimizer = json["compile_config"]!["optimizer"],
        optimizer != .null
      else {
        throw .missingField(field: "compile_config.optimizer", schedule: "a Keras model config")
      }
      return try kerasObject(optimizer, path: "compile_config.optimizer", want: .optimizer)
    }
    if json["class_name"] != nil { return try kerasObject(json, path: "", want: .either) }
    let keys = Set(pairs.map(\.key))
    let learningRateIsKeras: Bool = {
      if case .object = json["learning_rate"] ?? .null { return json["learning_rate"]!["class_name"] != nil }
      return false
    }()
    if keys.contains("learning_rate"),
      learningRateIsKeras || (!keys.isDisjoint(with: kerasOptimizerKeys) && keys.isDisjoint(with: huggingFaceKeys))
    {
      return try kerasOptimizerConfig(json, path: "")
    }
    return nil
  }

  /// What a serialized object may be where it appears.
  enum KerasWanted { case schedule, optimizer, either }

  /// `{"module", "class_name", "config", "registered_name"}`: a schedule or an optimizer.
  static func kerasObject(_ json: JSONValue, path: String, want: KerasWanted) throws(ScheduleError)
    -> DecodedSchedule
  {
    var r = try SpecReader(json, schedule: "a Keras serialized object", path: path)
    let className = try r.string("class_name")
    let module = try r.optionalString("module")
    let registered = try r.optionalString("registered_name")
    guard let config = r.take("config") else { throw r.missing("config") }
    // Layers and models also carry these; an optimizer or schedule has nothing in them.
    r.ignore("build_config")
    try r.finish()
    let configPath = r.field("config")
    if let registered, registered != className {
      throw .invalidValue(field: r.field("registered_name"), value: "'\(registered)'",
                          reason: "a custom Keras class (Python code registered with Keras) cannot be reproduced; "
                            + "write the schedule as a spec (lrkit types lists them)")
    }
    let isSchedule = kerasClasses.contains(className) && (module.map { $0.contains("schedules") } ?? true)
    if isSchedule && want != .optimizer {
      let spec = JSONValue.object([("type", .string("keras.optimizers.schedules." + className))]
        + (try objectPairs(config, field: configPath)))
      return try decode(spec, path: configPath)
    }
    // Keras 3 writes "keras.optimizers"; without a module (tf.keras 2) an optimizer is known by its lr.
    let isOptimizer = module.map { $0.hasPrefix("keras") && $0.contains("optimizers") && !$0.contains("schedules") }
      ?? (config["learning_rate"] != nil)
    if isOptimizer && want != .schedule && !kerasClasses.contains(className) {
      return try kerasOptimizerConfig(config, path: configPath)
    }
    let expected = want == .schedule ? "a Keras learning-rate schedule"
      : want == .optimizer ? "a Keras optimizer" : "a Keras learning-rate schedule or optimizer"
    let hint = nearest(to: className, in: kerasClasses).map { " (did you mean '\($0)'?)" } ?? ""
    throw .invalidValue(field: r.field("class_name"), value: "'\(className)'",
                        reason: "expected \(expected); the schedules are \(kerasClasses.joined(separator: ", "))\(hint)")
  }

  /// The pairs of an object, or a type error naming `field`.
  static func objectPairs(_ json: JSONValue, field: String) throws(ScheduleError) -> [(key: String, value: JSONValue)] {
    guard case .object(let pairs) = json else {
      throw .wrongType(field: field, expected: "an object", found: json.typeName)
    }
    return pairs.filter { $0.key != "type" }
  }

  /// An optimizer's `get_config()`: its `learning_rate` and `gradient_accumulation_steps`.
  static func kerasOptimizerConfig(_ json: JSONValue, path: String) throws(ScheduleError) -> DecodedSchedule {
    var r = try SpecReader(json, schedule: "a Keras optimizer config", path: path)
    guard let rate = r.take("learning_rate") else { throw r.missing("learning_rate") }
    let accumulation = try r.optionalInt("gradient_accumulation_steps")
    if let n = accumulation {
      try r.check(n >= 2, "gradient_accumulation_steps", n, "must be an integer >= 2 (Keras' own check)")
    }
    if let decay = try r.optionalDouble("decay"), decay != 0 {
      throw .invalidValue(field: r.field("decay"), value: "\(decay)",
                          reason: "the legacy optimizer's time-based decay is not translated; give the optimizer "
                            + "a learning-rate schedule instead (keras.optimizers.schedules.InverseTimeDecay)")
    }
    var decoded: DecodedSchedule
    switch rate {
    case .number(let x, _):
      guard x.isFinite, x >= 0 else {
        throw .invalidValue(field: r.field("learning_rate"), value: "\(x)", reason: "a learning rate must be finite and >= 0")
      }
      // Keras keeps a fixed learning rate in a float32 variable.
      decoded = DecodedSchedule(type: "keras.optimizers (constant learning_rate)", lr: Constant(lr: Double(Float(x))))
    case .object:
      decoded = try kerasObject(rate, path: r.field("learning_rate"), want: .schedule)
    default:
      throw .wrongType(field: r.field("learning_rate"), expected: "a number or a serialized schedule", found: rate.typeName)
    }
    guard let n = accumulation, n >= 2 else { return decoded }
    // Update k runs at micro-step (k+1)·N − 1 and reads the schedule there.
    func updates(_ microSteps: Int?) -> Int? { microSteps.map { ($0 + n - 1) / n } }
    var limit = decoded.stepLimit
    if let l = limit { limit = StepLimit(steps: l.steps / n, field: l.field, reason: l.reason) }
    return DecodedSchedule(type: decoded.type, lr: StridedSteps(AnySchedule(decoded.lr), stride: n, offset: n - 1),
                           momentum: decoded.momentum, warmupSteps: updates(decoded.warmupSteps),
                           totalSteps: updates(decoded.totalSteps), stepLimit: limit,
                           warnings: decoded.warnings)
  }
}
