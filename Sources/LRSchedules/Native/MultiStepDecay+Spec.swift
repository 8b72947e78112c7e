/// `{"type": "multistep", "lr": 0.1, "milestones": [30, 80], "gamma": 0.1}`; milestones are
/// lengths (positions), counted after a prefix warmup.
enum MultiStepDecaySpec: NativeSpecFamily {
  static let type = "multistep"
  static let warmupUse = NativeWarmupUse.ramp

  @_specialize(where S == Double)
  @_specialize(where S == Float)
  static func build<S: ScheduleScalar>(_ r: inout SpecReader, _ c: inout NativeContext<S>)
    throws(ScheduleError) -> NativeBuilt<S>
  {
    let lr = try r.rate("lr")
    let milestones = try r.lengths("milestones", total: c.total)
    let gamma = try r.double("gamma", default: 0.1)
    return NativeBuilt(lr: c.finish(MultiStepDecay(lr: S(lr), milestones: milestones, gamma: S(gamma))))
  }
}
