/// `fastai.fit_one_cycle` and `fastai.fit_flat_cos` given `total_steps`: the lr (and for
/// one-cycle the momentum) at update `k` is fastai's schedule at position `k / total_steps`.
extension ScheduleSpec {
  static let fastaiBuilders: [String: SpecBuilder] = [
    "fastai.fit_one_cycle": { (r: inout SpecReader, c: SpecContext) throws in
      let total = try r.int("total_steps")
      try r.check(total >= 1, "total_steps", total, "must be at least 1")
      let lrMax = try r.rate("lr_max", default: 1e-3)
      let div = try r.double("div", default: 25)
      try r.check(div > 0, "div", div, "must be positive")
      let divFinal = try r.double("div_final", default: 1e5)
      try r.check(divFinal > 0, "div_final", divFinal, "must be positive")
      let pct = try r.double("pct_start", default: 0.25)
      try r.check(pct >= 0 && pct <= 1, "pct_start", pct, "must be in [0, 1]")
      var moms = [0.95, 0.85, 0.95]
      if r.has("moms") {
        moms = try r.doubles("moms")
        guard moms.count == 3 else {
          throw ScheduleError.invalidValue(field: r.field("moms"), value: "\(moms)",
                                           reason: "needs three values (start, middle, end)")
        }
      } else {
        _ = r.take("moms")
      }
      let lr = FastaiCombinedCos(total: total, pct: pct, start: lrMax / div, middle: lrMax,
                                 end: lrMax / divFinal)
      let mom = FastaiCombinedCos(total: total, pct: pct, start: moms[0], middle: moms[1],
                                  end: moms[2])
      return DecodedSchedule(type: r.schedule, lr: lr, momentum: MomentumSchedule(driving: mom),
                             warmupSteps: Int((pct * Double(total)).rounded()), totalSteps: total,
                             stepLimit: emptyPhaseLimit(pct: pct, total: total, field: r.field("pct_start")))
    },
    "fastai.fit_flat_cos": { (r: inout SpecReader, c: SpecContext) throws in
      let total = try r.int("total_steps")
      try r.check(total >= 1, "total_steps", total, "must be at least 1")
      let lr = try r.rate("lr", default: 1e-3)
      let divFinal = try r.double("div_final", default: 1e5)
      try r.check(divFinal > 0, "div_final", divFinal, "must be positive")
      let pct = try r.double("pct_start", default: 0.75)
      try r.check(pct >= 0 && pct <= 1, "pct_start", pct, "must be in [0, 1]")
      let schedule = FastaiCombinedCos(total: total, pct: pct, start: lr, middle: lr,
                                       end: lr / divFinal)
      return DecodedSchedule(type: r.schedule, lr: schedule, totalSteps: total,
                             stepLimit: emptyPhaseLimit(pct: pct, total: total, field: r.field("pct_start")))
    },
  ]
}

extension ScheduleSpec {
  /// fastai's second phase has no width when `pct_start` is 1 (its float32 cut points
  /// coincide): at the end the position is 0/0 (NaN), and past it fastai's `math.cos` of an
  /// infinite angle raises "math domain error" — the first update whose position passes the cut.
  static func emptyPhaseLimit(pct: Double, total: Int, field: String) -> StepLimit? {
    let cut = Float(pct)
    guard cut + Float(1 - pct) == cut else { return nil }
    var k = max(0, Int(Double(cut) * Double(total)) - 2)
    while Float(Double(k) / Double(total)) <= cut { k += 1 }
    return StepLimit(steps: k, field: field,
                     reason: "pct_start \(pct) leaves fastai's second phase empty; past it fastai raises ValueError: math domain error")
  }
}
