/// LRKit's own spec vocabulary: short lowercase `type` names, `lr` for the defining learning
/// rate, lengths in steps (or, written as a number in (0, 1), a fraction of `steps`), and keys
/// every native spec accepts:
///
/// - `"warmup"`: steps, a fraction of `steps`, or `{"steps", "start", "placement", "shape"}`;
///   a prefix by default (`steps` counts it: the decay gets `steps − warmup`);
/// - `"scale"`: a constant factor; `"clamp"`: `[lower, upper]`;
/// - `"precision"`: `"float64"` (default) or `"float32"` to evaluate in `Float`.
enum NativeFamily: String, CaseIterable, Sendable {
  case constant, step, multistep, exponential
  case inverseTime = "inverse_time"
  case inverseSqrt = "inverse_sqrt"
  case noam, polynomial, linear, cosine, restarts, onecycle, cyclic, wsd, tanh
}

extension ScheduleSpec {
  static let nativeBuilders: [String: SpecBuilder] = {
    var table: [String: SpecBuilder] = [:]
    for family in NativeFamily.allCases {
      table[family.rawValue] = { (r: inout SpecReader, c: SpecContext) throws in
        try decodeNative(family, &r, c)
      }
    }
    table["sequence"] = decodeSequence
    table["product"] = decodeProduct
    table["plateau"] = decodePlateau
    return table
  }()

  static func decodeNative(_ family: NativeFamily, _ r: inout SpecReader, _ c: SpecContext)
    throws(ScheduleError) -> DecodedSchedule
  {
    let precision = try r.choice("precision", ["float64", "float32"], default: "float64")
    var decoded: DecodedSchedule
    if precision == "float32" {
      let parts = try nativeParts(family, &r, as: Float.self)
      decoded = DecodedSchedule(
        type: family.rawValue, lr: Widened(parts.lr), momentum: parts.momentum.map { Widened($0) },
        warmupSteps: parts.warmup, totalSteps: parts.total, warnings: parts.warnings)
    } else {
      let parts = try nativeParts(family, &r, as: Double.self)
      decoded = DecodedSchedule(
        type: family.rawValue, lr: parts.lr, momentum: parts.momentum,
        warmupSteps: parts.warmup, totalSteps: parts.total, warnings: parts.warnings)
    }
    return decoded
  }
}

/// The pieces of a decoded native spec in one scalar type.
struct NativeParts<S: ScheduleScalar> {
  var lr: any LearningRateSchedule<S>
  var momentum: (any LearningRateSchedule<S>)?
  var warmup: Int?
  var total: Int?
  var warnings: [String]
}

/// How a native spec asked for warmup.
struct WarmupRequest {
  var steps: Int
  var start: Double
  var placement: Warmup<AnySchedule<Double>>.Placement
  var shape: Warmup<AnySchedule<Double>>.Shape
}

extension SpecReader {
  /// A length in steps: a non-negative integer, or a number in (0, 1) taken as a fraction of
  /// `total` (rounded to the nearest step).
  mutating func length(_ key: String, total: Int?) throws(ScheduleError) -> Int? {
    guard let v = take(key) else { return nil }
    guard case .number(let x, let isInteger) = v, x.isFinite else {
      throw .wrongType(field: field(key), expected: "a step count or a fraction in (0, 1)",
                       found: v.typeName)
    }
    if !isInteger && x > 0 && x < 1 {
      guard let total else {
        throw .invalidValue(field: field(key), value: "\(x)",
                            reason: "a fraction needs 'steps' to say what it is a fraction of")
      }
      return truncatedInt((x * Double(total)).rounded()) ?? 0
    }
    let n = try SpecReader.integer(v, field: field(key))
    try check(n >= 0, key, n, "must be at least 0")
    return n
  }

  /// A positive step count.
  mutating func positiveInt(_ key: String) throws(ScheduleError) -> Int {
    let n = try int(key)
    try check(n >= 1, key, n, "must be at least 1")
    return n
  }

