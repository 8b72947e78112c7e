/// `{"type": "inverse_sqrt", "lr": 1e-3, "warmup": 4000, "timescale": 4000}`: the warmup is
/// part of the formula (the peak is at its end), so a warmup object takes only `steps`;
/// `timescale` is a length.
enum InverseSquareRootSpec: NativeSpecFamily {
  static let type = "inverse_sqrt"
  static let warmupUse = NativeWarmupUse.formula(start: false, shape: false)

  @_specialize(where S == Double)
  @_specialize(where S == Float)
  static func build<S: ScheduleScalar>(_ r: inout SpecReader, _ c: inout NativeContext<S>)
    throws(ScheduleError) -> NativeBuilt<S>
  {
    let lr = try r.rate("lr")
    let timescale = try c.length(&r, "timescale", minimum: 1)
    let w = c.formulaWarmup
    return NativeBuilt(lr: c.finish(InverseSquareRoot(
      lr: S(lr), warmup: w, timescale: timescale.map { S($0) })), rampEnd: w > 0 ? w : nil)
  }
}
