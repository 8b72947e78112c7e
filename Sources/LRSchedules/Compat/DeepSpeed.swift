import LRSupport

/// `deepspeed.runtime.lr_schedules.*` specs: DeepSpeed's parameter names, defaults and checks,
/// and the learning rate each update sees under DeepSpeed's engine (see `DeepSpeedSchedule`).
///
/// `lr` is the optimizer's learning rate: `WarmupLR` rises to it when `warmup_max_lr` is absent
/// or null, `WarmupCosineLR` scales it (required there); the other schedulers overwrite it, so
/// it is accepted and has no effect. A list per parameter group and `last_batch_iteration`
/// other than -1 are refused.
extension ScheduleSpec {
  static let deepSpeedPrefix = "deepspeed.runtime.lr_schedules."

  /// DeepSpeed's `VALID_LR_SCHEDULES`.
  static let deepSpeedClasses = ["LRRangeTest", "OneCycle", "WarmupLR", "WarmupDecayLR", "WarmupCosineLR"]

  static let deepSpeedBuilders: [String: SpecBuilder] = {
    var table: [String: SpecBuilder] = [:]
    for name in deepSpeedClasses {
      table[deepSpeedPrefix + name] = { (r: inout SpecReader, c: SpecContext) throws in
        try decodeDeepSpeed(name, &r)
      }
    }
    return table
  }()

