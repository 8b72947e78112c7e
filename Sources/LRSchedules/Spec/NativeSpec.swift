import LRSupport

/// A native spec family: LRKit's own vocabulary (short lowercase `type` names, `lr` for the
/// defining learning rate, lengths in steps). Each family decodes its own keys in a
/// `Type+Spec.swift` file next to its type; the keys every native spec shares are read once,
/// before the family sees the reader, by ``ScheduleSpec/decodeNative(_:_:_:)``:
///
/// - `"steps"`: the schedule's length (what fractions of lengths refer to);
/// - `"warmup"`: steps, a fraction of `steps`, or `{"steps", "start", "placement", "shape"}`;
/// - `"scale"`: a constant factor; `"clamp"`: `[lower, upper]`;
/// - `"precision"`: `"float64"` (default) or `"float32"` to evaluate in `Float`.
///
/// A family never reads those keys itself, so no setting can be applied twice.
protocol NativeSpecFamily: Sendable {
  /// The spec's `type`.
  static var type: String { get }
  /// How the family treats `warmup`.
  static var warmupUse: NativeWarmupUse { get }
  /// Reads the family's own keys and builds the schedule, finishing it with `c.finish(_:)`.
  static func build<S: ScheduleScalar>(_ r: inout SpecReader, _ c: inout NativeContext<S>)
    throws(ScheduleError) -> NativeBuilt<S>
}

/// How a native family treats the shared `warmup` key.
enum NativeWarmupUse: Equatable {
  /// A ramp (any shape, start, placement) in front of or over the family's curve.
  case ramp
  /// The family's formula has its own warmup; of a warmup object only `steps` is accepted,
  /// plus `start` and `shape` where the flags say so.
  case formula(start: Bool, shape: Bool)
}

/// What a family built: the learning rate (already finished with the shared decorations) and,
/// where it drives one, momentum.
struct NativeBuilt<S: ScheduleScalar> {
  /// The finished learning-rate schedule.
  var lr: any LearningRateSchedule<S>
  /// The momentum or β1 the family drives (before any warmup hold), if any.
  var momentum: (any LearningRateSchedule<S>)? = nil
  /// Where the family's own rise ends, for charts (one-cycle's peak), if it has one.
  var rampEnd: Int? = nil
  /// The natural length when `steps` is absent (WSD's phases), if the family knows one.
  var total: Int? = nil
  /// The metric-driven rule (plateau).
  var plateau: PlateauRule? = nil
  /// Momentum already in `Double` with updates left to the optimizer (composites), if any.
  var drivenMomentum: MomentumSchedule? = nil
  /// Where the schedule refuses to go on, in its own steps (children of composites).
  var stepLimit: StepLimit? = nil
  /// Accepted oddities, each naming its field.
  var warnings: [String] = []
}

/// How a native spec asked for warmup.
struct WarmupRequest {
  var steps: Int
  var start: Double?
  var placement: Warmup<AnySchedule<Double>>.Placement
  var shape: Warmup<AnySchedule<Double>>.Shape
  /// The field that gave the request, for messages.
  var field: String

  /// Reads `warmup` under the family's rules.
  static func read(_ r: inout SpecReader, total: Int?, use: NativeWarmupUse, family: String)
    throws(ScheduleError) -> WarmupRequest?
  {
    guard let v = r.raw("warmup"), v != .null else {
      r.ignore("warmup")
      return nil
    }
    let field = r.field("warmup")
    guard case .object = v else {
      let steps = try r.requiredLength("warmup", total: total)
      return WarmupRequest(steps: steps, start: nil, placement: .prefix, shape: .linear, field: field)
    }
    r.ignore("warmup")
    var w = try SpecReader(v, schedule: "warmup of \(family)", path: field)
    let steps = try w.length("steps", total: total) ?? 0
    var request = WarmupRequest(steps: steps, start: nil, placement: .prefix, shape: .linear,
                                field: field)
    if case .formula(let allowsStart, let allowsShape) = use {
      let why = "\(family)'s warmup is part of its formula"
      if !allowsStart { try w.refuse("start", "\(why): it always starts from its own formula's value") }
      if !allowsShape { try w.refuse("shape", "\(why): its rise has a fixed shape") }
      if w.has("placement"), try w.choice("placement", ["prefix", "overlap"], default: "prefix") != "prefix" {
        throw .invalidValue(field: w.field("placement"), value: "'overlap'",
                            reason: "\(why): its phases follow one another, so only 'prefix' applies")
      }
      w.ignore("placement")
    } else {
      request.placement = .init(rawValue: try w.choice("placement", ["prefix", "overlap"], default: "prefix"))!
    }
    if !w.isConsumed("start") { request.start = try w.optionalDouble("start") }
    if !w.isConsumed("shape") {
      request.shape = .init(rawValue: try w.choice("shape", ["linear", "cosine", "1-sqrt"], default: "linear"))!
    }
    try w.finish()
    return request
  }
}

