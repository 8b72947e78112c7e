/// `{"type": "restarts", "lr": 0.1, "period": 1000, "multiplier": 2, "decay": 0.5,
/// "cycles": 3, "floor": 1e-4}`; `period` is a length.
enum WarmRestartsSpec: NativeSpecFamily {
  static let type = "restarts"
  static let warmupUse = NativeWarmupUse.ramp

  @_specialize(where S == Double)
  @_specialize(where S == Float)
  static func build<S: ScheduleScalar>(_ r: inout SpecReader, _ c: inout NativeContext<S>)
    throws(ScheduleError) -> NativeBuilt<S>
  {
    let lr = try r.rate("lr")
    let floor = try r.floor(peak: lr)
    let period = try r.requiredLength("period", total: c.total, minimum: 1)
    let multiplier = try r.double("multiplier", default: 1)
    try r.check(multiplier >= 1, "multiplier", multiplier, "must be at least 1")
    let decay = try r.double("decay", default: 1)
    try r.check(decay > 0, "decay", decay, "must be positive")
    let cycles = try r.optionalInt("cycles")
    if let cycles { try r.check(cycles >= 1, "cycles", cycles, "must be at least 1") }
    return NativeBuilt(lr: c.finish(WarmRestarts(
      lr: S(lr), floor: S(floor), period: period, multiplier: S(multiplier),
      peakDecay: S(decay), cycleLimit: cycles)))
  }
}