  static func decodeDeepSpeed(_ name: String, _ r: inout SpecReader) throws(ScheduleError)
    -> DecodedSchedule
  {
    let lr = try r.optionalDouble("lr")
    if let lr { try r.check(lr >= 0, "lr", lr, "a learning rate cannot be negative") }
    if let resume = try r.optionalInt("last_batch_iteration"), resume != -1 {
      throw .invalidValue(
        field: r.field("last_batch_iteration"), value: "\(resume)",
        reason: "a resumed DeepSpeed scheduler takes its first learning rate from the optimizer's restored "
          + "state; LRKit draws the schedule from its start (-1): draw it and read from update \(resume + 1) on")
    }
    var warnings: [String] = []
    switch name {
    case "WarmupLR", "WarmupDecayLR", "WarmupCosineLR":
      let requested = try r.strictInt("warmup_num_steps", default: 1000)
      try r.check(requested > 0, "warmup_num_steps", requested,
                  "warmup_num_steps must be a positive integer (DeepSpeed raises ValueError)")
      let w = max(2, requested)
      let type = try r.optionalString("warmup_type") ?? "log"
      if type != "log" && type != "linear" {
        warnings.append("field '\(r.field("warmup_type"))': '\(type)' is not log or linear; DeepSpeed "
          + "warns and warms up with log, as drawn here")
      }
      let warmup = DeepSpeedSchedule.Warmup(inverseLog: type == "linear" ? nil : 1.0 / Double.log(Double(w)), steps: w)
      let total = name == "WarmupLR" ? nil : try deepSpeedTotal(&r)
      if let total, total < Double(w) {
        warnings.append("field '\(r.field("total_num_steps"))': \(total) is less than warmup_num_steps \(w); "
          + "DeepSpeed warns and goes on")
      }
      let kind: DeepSpeedSchedule.Kind
      if name == "WarmupCosineLR" {
        guard let lr else { throw r.missing("lr") }
        let minRatio = try r.double("warmup_min_ratio", default: 0.0)
        let cosMin = try r.double("cos_min_ratio", default: 0.0001)
        kind = .cosine(warmup, lr: lr, warmupMinRatio: minRatio, cosMinRatio: cosMin, total: total!)
      } else {
        let low = try deepSpeedRate(&r, "warmup_min_lr", default: 0.0)
        // WarmupLR's warmup_max_lr defaults to None (the optimizer's lr), WarmupDecayLR's to
        // 0.001; None given explicitly means the optimizer's lr in both.
        let high: Double
        if r.raw("warmup_max_lr") == .null || (name == "WarmupLR" && r.raw("warmup_max_lr") == nil) {
          r.ignore("warmup_max_lr")
          guard let lr else {
            throw .missingField(field: r.field("lr"),
                                schedule: "\(name) without warmup_max_lr (it rises to the optimizer's lr)")
          }
          high = lr
        } else {
          high = try deepSpeedRate(&r, "warmup_max_lr", default: 0.001)
        }
        for (key, value) in [("warmup_min_lr", low), ("warmup_max_lr", high)] where value < 0 {
          warnings.append("field '\(r.field(key))': \(value) is a negative learning rate; DeepSpeed accepts it")
        }
        kind = .warmup(warmup, min: low, delta: high - low, decayTotal: total)
      }
      let schedule = DeepSpeedSchedule(kind: kind)
      let steps = total.flatMap { $0 >= 1 && $0 <= 9.0e15 ? Int($0.rounded(.up)) : nil }
      return DecodedSchedule(type: r.schedule, lr: schedule, warmupSteps: w, totalSteps: steps,
                             warnings: warnings)
    case "LRRangeTest":
      let low = try deepSpeedRate(&r, "lr_range_test_min_lr", default: 1e-3)
      let size = try r.strictInt("lr_range_test_step_size", default: 2000)
      try r.check(size > 0, "lr_range_test_step_size", size,
                  "lr_range_test_step_size must be a positive integer (DeepSpeed raises ValueError)")
      let rate = try r.double("lr_range_test_step_rate", default: 1.0)
      let staircase = try r.bool("lr_range_test_staircase", default: false)
      let schedule = DeepSpeedSchedule(
        kind: .rangeTest(min: low, stepSize: Double(size), rate: rate, staircase: staircase))
      return DecodedSchedule(type: r.schedule, lr: schedule, warnings: warnings)
    case "OneCycle":
      let low = try deepSpeedRate(&r, "cycle_min_lr", default: nil)
      let high = try deepSpeedRate(&r, "cycle_max_lr", default: nil)
      let lrRate = try r.double("decay_lr_rate", default: 0)
      let first = try r.double("cycle_first_step_size", default: 2000)
      try r.check(first > 0, "cycle_first_step_size", first,
                  "cycle_first_step_size must be positive (DeepSpeed raises ValueError)")
      let second = try r.optionalDouble("cycle_second_step_size") ?? first
      try r.check(second >= 0, "cycle_second_step_size", second,
                  "cycle_second_step_size must be non-negative (DeepSpeed raises ValueError)")
      let firstStairs = try r.double("cycle_first_stair_count", default: 0)
      let secondStairs = try r.optionalDouble("cycle_second_stair_count") ?? firstStairs
      let decayStep = try r.double("decay_step_size", default: 0)
      let cycleMomentum = try r.bool("cycle_momentum", default: true)
      let minMomentum = try deepSpeedRate(&r, "cycle_min_mom", default: 0.8)
      let maxMomentum = try deepSpeedRate(&r, "cycle_max_mom", default: 0.9)
      let momentumRate = try r.double("decay_mom_rate", default: 0)
      let total = first + second
      let cycle = DeepSpeedSchedule.Cycle(
        minLR: low, maxLR: high, first: first, second: second, total: total, ratio: first / total,
        firstStairs: firstStairs, secondStairs: secondStairs, decayStepSize: decayStep,
        decayLRRate: lrRate, skipLRDecay: decayStep == 0 || lrRate == 0,
        minMomentum: minMomentum, maxMomentum: maxMomentum, decayMomentumRate: momentumRate,
        skipMomentumDecay: decayStep == 0 || momentumRate == 0)
      let schedule = DeepSpeedSchedule(kind: .oneCycle(cycle))
      var decoded = DecodedSchedule(
        type: r.schedule, lr: schedule,
        totalSteps: total <= 9.0e15 ? Int(total.rounded(.up)) + 1 : nil, warnings: warnings)
      if cycleMomentum {
        decoded.momentum = MomentumSchedule { schedule.momentum(at: $0) }
        if !cycle.skipMomentumDecay, momentumRate > 0, decayStep > 0, maxMomentum > 0, maxMomentum < 1 {
          let past = ((1 / maxMomentum - 1) * decayStep / momentumRate).rounded(.up)
          decoded.warnings.append(
            "field '\(r.field("decay_mom_rate"))': DeepSpeed multiplies β1 by (1 + decay_mom_rate · n / decay_step_size) "
              + "n updates after the cycle, so β1 passes 1 about \(past < 9.0e15 ? String(Int(past)) : String(past)) updates after it (Adam then diverges)")
        }
        decoded.warnings.append(
          "field '\(r.field("cycle_momentum"))': DeepSpeed cycles β1 and sets β2 to 0.99 (betas = (momentum, 0.99)) "
            + "for optimizers with betas; for one without, it warns and leaves momentum alone")
      }
      return decoded
    default:
      throw .unknownType(type: name, suggestion: nil)
    }
  }

  /// `total_num_steps`: required, any finite number DeepSpeed can subtract from (LRKit counts up
  /// to 2^53).
  static func deepSpeedTotal(_ r: inout SpecReader) throws(ScheduleError) -> Double {
    let total = try r.double("total_num_steps")
    try r.check(abs(total) <= 9_007_199_254_740_992, "total_num_steps", total,
                "must be at most 2^53 in magnitude")
    return total
  }

  /// A learning rate or momentum that DeepSpeed also takes as a list, one per parameter group.
  static func deepSpeedRate(_ r: inout SpecReader, _ key: String, default value: Double?)
    throws(ScheduleError) -> Double
  {
    if case .array? = r.raw(key) {
      throw .invalidValue(field: r.field(key), value: r.raw(key)!.serialized(),
                          reason: "one value per parameter group; LRKit draws one group: give a number")
    }
    guard let value else { return try r.double(key) }
    return try r.double(key, default: value)
  }
}