/// The shared keys of a native spec, read before the family, and what the family needs of
/// them.
struct NativeContext<S: ScheduleScalar> {
  /// `steps`, if given.
  let total: Int?
  /// `warmup`, if given.
  let warmup: WarmupRequest?
  /// How the family uses the warmup.
  let warmupUse: NativeWarmupUse
  /// `scale`, if given.
  let scale: Double?
  /// `clamp`, if given.
  let clamp: (lower: Double, upper: Double)?
  /// Where the spec sits (children of composites decode with it).
  let spec: SpecContext
  /// The steps a prefix warmup ramp takes before the family's curve starts.
  var prefixSteps: Int {
    guard warmupUse == .ramp, let warmup, warmup.placement == .prefix else { return 0 }
    return warmup.steps
  }
  /// The warmup length the family's formula uses (families with their own warmup).
  var formulaWarmup: Int { warmupUse == .ramp ? 0 : warmup?.steps ?? 0 }

  /// The span the family itself covers: `steps` minus a prefix warmup ramp (at least 1).
  func span(_ r: SpecReader) throws(ScheduleError) -> Int {
    guard let total else { throw r.missing("steps") }
    return max(total - prefixSteps, 1)
  }

  /// A length key of the family (fractions of `steps`).
  func length(_ r: inout SpecReader, _ key: String, minimum: Int = 0) throws(ScheduleError) -> Int? {
    try r.length(key, total: total, minimum: minimum)
  }

  /// Puts the warmup ramp (for `.ramp` families) in front of `base` and applies `scale` and
  /// `clamp`, keeping concrete types so the result compiles to one specialised closure.
  func finish<B: LearningRateSchedule>(_ base: B) -> any LearningRateSchedule<S>
  where B.Scalar == S {
    guard warmupUse == .ramp, let warmup, warmup.steps > 0 else { return decorate(base) }
    return decorate(
      Warmup(base, steps: warmup.steps, start: S(warmup.start ?? 0),
             placement: .init(rawValue: warmup.placement.rawValue)!,
             shape: .init(rawValue: warmup.shape.rawValue)!))
  }

  /// Applies `scale` and `clamp` only.
  func decorate<B: LearningRateSchedule>(_ schedule: B) -> any LearningRateSchedule<S>
  where B.Scalar == S {
    switch (scale, clamp) {
    case (nil, nil):
      return CompiledSchedule(schedule)
    case (let f?, nil):
      return CompiledSchedule(Scaled(schedule, by: S(f)))
    case (nil, let b?):
      return CompiledSchedule(Clamped(schedule, lower: S(b.lower), upper: S(b.upper)))
    case (let f?, let b?):
      return CompiledSchedule(Clamped(Scaled(schedule, by: S(f)), lower: S(b.lower), upper: S(b.upper)))
    }
  }
}

extension ScheduleSpec {
  /// Every native family and combinator, by `type`.
  static let nativeFamilies: [any NativeSpecFamily.Type] = [
    ConstantSpec.self, StepDecaySpec.self, MultiStepDecaySpec.self, ExponentialDecaySpec.self,
    InverseTimeDecaySpec.self, InverseSquareRootSpec.self, NoamDecaySpec.self,
    PolynomialDecaySpec.self, LinearDecaySpec.self, CosineAnnealingSpec.self,
    WarmRestartsSpec.self, OneCycleSpec.self, CyclicSpec.self, WarmupStableDecaySpec.self,
    TanhDecaySpec.self, SequenceSpec.self, ProductSpec.self, PlateauSpec.self,
  ]

