/// `{"type": "noam", "d_model": 512, "warmup": 4000}`: the warmup is part of the formula (a
/// warmup object takes only `steps`); the paper's constant factor is the shared `scale` key.
enum NoamDecaySpec: NativeSpecFamily {
  static let type = "noam"
  static let warmupUse = NativeWarmupUse.formula(start: false, shape: false)

  @_specialize(where S == Double)
  @_specialize(where S == Float)
  static func build<S: ScheduleScalar>(_ r: inout SpecReader, _ c: inout NativeContext<S>)
    throws(ScheduleError) -> NativeBuilt<S>
  {
    let d = try r.double("d_model")
    try r.check(d > 0, "d_model", d, "must be positive")
    guard c.formulaWarmup >= 1 else {
      if c.warmup != nil {
        throw .invalidValue(field: r.field("warmup"), value: "0",
                            reason: "noam divides by the warmup: it needs at least 1 step")
      }
      throw r.missing("warmup")
    }
    let w = c.formulaWarmup
    return NativeBuilt(lr: c.finish(NoamDecay(modelDimension: S(d), warmup: w)), rampEnd: w)
  }
}
