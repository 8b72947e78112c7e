/// `{"type": "onecycle", "lr": 0.1, "steps": 1000, "pct_start": 0.3, "div_factor": 25,
/// "final_div_factor": 1e4, "three_phase": false, "anneal": "cos",
/// "momentum": {"base": 0.85, "max": 0.95}}` (`"momentum": false` drives none). `lr` is the
/// peak.
enum OneCycleSpec: NativeSpecFamily {
  static let type = "onecycle"
  static let warmupUse = NativeWarmupUse.ramp

  @_specialize(where S == Double)
  @_specialize(where S == Float)
  static func build<S: ScheduleScalar>(_ r: inout SpecReader, _ c: inout NativeContext<S>)
    throws(ScheduleError) -> NativeBuilt<S>
  {
    let lr = try r.rate("lr")
    let steps = try c.span(r)
    try r.check(steps >= 2, "steps", steps, "one-cycle needs at least 2 steps after the warmup")
    let pct = try r.double("pct_start", default: 0.3)
    try r.check(pct > 0 && pct < 1, "pct_start", pct, "must be in (0, 1)")
    let div = try r.double("div_factor", default: 25)
    try r.check(div > 0, "div_factor", div, "must be positive")
    let finalDiv = try r.double("final_div_factor", default: 1e4)
    try r.check(finalDiv > 0, "final_div_factor", finalDiv, "must be positive")
    let threePhase = try r.bool("three_phase", default: false)
    let anneal = try r.choice("anneal", ["cos", "linear"], default: "cos")
    let m = try r.momentumRange(default: (0.85, 0.95))
    let cycle = OneCycle(
      lr: S(lr), steps: steps, pctStart: S(pct), divFactor: S(div),
      finalDivFactor: S(finalDiv), threePhase: threePhase, anneal: .init(rawValue: anneal)!,
      baseMomentum: m.map { S($0.base) }, maxMomentum: S(m?.max ?? 0.95))
    var built = NativeBuilt(lr: c.finish(cycle))
    built.rampEnd = max(Int((pct * Double(steps)).rounded()) - 1, 0) + c.prefixSteps
    if pct * Double(steps) < 2 {
      built.warnings.append("field '\(r.field("pct_start"))': \(pct) of \(steps) steps leaves the "
        + "rising phase less than 2 steps long")
    }
    if m != nil { built.momentum = ClosureSchedule { cycle.momentum(at: $0) } }
    return built
  }
}