  /// A learning rate: finite and not negative.
  mutating func rate(_ key: String) throws(ScheduleError) -> Double {
    let x = try double(key)
    try check(x >= 0, key, x, "a learning rate cannot be negative")
    return x
  }

  /// A learning rate with a default.
  mutating func rate(_ key: String, default value: Double) throws(ScheduleError) -> Double {
    let x = try double(key, default: value)
    try check(x >= 0, key, x, "a learning rate cannot be negative")
    return x
  }

  /// The warmup request of a native spec.
  mutating func warmupRequest(total: Int?) throws(ScheduleError) -> WarmupRequest? {
    guard let v = take("warmup") else { return nil }
    if case .object = v {
      var w = try SpecReader(v, schedule: "warmup", path: field("warmup"))
      let steps = try w.length("steps", total: total) ?? 0
      let start = try w.double("start", default: 0)
      let placement = try w.choice("placement", ["prefix", "overlap"], default: "prefix")
      let shape = try w.choice("shape", ["linear", "cosine", "1-sqrt"], default: "linear")
      try w.finish()
      return WarmupRequest(steps: steps, start: start, placement: .init(rawValue: placement)!,
                           shape: .init(rawValue: shape)!)
    }
    used.remove("warmup")
    let steps = try length("warmup", total: total) ?? 0
    return WarmupRequest(steps: steps, start: 0, placement: .prefix, shape: .linear)
  }

  /// `floor` (absolute) or `floor_ratio` (a fraction of `peak`), default 0.
  mutating func floor(peak: Double) throws(ScheduleError) -> Double {
    let absolute = try optionalDouble("floor")
    let ratio = try optionalDouble("floor_ratio")
    if absolute != nil && ratio != nil {
      throw .invalidValue(field: field("floor_ratio"), value: "\(ratio!)",
                          reason: "give either 'floor' or 'floor_ratio', not both")
    }
    if let ratio {
      try check(ratio >= 0, "floor_ratio", ratio, "cannot be negative")
      return peak * ratio
    }
    let f = absolute ?? 0
    try check(f >= 0, "floor", f, "a learning rate cannot be negative")
    return f
  }

  /// `{"base": b, "max": m}` or `false`.
  mutating func momentumRange(default value: (Double, Double)) throws(ScheduleError)
    -> (base: Double, max: Double)?
  {
    guard let v = take("momentum") else { return value }
    if case .bool(false) = v { return nil }
    var m = try SpecReader(v, schedule: "momentum", path: field("momentum"))
    let base = try m.double("base", default: value.0)
    let max = try m.double("max", default: value.1)
    try m.finish()
    return (base, max)
  }
}

