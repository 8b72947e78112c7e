/// `{"type": "step", "lr": 0.1, "step_size": 30, "gamma": 0.1}`; `step_size` is a length.
enum StepDecaySpec: NativeSpecFamily {
  static let type = "step"
  static let warmupUse = NativeWarmupUse.ramp

  @_specialize(where S == Double)
  @_specialize(where S == Float)
  static func build<S: ScheduleScalar>(_ r: inout SpecReader, _ c: inout NativeContext<S>)
    throws(ScheduleError) -> NativeBuilt<S>
  {
    let lr = try r.rate("lr")
    let size = try r.requiredLength("step_size", total: c.total, minimum: 1)
    let gamma = try r.double("gamma", default: 0.1)
    return NativeBuilt(lr: c.finish(StepDecay(lr: S(lr), stepSize: size, gamma: S(gamma))))
  }
}