  static let nativeBuilders: [String: SpecBuilder] = {
    var table: [String: SpecBuilder] = [:]
    for family in nativeFamilies {
      table[family.type] = { (r: inout SpecReader, c: SpecContext) throws in
        try decodeNative(family, &r, c)
      }
    }
    return table
  }()

  /// Decodes a native spec: the shared keys first, then the family's own.
  static func decodeNative(_ family: any NativeSpecFamily.Type, _ r: inout SpecReader,
                           _ c: SpecContext) throws(ScheduleError) -> DecodedSchedule
  {
    let precision = try r.choice("precision", ["float64", "float32"], default: c.precision)
    if precision == "float32" {
      return try decodeNative(family, &r, c, as: Float.self)
    }
    return try decodeNative(family, &r, c, as: Double.self)
  }

  static func decodeNative<S: ScheduleScalar>(
    _ family: any NativeSpecFamily.Type, _ r: inout SpecReader, _ c: SpecContext, as: S.Type
  ) throws(ScheduleError) -> DecodedSchedule {
    let total = try r.optionalInt("steps")
    if let total { try r.check(total >= 1, "steps", total, "must be at least 1") }
    let warmup = try WarmupRequest.read(&r, total: total, use: family.warmupUse, family: family.type)
    let scale = try r.optionalDouble("scale")
    if let scale { try r.check(scale >= 0, "scale", scale, "cannot be negative") }
    var clamp: (Double, Double)?
    if r.has("clamp") {
      let b = try r.doubles("clamp")
      guard b.count == 2, b[0] <= b[1] else {
        throw .invalidValue(field: r.field("clamp"), value: "\(b)",
                            reason: "must be [lower, upper] with lower ≤ upper")
      }
      clamp = (b[0], b[1])
    } else {
      r.ignore("clamp")
    }
    var context = NativeContext<S>(
      total: total, warmup: warmup, warmupUse: family.warmupUse, scale: scale, clamp: clamp,
      spec: c.withPrecision(S.self == Float.self ? "float32" : "float64"))
    var warnings: [String] = []
    if let total, let warmup, warmup.steps >= total {
      warnings.append(
        "field '\(warmup.field)': \(warmup.steps) warmup steps is not shorter than 'steps' "
          + "(\(total)); the schedule never leaves its warmup")
    }
    let built = try family.build(&r, &context)
    var momentum = built.momentum
    // During a prefix warmup ramp a driven momentum holds its value at the start of the cycle.
    if let m = momentum, context.prefixSteps > 0 {
      momentum = SequenceSchedule([Constant(lr: m.value(at: 0)), m], milestones: [context.prefixSteps])
    }
    let warmupEnd = (warmup?.steps).flatMap { $0 > 0 ? $0 : nil } ?? built.rampEnd
    let lr: any LearningRateSchedule<Double>
    var driven = built.drivenMomentum
    if S.self == Double.self {
      lr = built.lr as! any LearningRateSchedule<Double>
      if let m = momentum as? any LearningRateSchedule<Double> { driven = MomentumSchedule(driving: m) }
    } else {
      lr = Widened(built.lr as! any LearningRateSchedule<Float>)
      if let m = momentum as? any LearningRateSchedule<Float> {
        driven = MomentumSchedule(driving: Widened(m))
      }
    }
    let prefix = context.prefixSteps
    if prefix > 0, built.momentum == nil, let m = built.drivenMomentum {
      driven = MomentumSchedule { $0 < prefix ? m.value(at: 0) : m.value(at: $0 - prefix) }
    }
    var limit = built.stepLimit
    if prefix > 0, let l = limit { limit = StepLimit(steps: l.steps + prefix, field: l.field, reason: l.reason) }
    return DecodedSchedule(
      type: family.type, lr: lr, momentum: driven, plateau: built.plateau,
      warmupSteps: warmupEnd, totalSteps: total ?? built.total, stepLimit: limit,
      warnings: warnings + built.warnings)
  }
}

extension SpecReader {
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
    for (key, x) in [("base", base), ("max", max)] {
      try m.check(x >= 0 && x < 1, key, x, "a momentum or β1 must be in [0, 1)")
    }
    try m.finish()
    return (base, max)
  }
}