func nativeParts<S: ScheduleScalar>(_ family: NativeFamily, _ r: inout SpecReader, as: S.Type)
  throws(ScheduleError) -> NativeParts<S>
{
  let total = try r.optionalInt("steps")
  if let total { try r.check(total >= 1, "steps", total, "must be at least 1") }
  let warmup = try r.warmupRequest(total: total)
  let w = warmup?.steps ?? 0
  var warnings: [String] = []
  // The span the family itself covers: the whole of `steps` minus a prefix warmup.
  var span: Int? = total
  if let total, let warmup {
    if warmup.steps >= total {
      warnings.append(
        "field '\(r.field("warmup"))': \(warmup.steps) warmup steps is not shorter than 'steps' "
          + "(\(total)); the schedule never leaves its warmup")
    }
    if warmup.placement == .prefix { span = max(total - warmup.steps, 1) }
  }
  func needSpan() throws(ScheduleError) -> Int {
    guard let span else { throw r.missing("steps") }
    return span
  }
  var momentum: (any LearningRateSchedule<S>)?
  var rampEnd: Int?  // where a family's own rise ends (one-cycle's peak), for charts
  let schedule: any LearningRateSchedule<S>
  switch family {
  case .constant:
    schedule = try assemble(Constant(lr: S(try r.rate("lr"))), warmup, &r)
  case .step:
    let lr = try r.rate("lr")
    schedule = try assemble(StepDecay(lr: S(lr), stepSize: try r.positiveInt("step_size"),
                     gamma: S(try r.double("gamma", default: 0.1))), warmup, &r)
  case .multistep:
    let lr = try r.rate("lr")
    let milestones = try r.ints("milestones")
    for (i, m) in milestones.enumerated() where m < 0 {
      throw .invalidValue(field: r.field("milestones[\(i)]"), value: "\(m)", reason: "must be ≥ 0")
    }
    schedule = try assemble(MultiStepDecay(lr: S(lr), milestones: milestones,
                          gamma: S(try r.double("gamma", default: 0.1))), warmup, &r)
  case .exponential:
    let lr = try r.rate("lr")
    let rate = try r.double("rate")
    try r.check(rate > 0, "rate", rate, "must be positive")
    let period = try r.double("period", default: 1)
    try r.check(period > 0, "period", period, "must be positive")
    let begin = try r.int("begin", default: 0)
    let staircase = try r.bool("staircase", default: false)
    let bound = try r.optionalDouble("floor")
    schedule = try assemble(ExponentialDecay(lr: S(lr), rate: S(rate), period: S(period), begin: begin,
                            staircase: staircase, bound: bound.map { S($0) }), warmup, &r)
  case .inverseTime:
    let lr = try r.rate("lr")
    let rate = try r.double("rate")
    try r.check(rate >= 0, "rate", rate, "cannot be negative")
    let period = try r.double("period", default: 1)
    try r.check(period > 0, "period", period, "must be positive")
    schedule = try assemble(InverseTimeDecay(lr: S(lr), rate: S(rate), period: S(period),
                            staircase: try r.bool("staircase", default: false)), warmup, &r)
  case .inverseSqrt:
    let lr = try r.rate("lr")
    let timescale = try r.optionalDouble("timescale")
    if let timescale { try r.check(timescale > 0, "timescale", timescale, "must be positive") }
    // This family has its own warmup (it peaks at the end of it).
    schedule = try assemble(InverseSquareRoot(lr: S(lr), warmup: w, timescale: timescale.map { S($0) }), nil, &r)
    return NativeParts(lr: schedule, momentum: nil, warmup: w, total: total,
                       warnings: warnings)
  case .noam:
    let d = try r.double("d_model")
    try r.check(d > 0, "d_model", d, "must be positive")
    let scale = try r.double("scale", default: 1)
    guard w >= 1 else { throw r.missing("warmup") }
    schedule = try assemble(NoamDecay(modelDimension: S(d), warmup: w, scale: S(scale)), nil, &r)
    return NativeParts(lr: schedule, momentum: nil, warmup: w, total: total,
                       warnings: warnings)
  case .polynomial:
    let lr = try r.rate("lr")
    let end = try r.rate("end", default: 0)
    let power = try r.double("power", default: 1)
    try r.check(power > 0, "power", power, "must be positive")
    schedule = try assemble(PolynomialDecay(lr: S(lr), end: S(end), steps: try needSpan(), power: S(power),
                           cycle: try r.bool("cycle", default: false)), warmup, &r)
  case .linear:
    let lr = try r.rate("lr")
    schedule = try assemble(LinearDecay(lr: S(lr), end: S(try r.rate("end", default: 0)), steps: try needSpan()), warmup, &r)
  case .cosine:
    let lr = try r.rate("lr")
    let floor = try r.floor(peak: lr)
    let halfWaves = try r.double("half_waves", default: 1)
    try r.check(halfWaves > 0, "half_waves", halfWaves, "must be positive")
    let exponent = try r.double("exponent", default: 1)
    try r.check(exponent > 0, "exponent", exponent, "must be positive")
    schedule = try assemble(CosineAnnealing(lr: S(lr), floor: S(floor), steps: try needSpan(),
                           halfWaves: S(halfWaves), exponent: S(exponent)), warmup, &r)
  case .restarts:
    let lr = try r.rate("lr")
    let floor = try r.floor(peak: lr)
    let period = try r.positiveInt("period")
    let multiplier = try r.double("multiplier", default: 1)
    try r.check(multiplier >= 1, "multiplier", multiplier, "must be at least 1")
    let decay = try r.double("decay", default: 1)
    try r.check(decay > 0, "decay", decay, "must be positive")
    let cycles = try r.optionalInt("cycles")
    if let cycles { try r.check(cycles >= 1, "cycles", cycles, "must be at least 1") }
    schedule = try assemble(WarmRestarts(lr: S(lr), floor: S(floor), period: period, multiplier: S(multiplier),
                        peakDecay: S(decay), cycleLimit: cycles), warmup, &r)
  case .onecycle:
    let lr = try r.rate("lr")
    let steps = try needSpan()
    try r.check(steps >= 2, "steps", steps, "one-cycle needs at least 2 steps")
    let pct = try r.double("pct_start", default: 0.3)
    try r.check(pct > 0 && pct < 1, "pct_start", pct, "must be in (0, 1)")
    let div = try r.double("div_factor", default: 25)
    try r.check(div > 0, "div_factor", div, "must be positive")
    let finalDiv = try r.double("final_div_factor", default: 1e4)
    try r.check(finalDiv > 0, "final_div_factor", finalDiv, "must be positive")
    let threePhase = try r.bool("three_phase", default: false)
    let anneal = try r.choice("anneal", ["cos", "linear"], default: "cos")
    let m = try r.momentumRange(default: (0.85, 0.95))
    let cycle = OneCycle(
      peak: S(lr), steps: steps, pctStart: S(pct), divFactor: S(div),
      finalDivFactor: S(finalDiv), threePhase: threePhase, anneal: .init(rawValue: anneal)!,
      baseMomentum: m.map { S($0.base) }, maxMomentum: S(m?.max ?? 0.95))
    rampEnd = max(Int((pct * Double(steps)).rounded()) - 1, 0) + (warmup?.steps ?? 0)
    if pct * Double(steps) < 2 {
      warnings.append("field '\(r.field("pct_start"))': \(pct) of \(steps) steps leaves the "
        + "rising phase less than 2 steps long")
    }
    schedule = try assemble(cycle, warmup, &r)
    if m != nil { momentum = ClosureSchedule { cycle.momentum(at: $0) } }
  case .cyclic:
    let lr = try r.rate("lr")
    let maxLR = try r.rate("max_lr")
    let up = try r.double("up", default: 2000)
    try r.check(up > 0, "up", up, "must be positive")
    let down = try r.optionalDouble("down")
    if let down { try r.check(down > 0, "down", down, "must be positive") }
    let mode = try r.choice("mode", ["triangular", "triangular2", "exp_range"],
                            default: "triangular")
    let gamma = try r.double("gamma", default: 1)
    let m = try r.momentumRange(default: (0.8, 0.9))
    let cyc = Cyclic(base: S(lr), max: S(maxLR), up: S(up), down: down.map { S($0) },
                     mode: .init(rawValue: mode)!, gamma: S(gamma),
                     baseMomentum: m.map { S($0.base) }, maxMomentum: S(m?.max ?? 0.9))
    schedule = try assemble(cyc, warmup, &r)
    if m != nil { momentum = ClosureSchedule { cyc.momentum(at: $0) } }
  case .wsd:
    let lr = try r.rate("lr")
    let floor = try r.floor(peak: lr)
    let start = try r.rate("start", default: 0)
    let shape = try r.choice("shape", WarmupStableDecay<S>.DecayShape.allCases.map(\.rawValue),
                             default: "1-sqrt")
    let decay = try r.length("decay", total: total)
    let stableGiven = try r.length("stable", total: total)
    guard let decay else { throw r.missing("decay") }
    let stable: Int
    if let stableGiven {
      stable = stableGiven
      if let total, w + stable + decay != total {
        warnings.append("field '\(r.field("stable"))': warmup + stable + decay = "
          + "\(w + stable + decay) differs from 'steps' (\(total)); the phases decide")
      }
    } else {
      guard let total else { throw r.missing("stable") }
      stable = total - w - decay
      if stable < 0 {
        throw .invalidValue(field: r.field("decay"), value: "\(decay)",
                            reason: "warmup (\(w)) + decay is longer than 'steps' (\(total))")
      }
    }
    if shape == "exponential" && floor <= 0 {
      throw .invalidValue(field: r.field("floor"), value: "\(floor)",
                          reason: "an exponential decay needs a positive floor")
    }
    let wsd = WarmupStableDecay(
      peak: S(lr), warmup: w, stable: stable, decay: decay, floor: S(floor),
      start: S(warmup?.start ?? start), shape: .init(rawValue: shape)!)
    return NativeParts(lr: try assemble(wsd, nil, &r), momentum: nil, warmup: w,
                       total: total ?? wsd.steps, warnings: warnings)
  case .tanh:
    let lr = try r.rate("lr")
    let floor = try r.floor(peak: lr)
    schedule = try assemble(TanhDecay(lr: S(lr), floor: S(floor), steps: try needSpan(),
                     lower: S(try r.double("lower", default: -7)),
                     upper: S(try r.double("upper", default: 3))), warmup, &r)
  }
  if let warmup, warmup.steps > 0 {
    if let m = momentum, warmup.placement == .prefix {
      momentum = SequenceSchedule([Constant(lr: m.value(at: 0)), m], milestones: [warmup.steps])
    }
  }
  return NativeParts(lr: schedule, momentum: momentum, warmup: warmup?.steps ?? rampEnd,
                     total: total, warnings: warnings)
}

