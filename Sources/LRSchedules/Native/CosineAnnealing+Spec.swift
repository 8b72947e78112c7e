/// `{"type": "cosine", "lr": 3e-4, "steps": 10000, "floor_ratio": 0.1, "half_waves": 1,
/// "exponent": 1}`.
enum CosineAnnealingSpec: NativeSpecFamily {
  static let type = "cosine"
  static let warmupUse = NativeWarmupUse.ramp

  @_specialize(where S == Double)
  @_specialize(where S == Float)
  static func build<S: ScheduleScalar>(_ r: inout SpecReader, _ c: inout NativeContext<S>)
    throws(ScheduleError) -> NativeBuilt<S>
  {
    let lr = try r.rate("lr")
    let floor = try r.floor(peak: lr)
    let halfWaves = try r.double("half_waves", default: 1)
    try r.check(halfWaves > 0, "half_waves", halfWaves, "must be positive")
    let exponent = try r.double("exponent", default: 1)
    try r.check(exponent > 0, "exponent", exponent, "must be positive")
    return NativeBuilt(lr: c.finish(CosineAnnealing(
      lr: S(lr), floor: S(floor), steps: try c.span(r), halfWaves: S(halfWaves),
      exponent: S(exponent))))
  }
}
