extension ScheduleSpec {
  /// `{"type": "sequence", "schedules": [...], "milestones": [...]}`: schedule i takes over at
  /// milestone i − 1 and sees its own step 0 there.
  static func decodeSequence(_ r: inout SpecReader, _ c: SpecContext) throws(ScheduleError)
    -> DecodedSchedule
  {
    let children = try decodeChildren(&r, c, key: "schedules")
    let milestones = try r.ints("milestones")
    try checkMilestones(milestones, children: children.count, &r)
    var total: Int?
    if let last = children.last?.totalSteps { total = (milestones.last ?? 0) + last }
    var momentum: (any LearningRateSchedule<Double>)?
    if children.contains(where: { $0.momentum != nil }) {
      momentum = SequenceSchedule(
        children.map { $0.momentum ?? Constant(lr: .nan) }, milestones: milestones)
    }
    return DecodedSchedule(
      type: "sequence", lr: SequenceSchedule(children.map(\.lr), milestones: milestones),
      momentum: momentum, warmupSteps: children.first?.warmupSteps ?? milestones.first,
      totalSteps: total, warnings: children.flatMap(\.warnings))
  }

  /// `{"type": "product", "schedules": [...]}`: the learning rates multiply.
  static func decodeProduct(_ r: inout SpecReader, _ c: SpecContext) throws(ScheduleError)
    -> DecodedSchedule
  {
    let children = try decodeChildren(&r, c, key: "schedules")
    return DecodedSchedule(
      type: "product", lr: ProductSchedule(children.map(\.lr)),
      warmupSteps: children.compactMap(\.warmupSteps).max(),
      totalSteps: children.compactMap(\.totalSteps).max(), warnings: children.flatMap(\.warnings))
  }

  /// `{"type": "plateau", "lr": …, "warmup": …, "factor": …, …}` or with a `"base"` spec:
  /// ReduceLROnPlateau semantics on top of any schedule, watching metrics from the end of the
  /// warmup on.
  static func decodePlateau(_ r: inout SpecReader, _ c: SpecContext) throws(ScheduleError)
    -> DecodedSchedule
  {
    var base: DecodedSchedule
    if let b = r.take("base") {
      base = try decode(b, path: c.child("base"))
      if r.has("lr") || r.has("warmup") {
        throw .invalidValue(field: r.field(r.has("lr") ? "lr" : "warmup"), value: "…",
                            reason: "give either 'base' or 'lr' (with an optional 'warmup')")
      }
    } else {
      let lr = try r.rate("lr")
      let warmup = try r.length("warmup", total: nil) ?? 0
      let lrSchedule: any LearningRateSchedule<Double> =
        warmup > 0 ? Warmup(Constant(lr: lr), steps: warmup) : Constant(lr: lr)
      base = DecodedSchedule(type: "constant", lr: lrSchedule,
                             warmupSteps: warmup > 0 ? warmup : nil)
    }
    let rule = try plateauRule(&r, defaultStart: base.warmupSteps ?? 0, maxFactorIsError: true)
    return DecodedSchedule(
      type: "plateau", lr: base.lr, plateau: rule, warmupSteps: base.warmupSteps,
      totalSteps: base.totalSteps, warnings: base.warnings)
  }

  /// Reads ReduceLROnPlateau's keys (PyTorch's names and defaults).
  static func plateauRule(_ r: inout SpecReader, defaultStart: Int, maxFactorIsError: Bool)
    throws(ScheduleError) -> PlateauRule
  {
    let mode = try r.choice("mode", ["min", "max"], default: "min")
    let factor = try r.double("factor", default: 0.1)
    try r.check(factor < 1, "factor", factor, "Factor should be < 1.0.")
    try r.check(factor > 0, "factor", factor, "must be positive")
    let patience = try r.int("patience", default: 10)
    try r.check(patience >= 0, "patience", patience, "cannot be negative")
    let threshold = try r.double("threshold", default: 1e-4)
    let thresholdMode = try r.choice("threshold_mode", ["rel", "abs"], default: "rel")
    let cooldown = try r.int("cooldown", default: 0)
    try r.check(cooldown >= 0, "cooldown", cooldown, "cannot be negative")
    let minLR = try r.double("min_lr", default: 0)
    try r.check(minLR >= 0, "min_lr", minLR, "cannot be negative")
    let eps = try r.double("eps", default: 1e-8)
    let start = try r.int("start", default: defaultStart)
    let controller = PlateauController(
      mode: .init(rawValue: mode)!, patience: patience, threshold: threshold,
      thresholdMode: .init(rawValue: thresholdMode)!, cooldown: cooldown)
    return PlateauRule(controller: controller, factor: factor, minLR: minLR, eps: eps,
                       start: start)
  }

  /// Decodes the array of child specs under `key`.
  static func decodeChildren(_ r: inout SpecReader, _ c: SpecContext, key: String,
                             inheritedLR: Double? = nil) throws(ScheduleError)
    -> [DecodedSchedule]
  {
    let items = try r.objects(key)
    if items.isEmpty {
      throw .invalidValue(field: r.field(key), value: "[]", reason: "needs at least one schedule")
    }
    var out: [DecodedSchedule] = []
    for (json, path) in items {
      let child = try decode(json, path: path, inheritedLR: inheritedLR)
      if child.plateau != nil {
        throw .invalidValue(field: path, value: child.type,
                            reason: "a metric-driven schedule cannot be nested; use it at the top")
      }
      out.append(child)
    }
    return out
  }

  /// Milestones must be one fewer than the children and ascending.
  static func checkMilestones(_ milestones: [Int], children: Int, _ r: inout SpecReader,
                              key: String = "milestones") throws(ScheduleError)
  {
    if milestones.count != children - 1 {
      throw .invalidValue(
        field: r.field(key), value: "\(milestones.count) values",
        reason: "needs exactly one fewer than the \(children) schedules")
    }
    for i in milestones.indices.dropFirst() where milestones[i] < milestones[i - 1] {
      throw .invalidValue(field: r.field("\(key)[\(i)]"), value: "\(milestones[i])",
                          reason: "milestones must be ascending")
    }
  }
}