/// Puts the warmup in front of `base` and applies the `scale` and `clamp` keys every native
/// spec accepts, keeping concrete types so the result compiles to one specialised closure.
func assemble<B: LearningRateSchedule>(_ base: B, _ warmup: WarmupRequest?, _ r: inout SpecReader)
  throws(ScheduleError) -> any LearningRateSchedule<B.Scalar>
{
  guard let warmup, warmup.steps > 0 else { return try decorate(base, &r) }
  let ramp = Warmup(base, steps: warmup.steps, start: B.Scalar(warmup.start),
                    placement: .init(rawValue: warmup.placement.rawValue)!,
                    shape: .init(rawValue: warmup.shape.rawValue)!)
  return try decorate(ramp, &r)
}

/// Applies the `scale` and `clamp` keys and compiles the result.
func decorate<B: LearningRateSchedule>(_ schedule: B, _ r: inout SpecReader)
  throws(ScheduleError) -> any LearningRateSchedule<B.Scalar>
{
  let scale = try r.optionalDouble("scale")
  if let scale { try r.check(scale >= 0, "scale", scale, "cannot be negative") }
  var bounds: [Double]?
  if r.has("clamp") {
    let b = try r.doubles("clamp")
    guard b.count == 2, b[0] <= b[1] else {
      throw .invalidValue(field: r.field("clamp"), value: "\(b)",
                          reason: "must be [lower, upper] with lower ≤ upper")
    }
    bounds = b
  } else {
    _ = r.take("clamp")
  }
  typealias S = B.Scalar
  switch (scale, bounds) {
  case (nil, nil):
    return CompiledSchedule(schedule)
  case (let f?, nil):
    return CompiledSchedule(Scaled(schedule, by: S(f)))
  case (nil, let b?):
    return CompiledSchedule(Clamped(schedule, lower: S(b[0]), upper: S(b[1])))
  case (let f?, let b?):
    return CompiledSchedule(Clamped(Scaled(schedule, by: S(f)), lower: S(b[0]), upper: S(b[1])))
  }
}
