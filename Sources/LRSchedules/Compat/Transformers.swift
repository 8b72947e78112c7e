import LRSupport

/// `transformers.get_*_schedule*` and `transformers.get_scheduler` specs: the `LambdaLR`
/// multipliers of transformers 5 (`optimization.py`), times the optimizer's `"lr"`. Step
/// counts may be Python floats (`num_warmup_steps: 2.5`), as transformers accepts them;
/// `last_epoch` (the functions' own argument) resumes the schedule at epoch `last_epoch + 1`.
extension ScheduleSpec {
  static let hfFunctions: [String: String] = [
    "get_constant_schedule": "constant",
    "get_constant_schedule_with_warmup": "constant_with_warmup",
    "get_linear_schedule_with_warmup": "linear",
    "get_cosine_schedule_with_warmup": "cosine",
    "get_cosine_with_hard_restarts_schedule_with_warmup": "cosine_with_restarts",
    "get_polynomial_decay_schedule_with_warmup": "polynomial",
    "get_inverse_sqrt_schedule": "inverse_sqrt",
    "get_cosine_with_min_lr_schedule_with_warmup": "cosine_with_min_lr",
    "get_cosine_with_min_lr_schedule_with_warmup_lr_rate": "cosine_warmup_with_min_lr",
    "get_wsd_schedule": "warmup_stable_decay",
    "get_reduce_on_plateau_schedule": "reduce_lr_on_plateau",
  ]

  /// Functions with a `last_epoch` argument (every `LambdaLR` builder).
  static let hfFunctionsWithLastEpoch: Set<String> = [
    "get_constant_schedule", "get_constant_schedule_with_warmup", "get_linear_schedule_with_warmup",
    "get_cosine_schedule_with_warmup", "get_cosine_with_hard_restarts_schedule_with_warmup",
    "get_polynomial_decay_schedule_with_warmup", "get_inverse_sqrt_schedule",
    "get_cosine_with_min_lr_schedule_with_warmup",
    "get_cosine_with_min_lr_schedule_with_warmup_lr_rate", "get_wsd_schedule",
  ]

  /// `SchedulerType` names `get_scheduler` accepts (greedy needs optimizer feedback LRKit does
  /// not model).
  static let hfSchedulerNames = [
    "linear", "cosine", "cosine_with_restarts", "polynomial", "constant", "constant_with_warmup",
    "inverse_sqrt", "reduce_lr_on_plateau", "cosine_with_min_lr", "cosine_warmup_with_min_lr",
    "warmup_stable_decay",
  ]

