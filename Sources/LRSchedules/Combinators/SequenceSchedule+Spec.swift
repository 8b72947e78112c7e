/// `{"type": "sequence", "schedules": [...], "milestones": [...]}`: schedule i takes over at
/// milestone i − 1 and sees its own step 0 there. Milestones are lengths (fractions of the
/// sequence's own `steps`). Momentum is driven where the active child drives it and left to
/// the optimizer elsewhere.
enum SequenceSpec: NativeSpecFamily {
  static let type = "sequence"
  static let warmupUse = NativeWarmupUse.ramp

  @_specialize(where S == Double)
  @_specialize(where S == Float)
  static func build<S: ScheduleScalar>(_ r: inout SpecReader, _ c: inout NativeContext<S>)
    throws(ScheduleError) -> NativeBuilt<S>
  {
    let children = try ScheduleSpec.decodeChildren(&r, c.spec, key: "schedules")
    let milestones = try r.lengths("milestones", total: c.total)
    try ScheduleSpec.checkMilestones(milestones, children: children.count, &r)
    var built = NativeBuilt(lr: c.finish(SequenceSchedule(
      children.map { Narrowed<S>.wrap($0.lr) }, milestones: milestones)))
    if let last = children.last?.totalSteps { built.total = (milestones.last ?? 0) + last }
    built.rampEnd = children.first?.warmupSteps ?? milestones.first
    built.warnings = children.flatMap(\.warnings)
    if children.contains(where: { $0.momentum != nil }) {
      let momenta = children.map(\.momentum)
      built.drivenMomentum = MomentumSchedule { step in
        let i = countAtOrBelow(milestones, step)
        return momenta[i]?.value(at: i == 0 ? step : step - milestones[i - 1])
      }
    }
    // A child that refuses past its own limit refuses inside the sequence too, shifted.
    for (i, child) in children.enumerated() {
      guard let limit = child.stepLimit else { continue }
      let start = i == 0 ? 0 : milestones[i - 1]
      let end = i < milestones.count ? milestones[i] : Int.max
      if end - start > limit.steps, built.stepLimit.map({ start + limit.steps < $0.steps }) ?? true {
        built.stepLimit = StepLimit(steps: start + limit.steps, field: limit.field, reason: limit.reason)
      }
    }
    return built
  }
}
