/// `{"type": "wsd", "lr": 1e-3, "steps": 10000, "warmup": 500, "decay": 0.15,
/// "shape": "1-sqrt", "floor_ratio": 0.01, "start": 0}`: the warmup is the first phase (a
/// warmup object may set `start` and `shape`; `start` may also be given at the top level, not
/// both); `decay` and `stable` are lengths, `stable` defaults to the rest of `steps`.
enum WarmupStableDecaySpec: NativeSpecFamily {
  static let type = "wsd"
  static let warmupUse = NativeWarmupUse.formula(start: true, shape: true)

  @_specialize(where S == Double)
  @_specialize(where S == Float)
  static func build<S: ScheduleScalar>(_ r: inout SpecReader, _ c: inout NativeContext<S>)
    throws(ScheduleError) -> NativeBuilt<S>
  {
    let lr = try r.rate("lr")
    let floor = try r.floor(peak: lr)
    let topStart = try r.optionalDouble("start")
    if let topStart { try r.check(topStart >= 0, "start", topStart, "a learning rate cannot be negative") }
    if topStart != nil, let s = c.warmup?.start {
      throw .invalidValue(field: r.field("warmup.start"), value: "\(s)",
                          reason: "the warmup start is given twice: use 'start' or 'warmup.start'")
    }
    let start = topStart ?? c.warmup?.start ?? 0
    let shape = try r.choice("shape", WarmupStableDecay<S>.DecayShape.allCases.map(\.rawValue),
                             default: "1-sqrt")
    let w = c.formulaWarmup
    let decay = try r.requiredLength("decay", total: c.total)
    let stableGiven = try c.length(&r, "stable")
    var warnings: [String] = []
    let stable: Int
    if let stableGiven {
      stable = stableGiven
      if let total = c.total, w + stable + decay != total {
        warnings.append("field '\(r.field("stable"))': warmup + stable + decay = "
          + "\(w + stable + decay) differs from 'steps' (\(total)); the phases decide")
      }
    } else {
      guard let total = c.total else { throw r.missing("stable") }
      stable = total - w - decay
      if stable < 0 {
        throw .invalidValue(field: r.field("decay"), value: "\(decay)",
                            reason: "warmup (\(w)) + decay is longer than 'steps' (\(total))")
      }
    }
    if shape == "exponential" && floor <= 0 {
      throw .invalidValue(field: r.field("floor"), value: "\(floor)",
                          reason: "an exponential decay needs a positive floor")
    }
    let warmupShape = c.warmup.map { WarmupStableDecay<S>.WarmupShape(rawValue: $0.shape.rawValue)! }
      ?? .linear
    let wsd = WarmupStableDecay(
      lr: S(lr), warmup: w, stable: stable, decay: decay, floor: S(floor), start: S(start),
      shape: .init(rawValue: shape)!, warmupShape: warmupShape)
    return NativeBuilt(lr: c.finish(wsd), rampEnd: w > 0 ? w : nil, total: wsd.steps,
                       warnings: warnings)
  }
}