  static let transformersBuilders: [String: SpecBuilder] = {
    var table: [String: SpecBuilder] = [:]
    for (function, name) in hfFunctions {
      table["transformers." + function] = { (r: inout SpecReader, c: SpecContext) throws in
        let lr = try r.rate("lr")
        var lastEpoch = -1
        if hfFunctionsWithLastEpoch.contains(function) {
          lastEpoch = try r.int("last_epoch", default: -1)
          try r.check(lastEpoch >= -1, "last_epoch", lastEpoch,
                      "must be -1 (a new schedule) or the number of epochs already run")
        }
        var args = HFArguments(top: r, kwargs: nil)
        var decoded = try hfSchedule(name, lr: lr, &args, viaGetScheduler: false)
        r = args.top
        if lastEpoch >= 0 { decoded = resumed(decoded, at: lastEpoch) }
        return decoded
      }
    }
    table["transformers.get_adafactor_schedule"] = { (r: inout SpecReader, c: SpecContext) throws in
      let initial = try r.double("initial_lr", default: 0)
      let relative = try r.bool("relative_step", default: true)
      let warmupInit = try r.bool("warmup_init", default: false)
      if try r.bool("scale_parameter", default: true) {
        throw ScheduleError.invalidValue(
          field: r.field("scale_parameter"), value: "true",
          reason: "Adafactor then scales its step by each parameter's RMS, which depends on the "
            + "weights; the curve is defined for scale_parameter false")
      }
      if relative && r.has("lr") {
        throw ScheduleError.invalidValue(field: r.field("lr"), value: r.raw("lr")!.serialized(),
                                         reason: "Cannot combine manual `lr` and `relative_step=True` options")
      }
      if warmupInit && !relative {
        throw ScheduleError.invalidValue(field: r.field("warmup_init"), value: "true",
                                         reason: "`warmup_init=True` requires `relative_step=True`")
      }
      if let lr = try r.optionalDouble("lr") { try r.check(lr >= 0, "lr", lr, "a learning rate cannot be negative") }
      return DecodedSchedule(type: r.schedule, lr: HFAdafactorProxy(
        initialLR: initial, relativeStep: relative, warmupInit: warmupInit))
    }
    table["transformers.get_scheduler"] = { (r: inout SpecReader, c: SpecContext) throws in
      let name = try r.string("name")
      guard hfSchedulerNames.contains(name) else {
        if name == "greedy" {
          throw ScheduleError.invalidValue(
            field: r.field("name"), value: "'greedy'",
            reason: "'greedy' adapts to optimizer feedback and has no fixed curve")
        }
        let hint = nearest(to: name, in: hfSchedulerNames).map { " (did you mean '\($0)'?)" } ?? ""
        throw ScheduleError.invalidValue(
          field: r.field("name"), value: "'\(name)'",
          reason: "is not a valid SchedulerType\(hint)")
      }
      let lr = try r.rate("lr")
      var kwargs: SpecReader?
      if let kw = r.take("scheduler_specific_kwargs") {
        kwargs = try SpecReader(kw, schedule: "transformers.get_scheduler(\(name))",
                                path: r.field("scheduler_specific_kwargs"))
      }
      var args = HFArguments(top: r, kwargs: kwargs)
      let decoded = try hfSchedule(name, lr: lr, &args, viaGetScheduler: true)
      r = args.top
      return decoded
    }
    return table
  }()

