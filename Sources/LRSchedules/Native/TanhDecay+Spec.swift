/// `{"type": "tanh", "lr": 0.1, "steps": 1000, "floor": 0, "lower": -7, "upper": 3}`.
enum TanhDecaySpec: NativeSpecFamily {
  static let type = "tanh"
  static let warmupUse = NativeWarmupUse.ramp

  @_specialize(where S == Double)
  @_specialize(where S == Float)
  static func build<S: ScheduleScalar>(_ r: inout SpecReader, _ c: inout NativeContext<S>)
    throws(ScheduleError) -> NativeBuilt<S>
  {
    let lr = try r.rate("lr")
    let floor = try r.floor(peak: lr)
    let lower = try r.double("lower", default: -7)
    let upper = try r.double("upper", default: 3)
    try r.check(lower < upper, "lower", lower,
                "must be below 'upper' (\(upper)): the tanh argument runs from lower to upper")
    return NativeBuilt(lr: c.finish(TanhDecay(
      lr: S(lr), floor: S(floor), steps: try c.span(r), lower: S(lower), upper: S(upper))))
  }
}
