import LRSupport

/// `optax.*` schedule specs with optax's parameter names. `"precision"` chooses JAX's
/// arithmetic: `"float32"` (the default, as JAX computes unless `jax_enable_x64` is set) or
/// `"float64"` (`jax_enable_x64`); children of `join_schedules` take the parent's precision.
extension ScheduleSpec {
  static let optaxFunctions = [
    "constant_schedule", "linear_schedule", "polynomial_schedule", "piecewise_constant_schedule",
    "piecewise_interpolate_schedule", "exponential_decay", "cosine_decay_schedule", "warmup_cosine_decay_schedule",
    "warmup_constant_schedule", "warmup_exponential_decay_schedule", "cosine_onecycle_schedule",
    "linear_onecycle_schedule", "sgdr_schedule", "join_schedules",
  ]

  static let optaxBuilders: [String: SpecBuilder] = {
    var table: [String: SpecBuilder] = [:]
    for name in optaxFunctions {
      table["optax." + name] = { (r: inout SpecReader, c: SpecContext) throws in
        var info = OptaxInfo()
        let precision = try r.choice("precision", ["float32", "float64"], default: "float32")
        let lr: any LearningRateSchedule<Double>
        if precision == "float64" {
          lr = try optaxSchedule(name, &r, &info, as: Double.self).compiled()
        } else {
          lr = try optaxSchedule(name, &r, &info, as: Float.self).compiledWidened()
        }
        return DecodedSchedule(type: r.schedule, lr: lr, warmupSteps: info.warmup,
                               totalSteps: info.total, warnings: info.warnings)
      }
    }
    return table
  }()

  struct OptaxInfo {
    var warmup: Int?
    var total: Int?
    var warnings: [String] = []
  }

  /// `{"100": 0.5, ...}`: integer boundaries (as JSON keys) to non-negative scales.
  static func boundariesAndScales(_ r: inout SpecReader, _ key: String, function: String)
    throws(ScheduleError) -> [(Int, Double)]
  {
    guard let v = r.take(key) else { return [] }
    guard case .object(let pairs) = v else {
      throw .wrongType(field: r.field(key), expected: "an object of step: scale pairs",
                       found: v.typeName)
    }
    var out: [(Int, Double)] = []
    for (k, value) in pairs {
      guard let b = Int(k) else {
        throw .wrongType(field: "\(r.field(key)).\(k)", expected: "an integer step as key",
                         found: "'\(k)'")
      }
      guard case .number(let s, _) = value, s.isFinite else {
        throw .wrongType(field: "\(r.field(key)).\(k)", expected: "a number", found: value.typeName)
      }
      if s < 0 {
        throw .invalidValue(field: "\(r.field(key)).\(k)", value: "\(s)",
                            reason: "`\(function)` expects non-negative scale factors")
      }
      out.append((b, s))
    }
    return out
  }

