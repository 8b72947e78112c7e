import LRSupport

/// `keras.optimizers.schedules.*` specs with Keras' parameter names, evaluated in float32 as
/// Keras does (floatx), then widened exactly.
extension ScheduleSpec {
  static let kerasClasses = [
    "ExponentialDecay", "PiecewiseConstantDecay", "PolynomialDecay", "InverseTimeDecay",
    "CosineDecay", "CosineDecayRestarts",
  ]

  static let kerasBuilders: [String: SpecBuilder] = {
    var table: [String: SpecBuilder] = [:]
    for name in kerasClasses {
      table["keras.optimizers.schedules." + name] = { (r: inout SpecReader, c: SpecContext) throws in
        try decodeKeras(name, &r)
      }
    }
    return table
  }()

  static func decodeKeras(_ name: String, _ r: inout SpecReader) throws(ScheduleError)
    -> DecodedSchedule
  {
    _ = try r.optionalString("name")
    // Keras takes the schedule's dtype from the initial value: an integer literal gives an
    // int32 schedule (π becomes 3), which no one means.
    for key in ["initial_learning_rate"] {
      if case .number(_, true)? = r.raw(key) {
        throw .invalidValue(field: r.field(key), value: r.raw(key)!.serialized(),
                            reason: "Keras would compute the whole schedule in int32 from an integer; write it as a float (e.g. 1.0)")
      }
    }
    if case .array(let values)? = r.raw("values"), case .number(_, true)? = values.first {
      throw .invalidValue(field: r.field("values[0]"), value: values[0].serialized(),
                          reason: "Keras takes the result's dtype from values[0]: an integer gives an int32 schedule; write it as a float")
    }
    func positive(_ key: String) throws(ScheduleError) -> Double {
      let v = try r.double(key)
      try r.check(v > 0, key, v, "Argument `\(key)` must be > 0.")
      return v
    }
    var total: Int?
    var warmup: Int?
    let schedule: KerasSchedule
    switch name {
    case "ExponentialDecay", "InverseTimeDecay":
      let initial = Float(try r.double("initial_learning_rate"))
      let steps = Float(try positive("decay_steps"))
      let rate = Float(try r.double("decay_rate"))
      let staircase = try r.bool("staircase", default: false)
      schedule = name == "ExponentialDecay"
        ? .exponential(initial: initial, steps: steps, rate: rate, staircase: staircase)
        : .inverseTime(initial: initial, steps: steps, rate: rate, staircase: staircase)
    case "PiecewiseConstantDecay":
      let boundaries = try r.ints("boundaries")
      let values = try r.doubles("values")
      if boundaries.count != values.count - 1 || boundaries.isEmpty {
        throw .invalidValue(field: r.field("boundaries"), value: "\(boundaries.count) values",
                            reason: "The length of boundaries should be 1 less than the length of values (\(values.count))")
      }
      schedule = .piecewise(boundaries: boundaries, values: values.map { Float($0) })
    case "PolynomialDecay":
      let initial = Float(try r.double("initial_learning_rate"))
      let steps = try positive("decay_steps")
      total = truncatedInt(steps)
      schedule = .polynomial(initial: initial, steps: Float(steps), stepsInt: steps,
                             end: Float(try r.double("end_learning_rate", default: 1e-4)),
                             power: Float(try r.double("power", default: 1)),
                             cycle: try r.bool("cycle", default: false))
    case "CosineDecay":
      let initial = Float(try r.double("initial_learning_rate"))
      let steps = try positive("decay_steps")
      let alpha = try r.double("alpha", default: 0)
      let target = try r.optionalDouble("warmup_target")
      let w = try r.double("warmup_steps", default: 0)
      total = truncatedInt(steps + (target == nil ? 0 : w))
      if target != nil { warmup = truncatedInt(w) }
      schedule = .cosine(initial: initial, steps: Float(steps), alpha: alpha,
                         warmupTarget: target.map { Float($0) }, warmupSteps: Float(w))
    case "CosineDecayRestarts":
      let initial = Float(try r.double("initial_learning_rate"))
      let first = Float(try positive("first_decay_steps"))
      let tMul = Float(try r.double("t_mul", default: 2))
      try r.check(tMul > 0, "t_mul", tMul, "must be positive")
      let restarts = KerasRestartsSchedule(initial: initial, first: first, tMul: tMul,
                                           mMul: Float(try r.double("m_mul", default: 1)),
                                           alpha: Float(try r.double("alpha", default: 0)))
      return DecodedSchedule(type: r.schedule, lr: CompiledSchedule(ConcreteWidened(restarts)), warmupSteps: warmup, totalSteps: total)
    default:
      throw .unknownType(type: name, suggestion: nil)
    }
    return DecodedSchedule(type: r.schedule, lr: CompiledSchedule(ConcreteWidened(schedule)), warmupSteps: warmup,
                           totalSteps: total)
  }
}