  /// Builds the schedule transformers' function for `name` would return.
  static func hfSchedule(_ name: String, lr: Double, _ a: inout HFArguments,
                         viaGetScheduler: Bool) throws(ScheduleError) -> DecodedSchedule
  {
    let type = viaGetScheduler ? "transformers.get_scheduler" : a.top.schedule
    var warnings: [String] = []
    // get_scheduler passes the scheduler_specific_kwargs to every schedule except these.
    if viaGetScheduler, ["constant", "constant_with_warmup"].contains(name), let kw = a.kwargs {
      for (key, _) in kw.pairs {
        warnings.append("field '\(kw.field(key))': ignored by transformers for '\(name)'")
      }
      a.kwargs = nil
    }
    func warmup() throws(ScheduleError) -> Double {
      guard let w = try a.top.optionalDouble("num_warmup_steps") else {
        if viaGetScheduler {
          throw .invalidValue(field: a.top.field("num_warmup_steps"), value: "None",
                              reason: "\(name) requires `num_warmup_steps`, please provide that argument.")
        }
        throw a.top.missing("num_warmup_steps")
      }
      try a.top.check(w >= 0, "num_warmup_steps", w, "cannot be negative")
      return w
    }
    func training() throws(ScheduleError) -> Double {
      guard let t = try a.top.optionalDouble("num_training_steps") else {
        if viaGetScheduler {
          throw .invalidValue(field: a.top.field("num_training_steps"), value: "None",
                              reason: "\(name) requires `num_training_steps`, please provide that argument.")
        }
        throw a.top.missing("num_training_steps")
      }
      return t
    }
    var kind: HFLambda.Kind
    var w: Double? = nil
    var total: Double? = nil
    var limit: StepLimit?
    switch name {
    case "constant":
      if viaGetScheduler {
        _ = try a.top.optionalDouble("num_warmup_steps")
        _ = try a.top.optionalDouble("num_training_steps")
      }
      kind = .constant
    case "constant_with_warmup":
      w = try warmup()
      if viaGetScheduler { _ = try a.top.optionalDouble("num_training_steps") }
      kind = .constantWithWarmup(warmup: w!)
    case "linear":
      w = try warmup()
      total = try training()
      kind = .linear(warmup: w!, total: total!)
    case "cosine":
      w = try warmup()
      total = try training()
      kind = .cosine(warmup: w!, total: total!, cycles: try a.double("num_cycles", default: 0.5),
                     minRate: 0)
    case "cosine_with_restarts":
      w = try warmup()
      total = try training()
      kind = .hardRestarts(warmup: w!, total: total!,
                           cycles: try a.double("num_cycles", default: 1))
    case "polynomial":
      w = try warmup()
      total = try training()
      let lrEnd = try a.double("lr_end", default: 1e-7)
      let power = try a.double("power", default: 1)
      if !(lr > lrEnd) {
        throw .invalidValue(field: a.field("lr_end"), value: "\(lrEnd)",
                            reason: "lr_end (\(lrEnd)) must be smaller than initial lr (\(lr))")
      }
      if w == total, total! == total!.rounded(), let t = truncatedInt(total!), t >= 0 {
        limit = StepLimit(steps: t, field: a.top.field("num_warmup_steps"),
                          reason: "num_warmup_steps == num_training_steps: transformers divides by zero there (ZeroDivisionError)")
      }
      kind = .polynomial(warmup: w!, total: total!, lrEnd: lrEnd, power: power, lrInit: lr)
    case "inverse_sqrt":
      w = try warmup()
      if viaGetScheduler { _ = try a.top.optionalDouble("num_training_steps") }
      let timescale = try a.optionalDouble("timescale")
      let tau = timescale ?? (w! != 0 ? w! : 10_000)
      try a.check(tau > 0, "timescale", tau, "must be positive (the decay divides by it and takes a square root)")
      kind = .inverseSqrt(warmup: w!, timescale: tau)
    case "cosine_with_min_lr", "cosine_warmup_with_min_lr":
      w = try warmup()
      total = try training()
      let cycles = try a.double("num_cycles", default: 0.5)
      let minLR = try a.optionalDouble("min_lr")
      let minRate = try a.optionalDouble("min_lr_rate")
      let rate: Double
      switch (minLR, minRate) {
      case (.some, .some):
        throw .invalidValue(field: a.field("min_lr_rate"), value: "\(minRate!)",
                            reason: "Only one of min_lr or min_lr_rate should be set")
      case (.some(let m), nil): rate = m / lr
      case (nil, .some(let r)): rate = r
      case (nil, nil):
        if case .unknownField(let f, let sc, let hint) = a.missing("min_lr_rate") {
          throw .unknownField(field: f, schedule: sc, suggestion: hint)
        }
        throw .missingField(field: a.field("min_lr"),
                            schedule: "\(name) (One of min_lr or min_lr_rate should be set)")
      }
      if name == "cosine_with_min_lr" {
        kind = .cosine(warmup: w!, total: total!, cycles: cycles, minRate: rate)
      } else {
        kind = .cosineWarmupWithMinLR(warmup: w!, total: total!, cycles: cycles, minRate: rate,
                                      warmupRate: try a.optionalDouble("warmup_lr_rate"))
      }
    case "warmup_stable_decay":
      w = try warmup()
      let trainingSteps = try a.top.optionalDouble("num_training_steps")
      let decay = try a.double("num_decay_steps")
      let stableGiven = try a.optionalDouble("num_stable_steps")
      let warmupType = try a.choice("warmup_type", ["linear", "cosine", "1-sqrt"], default: "linear")
      let decayType = try a.choice("decay_type", ["linear", "cosine", "1-sqrt"], default: "cosine")
      let m = try a.double("min_lr_ratio", default: 0)
      let cycles = try a.double("num_cycles", default: 0.5)
      let stable: Double
      if let stableGiven {
        stable = stableGiven
        if trainingSteps != nil {
          warnings.append("field '\(a.field("num_stable_steps"))': both num_training_steps and "
            + "num_stable_steps are given; transformers uses num_stable_steps")
        }
      } else {
        guard let trainingSteps else {
          throw .missingField(field: a.top.field("num_training_steps"),
                              schedule: "\(name) (Either num_training_steps or num_stable_steps must be specified.)")
        }
        stable = trainingSteps - w! - decay
      }
      total = trainingSteps ?? (w! + stable + decay)
      kind = .wsd(warmup: w!, stable: stable, decay: decay, warmupType: warmupType,
                  decayType: decayType, minRatio: m, cycles: cycles)
    case "reduce_lr_on_plateau":
      if viaGetScheduler {
        _ = try a.top.optionalDouble("num_warmup_steps")
        _ = try a.top.optionalDouble("num_training_steps")
      }
      let rule: PlateauRule
      if var kw = a.kwargs {
        rule = try plateauRule(&kw, defaultStart: 0, readsStart: false)
        a.kwargs = kw
      } else {
        rule = try plateauRule(&a.top, defaultStart: 0, readsStart: false)
      }
      try a.finishKwargs()
      return DecodedSchedule(type: type, lr: Constant(lr: lr), plateau: rule, warnings: warnings)
    default:
      throw .unknownType(type: name, suggestion: nil)
    }
    if let w, let total, w > total {
      warnings.append("field '\(a.top.field("num_warmup_steps"))': \(w) warmup steps is longer "
        + "than num_training_steps (\(total))")
    }
    try a.finishKwargs()
    return DecodedSchedule(
      type: type, lr: HFLambda(kind: kind, lr: lr),
      warmupSteps: w.flatMap { truncatedInt($0.rounded(.up)) },
      totalSteps: total.flatMap { truncatedInt($0.rounded(.up)) }, stepLimit: limit,
      warnings: warnings)
  }

