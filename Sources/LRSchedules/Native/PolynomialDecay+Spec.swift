/// `{"type": "polynomial", "lr": 0.1, "steps": 1000, "end": 0, "power": 2, "cycle": false}`.
enum PolynomialDecaySpec: NativeSpecFamily {
  static let type = "polynomial"
  static let warmupUse = NativeWarmupUse.ramp

  @_specialize(where S == Double)
  @_specialize(where S == Float)
  static func build<S: ScheduleScalar>(_ r: inout SpecReader, _ c: inout NativeContext<S>)
    throws(ScheduleError) -> NativeBuilt<S>
  {
    let lr = try r.rate("lr")
    let end = try r.rate("end", default: 0)
    let power = try r.double("power", default: 1)
    try r.check(power > 0, "power", power, "must be positive")
    let cycle = try r.bool("cycle", default: false)
    return NativeBuilt(lr: c.finish(PolynomialDecay(
      lr: S(lr), end: S(end), steps: try c.span(r), power: S(power), cycle: cycle)))
  }
}
