/// `{"type": "exponential", "lr": 0.1, "rate": 0.5, "period": 100, "begin": 0,
/// "staircase": false, "floor": 1e-4}`; `period` and `begin` are lengths.
enum ExponentialDecaySpec: NativeSpecFamily {
  static let type = "exponential"
  static let warmupUse = NativeWarmupUse.ramp

  @_specialize(where S == Double)
  @_specialize(where S == Float)
  static func build<S: ScheduleScalar>(_ r: inout SpecReader, _ c: inout NativeContext<S>)
    throws(ScheduleError) -> NativeBuilt<S>
  {
    let lr = try r.rate("lr")
    let rate = try r.double("rate")
    try r.check(rate > 0, "rate", rate, "must be positive")
    let period = try c.length(&r, "period", minimum: 1) ?? 1
    let begin = try c.length(&r, "begin") ?? 0
    let staircase = try r.bool("staircase", default: false)
    let bound = try r.optionalDouble("floor")
    if let bound { try r.check(bound >= 0, "floor", bound, "a learning rate cannot be negative") }
    return NativeBuilt(lr: c.finish(ExponentialDecay(
      lr: S(lr), rate: S(rate), period: S(period), begin: begin, staircase: staircase,
      bound: bound.map { S($0) })))
  }
}
