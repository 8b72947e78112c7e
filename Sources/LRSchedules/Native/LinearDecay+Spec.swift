/// `{"type": "linear", "lr": 0.1, "steps": 1000, "end": 0}`.
enum LinearDecaySpec: NativeSpecFamily {
  static let type = "linear"
  static let warmupUse = NativeWarmupUse.ramp

  @_specialize(where S == Double)
  @_specialize(where S == Float)
  static func build<S: ScheduleScalar>(_ r: inout SpecReader, _ c: inout NativeContext<S>)
    throws(ScheduleError) -> NativeBuilt<S>
  {
    let lr = try r.rate("lr")
    let end = try r.rate("end", default: 0)
    return NativeBuilt(lr: c.finish(LinearDecay(lr: S(lr), end: S(end), steps: try c.span(r))))
  }
}
