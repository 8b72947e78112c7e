/// `{"type": "inverse_time", "lr": 0.1, "rate": 0.5, "period": 100, "staircase": false}`;
/// `period` is a length.
enum InverseTimeDecaySpec: NativeSpecFamily {
  static let type = "inverse_time"
  static let warmupUse = NativeWarmupUse.ramp

  @_specialize(where S == Double)
  @_specialize(where S == Float)
  static func build<S: ScheduleScalar>(_ r: inout SpecReader, _ c: inout NativeContext<S>)
    throws(ScheduleError) -> NativeBuilt<S>
  {
    let lr = try r.rate("lr")
    let rate = try r.double("rate")
    try r.check(rate >= 0, "rate", rate, "cannot be negative")
    let period = try c.length(&r, "period", minimum: 1) ?? 1
    let staircase = try r.bool("staircase", default: false)
    return NativeBuilt(lr: c.finish(InverseTimeDecay(
      lr: S(lr), rate: S(rate), period: S(period), staircase: staircase)))
  }
}