  static func optaxSchedule<S: ScheduleScalar>(
    _ name: String, _ r: inout SpecReader, _ info: inout OptaxInfo, as: S.Type
  ) throws(ScheduleError) -> JoinedSchedule<OptaxSchedule<S>>.Tree {
    switch name {
    case "constant_schedule":
      return .leaf(.constant(try r.double("value")))
    case "linear_schedule", "polynomial_schedule":
      let initial = try r.double("init_value")
      let end = try r.double("end_value")
      let power = name == "linear_schedule" ? 1 : try r.double("power")
      let steps = try r.int("transition_steps")
      let begin = try r.int("transition_begin", default: 0)
      if steps <= 0 {
        info.warnings.append("field '\(r.field("transition_steps"))': \(steps) makes optax "
          + "return a constant schedule at init_value")
      }
      info.total = max(begin, 0) + max(steps, 0)
      if end > initial { info.warmup = info.total }
      return .leaf(.polynomial(initial: initial, end: end, power: power, steps: steps, begin: begin))
    case "piecewise_constant_schedule":
      let initial = try r.double("init_value")
      let scales = try boundariesAndScales(&r, "boundaries_and_scales", function: "piecewise_constant_schedule")
      return .leaf(.piecewiseConstant(initial: initial, boundaries: scales.sorted { $0.0 < $1.0 }))
    case "piecewise_interpolate_schedule":
      let kind = try r.choice("interpolate_type", ["linear", "cosine"], default: "")
      if kind.isEmpty { throw r.missing("interpolate_type") }
      let initial = try r.double("init_value")
      let scales = try boundariesAndScales(&r, "boundaries_and_scales",
                                           function: "piecewise_interpolate_schedule")
      return .leaf(OptaxSchedule<S>.interpolate(cosine: kind == "cosine", initial: initial, scales: scales))
    case "exponential_decay":
      let initial = try r.double("init_value")
      let steps = try r.int("transition_steps")
      let rate = try r.double("decay_rate")
      let begin = try r.int("transition_begin", default: 0)
      let staircase = try r.bool("staircase", default: false)
      let end = try r.optionalDouble("end_value")
      return .leaf(.exponential(initial: initial, steps: steps, rate: rate, begin: begin,
                                staircase: staircase, end: end))
    case "cosine_decay_schedule":
      let initial = try r.double("init_value")
      let steps = try r.int("decay_steps")
      try r.check(steps > 0, "decay_steps", steps,
                  "The cosine_decay_schedule requires positive decay_steps")
      info.total = steps
      return .leaf(.cosineDecay(initial: initial, steps: steps, alpha: try r.double("alpha", default: 0),
                                exponent: try r.double("exponent", default: 1)))
    case "warmup_constant_schedule":
      let initial = try r.double("init_value")
      let peak = try r.double("peak_value")
      let w = try r.int("warmup_steps")
      info.warmup = w
      return .leaf(.polynomial(initial: initial, end: peak, power: 1, steps: w, begin: 0))
    case "warmup_cosine_decay_schedule":
      let initial = try r.double("init_value")
      let peak = try r.double("peak_value")
      let w = try r.int("warmup_steps")
      let d = try r.int("decay_steps")
      let end = try r.double("end_value", default: 0)
      let exponent = try r.double("exponent", default: 1)
      try r.check(d - w > 0, "decay_steps", d,
                  "The cosine_decay_schedule requires positive decay_steps, got decay_steps=\(d - w) "
                    + "(decay_steps includes the \(w) warmup steps)")
      info.warmup = w
      info.total = d
      let alpha = peak == 0 ? 0.0 : end / peak
      return .join([
        .leaf(.polynomial(initial: initial, end: peak, power: 1, steps: w, begin: 0)),
        .leaf(.cosineDecay(initial: peak, steps: d - w, alpha: alpha, exponent: exponent)),
      ], boundaries: [w])
    case "warmup_exponential_decay_schedule":
      let initial = try r.double("init_value")
      let peak = try r.double("peak_value")
      let w = try r.int("warmup_steps")
      let steps = try r.int("transition_steps")
      let rate = try r.double("decay_rate")
      let begin = try r.int("transition_begin", default: 0)
      let staircase = try r.bool("staircase", default: false)
      let end = try r.optionalDouble("end_value")
      info.warmup = w
      return .join([
        .leaf(.polynomial(initial: initial, end: peak, power: 1, steps: w, begin: 0)),
        .leaf(.exponential(initial: peak, steps: steps, rate: rate, begin: begin, staircase: staircase,
                           end: end)),
      ], boundaries: [w])
    case "cosine_onecycle_schedule", "linear_onecycle_schedule":
      let steps = try r.int("transition_steps")
      try r.check(steps > 0, "transition_steps", steps,
                  "A linear onecycle schedule was set with a non-positive `transition_steps`")
      let peak = try r.double("peak_value")
      let pctStart = try r.double("pct_start", default: 0.3)
      let div = try r.double("div_factor", default: 25)
      let finalDiv = try r.double("final_div_factor", default: 1e4)
      var scales: [(Int, Double)] = []
      func put(_ b: Int, _ s: Double) {  // a Python dict literal: a repeated key keeps its first slot
        if let i = scales.firstIndex(where: { $0.0 == b }) { scales[i].1 = s } else {
          scales.append((b, s))
        }
      }
      guard let startKnot = truncatedInt(pctStart * Double(steps)) else {
        throw .invalidValue(field: r.field("pct_start"), value: "\(pctStart)", reason: "is out of range")
      }
      put(startKnot, div)
      if name == "linear_onecycle_schedule" {
        let pctFinal = try r.double("pct_final", default: 0.85)
        guard let finalKnot = truncatedInt(pctFinal * Double(steps)) else {
          throw .invalidValue(field: r.field("pct_final"), value: "\(pctFinal)", reason: "is out of range")
        }
        put(finalKnot, 1.0 / div)
        put(steps, 1.0 / finalDiv)
      } else {
        put(steps, 1.0 / (div * finalDiv))
      }
      info.warmup = startKnot
      info.total = steps
      return .leaf(OptaxSchedule<S>.interpolate(cosine: name == "cosine_onecycle_schedule",
                                                initial: peak / div, scales: scales))
    case "sgdr_schedule":
      let items = try r.objects("cosine_kwargs")
      var schedules: [JoinedSchedule<OptaxSchedule<S>>.Tree] = []
      var boundaries: [Int] = []
      var step = 0
      for (json, path) in items {
        var child = try SpecReader(json, schedule: "optax.warmup_cosine_decay_schedule", path: path)
        var childInfo = OptaxInfo()
        schedules.append(try optaxSchedule("warmup_cosine_decay_schedule", &child, &childInfo, as: S.self))
        try child.finish()
        step += childInfo.total ?? 0
        boundaries.append(step)
      }
      if schedules.isEmpty {
        throw .invalidValue(field: r.field("cosine_kwargs"), value: "[]",
                            reason: "needs at least one cycle")
      }
      info.total = step
      return .join(schedules, boundaries: Array(boundaries.dropLast()))
    case "join_schedules":
      let items = try r.objects("schedules")
      let boundaries = try r.ints("boundaries")
      var schedules: [JoinedSchedule<OptaxSchedule<S>>.Tree] = []
      for (json, path) in items {
        guard case .string(let type) = json["type"] ?? .null, type.hasPrefix("optax."),
          optaxFunctions.contains(String(type.dropFirst(6)))
        else {
          throw .invalidValue(field: "\(path).type", value: "\(json["type"].map { "\($0)" } ?? "none")",
                              reason: "optax.join_schedules holds optax schedules")
        }
        var child = try SpecReader(json, schedule: type, path: path)
        if child.has("precision") {
          throw .invalidValue(field: child.field("precision"), value: child.raw("precision")!.serialized(),
                              reason: "JAX's precision is process-wide: set it once, on the top spec")
        }
        child.ignore("precision")
        var childInfo = OptaxInfo()
        schedules.append(try optaxSchedule(String(type.dropFirst(6)), &child, &childInfo, as: S.self))
        try child.finish()
        info.warnings += childInfo.warnings
      }
      if schedules.isEmpty {
        throw .invalidValue(field: r.field("schedules"), value: "[]",
                            reason: "needs at least one schedule")
      }
      if boundaries.count != schedules.count - 1 {
        info.warnings.append("field '\(r.field("boundaries"))': \(boundaries.count) boundaries for "
          + "\(schedules.count) schedules; optax pairs them with zip and ignores the rest")
      }
      return .join(schedules, boundaries: boundaries)
    default:
      throw .unknownType(type: name, suggestion: nil)
    }
  }
}
