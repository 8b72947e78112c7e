/// `{"type": "constant", "lr": 0.1}`.
enum ConstantSpec: NativeSpecFamily {
  static let type = "constant"
  static let warmupUse = NativeWarmupUse.ramp

  @_specialize(where S == Double)
  @_specialize(where S == Float)
  static func build<S: ScheduleScalar>(_ r: inout SpecReader, _ c: inout NativeContext<S>)
    throws(ScheduleError) -> NativeBuilt<S>
  {
    NativeBuilt(lr: c.finish(Constant(lr: S(try r.rate("lr")))))
  }
}
