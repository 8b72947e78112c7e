import LRSupport

/// `timm.scheduler.*` specs with timm's parameter names. `"lr"` is the optimizer's lr. LRKit's
/// step is timm's `t` in whatever unit the script steps in: with `t_in_epochs=False` (timm's
/// train script for per-update stepping, `step_update(num_updates)`) `t` counts updates; with
/// the default `t_in_epochs=True` (`step(epoch)`) it counts epochs — the curve is the same
/// function of `t` either way, so the argument is accepted and changes nothing. The noise
/// arguments are accepted while `noise_range_t` is null (timm adds no noise then); noise itself
/// comes from torch's random generator and is refused.
extension ScheduleSpec {
  static let timmClasses = [
    "CosineLRScheduler", "TanhLRScheduler", "PolyLRScheduler", "StepLRScheduler",
    "MultiStepLRScheduler", "WSDLRScheduler",
  ]

  static let timmBuilders: [String: SpecBuilder] = {
    var table: [String: SpecBuilder] = [:]
    for name in timmClasses {
      table["timm.scheduler." + name] = { (r: inout SpecReader, c: SpecContext) throws in
        try decodeTimm(name, &r)
      }
    }
    return table
  }()

  static func decodeTimm(_ name: String, _ r: inout SpecReader) throws(ScheduleError)
    -> DecodedSchedule
  {
    let base = try r.rate("lr")
    _ = try r.bool("t_in_epochs", default: true)
    _ = try r.bool("initialize", default: true)
    try r.refuse("noise_range_t", "timm's noise is drawn from torch's random generator, which "
      + "LRKit does not reproduce; set noise_range_t to null (no noise) to draw the curve")
    for key in ["noise_pct", "noise_std"] { _ = try r.optionalDouble(key) }
    _ = try r.optionalInt("noise_seed")
    let warmupT = try r.int("warmup_t", default: 0)
    try r.check(warmupT >= 0, "warmup_t", warmupT, "cannot be negative")
    let warmupInit = try r.double("warmup_lr_init", default: 0)
    try r.check(warmupInit >= 0, "warmup_lr_init", warmupInit, "cannot be negative")
    var total: Int?
    var stepLimit: StepLimit?
    let prefixDefault = ["StepLRScheduler", "MultiStepLRScheduler"].contains(name)
    let prefix = name == "WSDLRScheduler" ? true : try r.bool("warmup_prefix", default: prefixDefault)
    let kind: TimmSchedule.Kind
    switch name {
    case "CosineLRScheduler", "TanhLRScheduler", "PolyLRScheduler":
      let initial = try r.int("t_initial")
      try r.check(initial > 0, "t_initial", initial, "must be > 0 (timm asserts t_initial > 0)")
      let lrMin = try r.double("lr_min", default: 0)
      try r.check(lrMin >= 0, "lr_min", lrMin, "must be >= 0")
      let mul = try r.double("cycle_mul", default: 1)
      try r.check(mul > 0, "cycle_mul", mul, "must be positive")
      let decay = try r.double("cycle_decay", default: 1)
      let limit = try r.int("cycle_limit", default: 1)
      try r.check(limit >= 0, "cycle_limit", limit, "cannot be negative")
      let shape: TimmSchedule.Decay
      switch name {
      case "TanhLRScheduler":
        let lb = try r.double("lb", default: -7)
        let ub = try r.double("ub", default: 3)
        try r.check(lb < ub, "lb", lb, "must be below ub")
        shape = .tanh(lower: lb, upper: ub)
      case "PolyLRScheduler":
        shape = .poly(power: try r.double("power", default: 0.5),
                      kDecay: try r.double("k_decay", default: 1))
      default:
        shape = .cosine(kDecay: try r.double("k_decay", default: 1))
      }
      kind = .cycles(shape, initial: initial, lrMin: lrMin, mul: mul, decay: decay, limit: limit)
      let cycles = max(1, limit)
      total = mul == 1 ? initial * cycles
        : truncatedInt((-Double(initial) * (Double.pow(mul, Double(cycles)) - 1) / (1 - mul)).rounded(.down))
      if mul < 1 {
        // 1 − t/t_initial·(1 − cycle_mul) reaches 0: timm's math.log raises there.
        // The cycle formula runs only from warmup_t on (during the warmup timm never takes the log).
        let last = max(Double(initial) / (1 - mul) + (prefix ? Double(warmupT) : 0), Double(warmupT))
        if let steps = truncatedInt(last.rounded(.up)) {
          stepLimit = StepLimit(steps: max(steps, 0), field: r.field("cycle_mul"),
                            reason: "cycle_mul < 1 makes timm take the log of a non-positive number (ValueError: math domain error)")
        }
      }
    case "StepLRScheduler":
      let decayT = try r.double("decay_t")
      try r.check(decayT > 0, "decay_t", decayT, "must be positive")
      kind = .step(decayT: decayT, rate: try r.double("decay_rate", default: 1))
    case "MultiStepLRScheduler":
      kind = .multiStep(decayT: try r.ints("decay_t"), rate: try r.double("decay_rate", default: 1))
    case "WSDLRScheduler":
      let initial = try r.int("t_initial")
      try r.check(initial > 0, "t_initial", initial, "Invalid t_initial, must be > 0.")
      let decayT = try r.int("decay_t")
      try r.check(decayT > 0 && decayT <= initial, "decay_t", decayT,
                  "Invalid decay_t, must be in (0, t_initial] w/ t_initial=\(initial).")
      let lrMin = try r.double("lr_min", default: 0)
      try r.check(lrMin >= 0, "lr_min", lrMin, "Invalid lr_min, must be >= 0.")
      let stableFn = try r.choice("stable_fn", ["constant", "rsqrt", "power"], default: "constant")
      var tau = try r.optionalDouble("stable_timescale")
      let stablePower = try r.double("stable_power", default: 0.5)
      try r.check(stablePower > 0, "stable_power", stablePower, "must be > 0.")
      let decayFn = try r.choice("decay_fn", ["linear", "1-sqrt", "cosine", "power", "exp"],
                                 default: "1-sqrt")
      let decayPower = try r.double("decay_power", default: 0.5)
      try r.check(decayPower > 0, "decay_power", decayPower, "must be > 0.")
      let ratio = try r.double("decay_ratio", default: 0.1)
      try r.check(ratio > 0 && ratio < 1, "decay_ratio", ratio, "must be in (0, 1).")
      if stableFn != "constant" {
        if tau == nil { tau = Double(warmupT) }
        try r.check(tau! > 0, "stable_timescale", tau!,
                    "stable_fn=\(stableFn) requires a positive stable_timescale, it defaults to warmup_t (\(warmupT))")
      }
      kind = .wsd(initial: initial, decayT: decayT, lrMin: lrMin,
                  stableFn: TimmSchedule.WSDStable(rawValue: stableFn) ?? .constant,
                  timescale: tau ?? 1, stablePower: stablePower,
                  decayFn: TimmSchedule.WSDDecay(rawValue: decayFn) ?? .exp,
                  decayPower: decayPower, decayRatio: ratio)
      total = warmupT + initial
      let schedule = TimmSchedule(kind: kind, base: base, warmupT: warmupT, warmupInit: warmupInit,
                                  warmupPrefix: true)
      return DecodedSchedule(type: r.schedule, lr: schedule, warmupSteps: warmupT,
                             totalSteps: total)
    default:
      throw .unknownType(type: name, suggestion: nil)
    }
    if let t = total, prefix { total = t + warmupT }
    var warnings: [String] = []
    if warmupT > 0, !prefix, case .cycles(.cosine, _, _, _, _, _) = kind {
      warnings.append("field '\(r.field("warmup_prefix"))': false overlaps the warmup with the "
        + "cosine, so the lr jumps at warmup_t (timm issue #1242)")
    }
    let schedule = TimmSchedule(kind: kind, base: base, warmupT: warmupT, warmupInit: warmupInit,
                                warmupPrefix: prefix)
    // TanhLRScheduler without warmup_prefix evaluates its curve at warmup_t in the constructor.
    if case .cycles(.tanh, _, _, _, _, _) = kind, warmupT > 0, !prefix, schedule.warmupStep.isNaN {
      throw .invalidValue(field: r.field("cycle_mul"), value: "\(mulValue(kind))",
                          reason: "timm's constructor evaluates the curve at warmup_t, where cycle_mul < 1 "
                            + "takes the log of a non-positive number (ValueError: math domain error)")
    }
    if let complex = schedule.firstComplexStep(), complex < (stepLimit?.steps ?? Int.max) {
      let field: String
      if case .cycles(.poly(let power, _), _, _, _, _, _) = kind, power != power.rounded() {
        field = "power"
      } else {
        field = "k_decay"
      }
      stepLimit = StepLimit(steps: complex, field: r.field(field),
                            reason: "at this cycle boundary timm raises a slightly negative number to the "
                              + "fractional power and its learning rate becomes a complex number")
    }
    return DecodedSchedule(type: r.schedule, lr: schedule, warmupSteps: warmupT > 0 ? warmupT : nil,
                           totalSteps: total, stepLimit: stepLimit, warnings: warnings)
  }
}

/// `cycle_mul` of a cycling timm schedule, for messages.
func mulValue(_ kind: TimmSchedule.Kind) -> Double {
  if case .cycles(_, _, _, let mul, _, _) = kind { return mul }
  return 1
}
