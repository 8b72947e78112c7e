/// `{"type": "plateau", "lr": …, "warmup": …, "factor": …, …}` or with a `"base"` spec:
/// ReduceLROnPlateau on top of any schedule, watching metrics from the end of the warmup on
/// (`start`, a length). Takes the shared `warmup` (with `lr`) and `scale`; the cuts are bounded
/// by `min_lr`, so `clamp` is refused, and the controller runs in `Double`.
enum PlateauSpec: NativeSpecFamily {
  static let type = "plateau"
  static let warmupUse = NativeWarmupUse.ramp

  @_specialize(where S == Double)
  @_specialize(where S == Float)
  static func build<S: ScheduleScalar>(_ r: inout SpecReader, _ c: inout NativeContext<S>)
    throws(ScheduleError) -> NativeBuilt<S>
  {
    if c.clamp != nil {
      throw .invalidValue(field: r.field("clamp"), value: "…",
                          reason: "a plateau's cuts come after any clamp: bound them with 'min_lr'")
    }
    if S.self == Float.self {
      throw .invalidValue(field: r.field("precision"), value: "'float32'",
                          reason: "the plateau controller compares metrics in float64, as PyTorch does")
    }
    var built: NativeBuilt<S>
    var defaultStart = c.warmup?.steps ?? 0
    if r.has("base") {
      if c.warmup != nil || r.has("lr") {
        throw .invalidValue(field: r.field(c.warmup != nil ? "warmup" : "lr"), value: "…",
                            reason: "give either 'base' or 'lr' (with an optional 'warmup')")
      }
      let base = try ScheduleSpec.decode(r.take("base")!, path: r.field("base"), precision: "float64")
      if base.plateau != nil {
        throw .invalidValue(field: r.field("base"), value: base.type, reason: "is metric-driven already")
      }
      built = NativeBuilt(lr: c.finish(Narrowed<S>.wrap(base.lr)), rampEnd: base.warmupSteps,
                          total: base.totalSteps, warnings: base.warnings)
      built.drivenMomentum = base.momentum
      built.stepLimit = base.stepLimit
      defaultStart = base.warmupSteps ?? 0
    } else {
      r.ignore("base")
      built = NativeBuilt(lr: c.finish(Constant(lr: S(try r.rate("lr")))))
    }
    built.plateau = try ScheduleSpec.plateauRule(&r, defaultStart: defaultStart, total: c.total)
    return built
  }
}

extension ScheduleSpec {
  /// Reads ReduceLROnPlateau's keys (PyTorch's names and defaults); `start` only where
  /// `readsStart` (LRKit's own key, not PyTorch's).
  static func plateauRule(_ r: inout SpecReader, defaultStart: Int, total: Int? = nil,
                          readsStart: Bool = true) throws(ScheduleError) -> PlateauRule
  {
    let mode = try r.choice("mode", ["min", "max"], default: "min")
    let factor = try r.double("factor", default: 0.1)
    try r.check(factor < 1, "factor", factor, "Factor should be < 1.0.")
    try r.check(factor > 0, "factor", factor, "must be positive")
    let patience = try r.int("patience", default: 10)
    try r.check(patience >= 0, "patience", patience, "cannot be negative")
    let threshold = try r.double("threshold", default: 1e-4)
    let thresholdMode = try r.choice("threshold_mode", ["rel", "abs"], default: "rel")
    let cooldown = try r.int("cooldown", default: 0)
    try r.check(cooldown >= 0, "cooldown", cooldown, "cannot be negative")
    let minLR = try r.double("min_lr", default: 0)
    try r.check(minLR >= 0, "min_lr", minLR, "cannot be negative")
    let eps = try r.double("eps", default: 1e-8)
    try r.check(eps >= 0, "eps", eps, "cannot be negative")
    let start = readsStart ? try r.length("start", total: total) ?? defaultStart : defaultStart
    let controller = PlateauController(
      mode: .init(rawValue: mode)!, patience: patience, threshold: threshold,
      thresholdMode: .init(rawValue: thresholdMode)!, cooldown: cooldown)
    return PlateauRule(controller: controller, factor: factor, minLR: minLR, eps: eps,
                       start: start)
  }
}
