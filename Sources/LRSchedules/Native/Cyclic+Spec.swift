/// `{"type": "cyclic", "lr": 1e-4, "max_lr": 1e-2, "up": 2000, "down": 2000,
/// "mode": "triangular", "gamma": 1, "momentum": {"base": 0.8, "max": 0.9}}`; `lr` is the
/// bottom of the wave, `up` and `down` are lengths.
enum CyclicSpec: NativeSpecFamily {
  static let type = "cyclic"
  static let warmupUse = NativeWarmupUse.ramp

  @_specialize(where S == Double)
  @_specialize(where S == Float)
  static func build<S: ScheduleScalar>(_ r: inout SpecReader, _ c: inout NativeContext<S>)
    throws(ScheduleError) -> NativeBuilt<S>
  {
    let lr = try r.rate("lr")
    let maxLR = try r.rate("max_lr")
    let up = try c.length(&r, "up", minimum: 1) ?? 2000
    let down = try c.length(&r, "down", minimum: 1)
    let mode = try r.choice("mode", ["triangular", "triangular2", "exp_range"], default: "triangular")
    let gamma = try r.double("gamma", default: 1)
    try r.check(gamma > 0, "gamma", gamma, "must be positive")
    let m = try r.momentumRange(default: (0.8, 0.9))
    let cyc = Cyclic(lr: S(lr), maxLR: S(maxLR), up: S(up), down: down.map { S($0) },
                     mode: .init(rawValue: mode)!, gamma: S(gamma),
                     baseMomentum: m.map { S($0.base) }, maxMomentum: S(m?.max ?? 0.9))
    var built = NativeBuilt(lr: c.finish(cyc))
    if m != nil { built.momentum = ClosureSchedule { cyc.momentum(at: $0) } }
    return built
  }
}