  /// A `LambdaLR` built with `last_epoch = N`: its first update uses epoch N + 1.
  static func resumed(_ d: DecodedSchedule, at lastEpoch: Int) -> DecodedSchedule {
    guard var lambda = d.lr as? HFLambda else { return d }
    var out = d
    lambda.offset = lastEpoch + 1
    out.lr = lambda
    out.warmupSteps = d.warmupSteps.map { max($0 - lastEpoch - 1, 0) }
    out.totalSteps = d.totalSteps.map { max($0 - lastEpoch - 1, 1) }
    out.stepLimit = d.stepLimit.map {
      StepLimit(steps: max($0.steps - lastEpoch - 1, 0), field: $0.field, reason: $0.reason)
    }
    return out
  }
}

/// The arguments of a transformers schedule function: the main ones on the spec, the schedule
/// specific ones either there too (direct function specs) or in `scheduler_specific_kwargs`.
struct HFArguments {
  var top: SpecReader
  var kwargs: SpecReader?

  func field(_ key: String) -> String { kwargs?.field(key) ?? top.field(key) }

  mutating func double(_ key: String, default value: Double) throws(ScheduleError) -> Double {
    if kwargs != nil { return try kwargs!.double(key, default: value) }
    return try top.double(key, default: value)
  }

  mutating func optionalDouble(_ key: String) throws(ScheduleError) -> Double? {
    if kwargs != nil { return try kwargs!.optionalDouble(key) }
    return try top.optionalDouble(key)
  }

  mutating func int(_ key: String) throws(ScheduleError) -> Int {
    if kwargs != nil { return try kwargs!.int(key) }
    return try top.int(key)
  }

  mutating func double(_ key: String) throws(ScheduleError) -> Double {
    if kwargs != nil { return try kwargs!.double(key) }
    return try top.double(key)
  }

  mutating func int(_ key: String, default value: Int) throws(ScheduleError) -> Int {
    if kwargs != nil { return try kwargs!.int(key, default: value) }
    return try top.int(key, default: value)
  }

  mutating func optionalInt(_ key: String) throws(ScheduleError) -> Int? {
    if kwargs != nil { return try kwargs!.optionalInt(key) }
    return try top.optionalInt(key)
  }

  mutating func choice(_ key: String, _ choices: [String], default value: String)
    throws(ScheduleError) -> String
  {
    if kwargs != nil { return try kwargs!.choice(key, choices, default: value) }
    return try top.choice(key, choices, default: value)
  }

  func check(_ condition: Bool, _ key: String, _ value: Any, _ reason: String)
    throws(ScheduleError)
  {
    if kwargs != nil { try kwargs!.check(condition, key, value, reason) } else {
      try top.check(condition, key, value, reason)
    }
  }

  /// The error for a missing `key`, preferring a near-miss spelling in the kwargs.
  func missing(_ key: String) -> ScheduleError { kwargs?.missing(key) ?? top.missing(key) }

  /// Unknown keys in `scheduler_specific_kwargs` are a TypeError in Python: refuse them.
  func finishKwargs() throws(ScheduleError) { try kwargs?.finish() }
}
