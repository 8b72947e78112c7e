/// `torch.optim.lr_scheduler.*` specs: PyTorch's parameter names and defaults, PyTorch's
/// validation, and the learning rate each optimizer update sees when `scheduler.step()` follows
/// `optimizer.step()` (the constructor applies epoch 0).
extension ScheduleSpec {
  static let torchPrefix = "torch.optim.lr_scheduler."

  static let torchBuilders: [String: SpecBuilder] = {
    var table: [String: SpecBuilder] = [:]
    for name in ["StepLR", "MultiStepLR", "ConstantLR", "LinearLR", "ExponentialLR",
                 "PolynomialLR", "CosineAnnealingLR", "CosineAnnealingWarmRestarts", "OneCycleLR",
                 "CyclicLR", "SequentialLR", "ChainedScheduler"] {
      table[torchPrefix + name] = { (r: inout SpecReader, c: SpecContext) throws in
        try decodeTorch(name, &r, c)
      }
    }
    table[torchPrefix + "ReduceLROnPlateau"] = { (r: inout SpecReader, c: SpecContext) throws in
      let lr = try torchBaseLR(&r, c)
      let rule = try plateauRule(&r, defaultStart: 0, maxFactorIsError: true)
      return DecodedSchedule(type: r.schedule, lr: Constant(lr: lr), plateau: rule)
    }
    return table
  }()

  /// The optimizer's lr: `"lr"` at the top level, inherited inside composites.
  static func torchBaseLR(_ r: inout SpecReader, _ c: SpecContext) throws(ScheduleError) -> Double {
    if let inherited = c.inheritedLR {
      if r.has("lr") {
        throw .invalidValue(
          field: r.field("lr"), value: "\(r.raw("lr").map { "\($0)" } ?? "")",
          reason: "nested torch schedulers share the optimizer's lr: give 'lr' once, at the top")
      }
      _ = r.take("lr")
      return inherited
    }
    return try r.rate("lr")
  }

  static func decodeTorch(_ name: String, _ r: inout SpecReader, _ c: SpecContext)
    throws(ScheduleError) -> DecodedSchedule
  {
    let (rule, base, extra) = try torchRule(name, &r, c)
    let schedule: any LearningRateSchedule<Double> = rule.nestsComposites
      ? TorchReplaySchedule(simulation: TorchSimulation(rule: rule, base: base))
      : TorchSchedule(rule: rule, base: base)
    var decoded = DecodedSchedule(type: r.schedule, lr: schedule)
    decoded.momentum = extra.momentum
    decoded.stepLimit = extra.limit
    decoded.totalSteps = extra.total
    decoded.warmupSteps = extra.warmup
    decoded.warnings = extra.warnings
    return decoded
  }

  struct TorchExtra {
    var momentum: (any LearningRateSchedule<Double>)?
    var limit: StepLimit?
    var total: Int?
    var warmup: Int?
    var warnings: [String] = []
  }

  /// Reads one torch scheduler into its rule, base lr and extras.
  static func torchRule(_ name: String, _ r: inout SpecReader, _ c: SpecContext)
    throws(ScheduleError) -> (TorchRule, Double, TorchExtra)
  {
    var extra = TorchExtra()
    switch name {
    case "StepLR":
      let base = try torchBaseLR(&r, c)
      let size = try r.int("step_size")
      try r.check(size >= 1, "step_size", size, "must be a positive integer")
      return (.step(size: size, gamma: try r.double("gamma", default: 0.1)), base, extra)
    case "MultiStepLR":
      let base = try torchBaseLR(&r, c)
      let milestones = try r.ints("milestones").sorted()
      return (.multiStep(milestones: milestones, gamma: try r.double("gamma", default: 0.1)),
              base, extra)
    case "ConstantLR":
      let base = try torchBaseLR(&r, c)
      let factor = try r.double("factor", default: 1.0 / 3)
      try r.check(factor <= 1 && factor >= 0, "factor", factor,
                  "Constant multiplicative factor expected to be between 0 and 1.")
      let iters = try r.int("total_iters", default: 5)
      try r.check(iters >= 0, "total_iters", iters, "cannot be negative")
      if factor == 0 {
        extra.limit = StepLimit(steps: iters, field: r.field("factor"),
                                reason: "ConstantLR with factor 0 divides by zero when it ends (ZeroDivisionError)")
      }
      if iters == 0 {
        extra.warnings.append("field '\(r.field("total_iters"))': 0 keeps PyTorch's lr at "
          + "factor · lr for good (the chainable update never undoes it)")
      }
      extra.warmup = iters
      return (.constant(factor: factor, iters: iters), base, extra)
    case "LinearLR":
      let base = try torchBaseLR(&r, c)
      let s = try r.double("start_factor", default: 1.0 / 3)
      try r.check(s <= 1 && s > 0, "start_factor", s,
                  "Starting multiplicative factor expected to be greater than 0 and less or equal to 1.")
      let e = try r.double("end_factor", default: 1)
      try r.check(e <= 1 && e >= 0, "end_factor", e,
                  "Ending multiplicative factor expected to be between 0 and 1.")
      let iters = try r.int("total_iters", default: 5)
      try r.check(iters >= 0, "total_iters", iters, "cannot be negative")
      if iters == 0 {
        extra.warnings.append("field '\(r.field("total_iters"))': 0 keeps PyTorch's lr at "
          + "start_factor · lr for good")
      }
      if e > s { extra.warmup = iters }
      return (.linear(start: s, end: e, iters: iters), base, extra)
    case "ExponentialLR":
      let base = try torchBaseLR(&r, c)
      return (.exponential(gamma: try r.double("gamma")), base, extra)
    case "PolynomialLR":
      let base = try torchBaseLR(&r, c)
      let iters = try r.int("total_iters", default: 5)
      try r.check(iters >= 0, "total_iters", iters, "cannot be negative")
      extra.total = iters
      return (.polynomial(iters: iters, power: try r.double("power", default: 1)), base, extra)
    case "CosineAnnealingLR":
      let base = try torchBaseLR(&r, c)
      let period = try r.int("T_max")
      try r.check(period >= 1, "T_max", period,
                  "must be a positive integer (PyTorch divides by T_max: ZeroDivisionError)")
      let etaMin = try r.double("eta_min", default: 0)
      extra.total = period
      return (.cosine(period: period, etaMin: etaMin), base, extra)
    case "CosineAnnealingWarmRestarts":
      let base = try torchBaseLR(&r, c)
      let t0 = try r.strictInt("T_0")
      try r.check(t0 >= 1, "T_0", t0, "Expected positive integer T_0")
      let multValue = r.take("T_mult") ?? .number(1, isInteger: true)
      guard case .number(let m, let isInteger) = multValue, isInteger, m >= 1, m < 1e15
      else {
        throw .invalidValue(field: r.field("T_mult"), value: "\(r.raw("T_mult").map { "\($0)" } ?? "")",
                            reason: "Expected integer T_mult >= 1 (for a fractional multiplier use the native 'restarts')")
      }
      let etaMin = try r.double("eta_min", default: 0)
      return (.warmRestarts(period: t0, multiplier: Int(m), etaMin: etaMin), base, extra)
    case "OneCycleLR":
      _ = try r.optionalDouble("lr")  // the optimizer's lr is overwritten by max_lr / div_factor
      let maxLR = try r.rate("max_lr")
      let total: Int
      if let t = try r.optionalInt("total_steps") {
        try r.check(t > 0, "total_steps", t, "Expected positive integer total_steps")
        total = t
      } else {
        let epochs = try r.optionalInt("epochs")
        let perEpoch = try r.optionalInt("steps_per_epoch")
        guard let epochs, let perEpoch else {
          throw .missingField(field: r.field(r.has("epochs") ? "steps_per_epoch" : "total_steps"),
                              schedule: "\(r.schedule) (define either total_steps OR (epochs AND steps_per_epoch))")
        }
        try r.check(epochs > 0, "epochs", epochs, "Expected positive integer epochs")
        try r.check(perEpoch > 0, "steps_per_epoch", perEpoch,
                    "Expected positive integer steps_per_epoch")
        total = epochs * perEpoch
      }
      let pct = try r.strictReal("pct_start", default: 0.3)
      try r.check(pct >= 0 && pct <= 1, "pct_start", pct, "Expected float between 0 and 1 pct_start")
      let anneal = try r.choice("anneal_strategy", ["cos", "linear"], default: "cos")
      let cycleMomentum = try r.bool("cycle_momentum", default: true)
      let baseM = try r.double("base_momentum", default: 0.85)
      let maxM = try r.double("max_momentum", default: 0.95)
      let div = try r.double("div_factor", default: 25)
      let finalDiv = try r.double("final_div_factor", default: 1e4)
      let three = try r.bool("three_phase", default: false)
      if pct * Double(total) - 1 == 0 {
        throw .invalidValue(field: r.field("pct_start"), value: "\(pct)",
                            reason: "pct_start · total_steps = 1 makes the first phase empty "
                              + "(PyTorch: ZeroDivisionError)")
      }
      var cycle = OneCycle(peak: maxLR, steps: total, pctStart: pct, divFactor: div,
                           finalDivFactor: finalDiv, threePhase: three,
                           anneal: .init(rawValue: anneal)!,
                           baseMomentum: cycleMomentum ? baseM : nil, maxMomentum: maxM)
      cycle.holdsFinalValue = false
      extra.limit = StepLimit(
        steps: total + 1, field: r.field("total_steps"),
        reason: "Tried to step \(total + 1) times. The specified number of total steps is \(total)")
      // An empty last phase divides by zero at the first step that enters it.
      let lastStart = three ? 2 * pct * Double(total) - 2 : pct * Double(total) - 1
      if lastStart == Double(total) - 1, let first = truncatedInt(lastStart.rounded(.down) + 1),
        first <= total
      {
        extra.limit = StepLimit(steps: max(first, 0), field: r.field("pct_start"),
                                reason: "the last phase is empty (PyTorch: ZeroDivisionError: float division by zero)")
      }
      extra.total = total
      extra.warmup = truncatedInt((pct * Double(total) - 1).rounded(.up))
      let finalCycle = cycle
      if cycleMomentum { extra.momentum = ClosureSchedule { finalCycle.momentum(at: $0) } }
      return (.oneCycle(cycle), maxLR / div, extra)
    case "CyclicLR":
      _ = try r.optionalDouble("lr")  // overwritten by base_lr
      let baseLR = try r.rate("base_lr")
      let maxLR = try r.rate("max_lr")
      let up = try r.double("step_size_up", default: 2000)
      try r.check(up > 0, "step_size_up", up, "must be positive")
      let down = try r.optionalDouble("step_size_down")
      if let down { try r.check(down >= 0, "step_size_down", down, "cannot be negative") }
      let mode = try r.choice("mode", ["triangular", "triangular2", "exp_range"],
                              default: "triangular")
      let gamma = try r.double("gamma", default: 1)
      let cycleMomentum = try r.bool("cycle_momentum", default: true)
      let baseM = try r.double("base_momentum", default: 0.8)
      let maxM = try r.double("max_momentum", default: 0.9)
      let cyc = Cyclic(base: baseLR, max: maxLR, up: up, down: down, mode: .init(rawValue: mode)!,
                       gamma: gamma, baseMomentum: cycleMomentum ? baseM : nil, maxMomentum: maxM)
      if cycleMomentum { extra.momentum = ClosureSchedule { cyc.momentum(at: $0) } }
      return (.cyclic(cyc), baseLR, extra)
    case "SequentialLR":
      let base = try torchBaseLR(&r, c)
      let items = try r.objects("schedulers")
      let milestones = try r.ints("milestones")
      if items.isEmpty {
        throw .invalidValue(field: r.field("schedulers"), value: "[]",
                            reason: "SequentialLR expects at least one scheduler, but got no scheduler.")
      }
      try checkMilestones(milestones, children: items.count, &r)
      for (i, (json, path)) in items.enumerated().dropFirst() {
        if case .string(let t) = json["type"] ?? .null,
          t.hasSuffix(".SequentialLR") || t.hasSuffix(".ChainedScheduler")
        {
          extra.limit = StepLimit(
            steps: milestones[i - 1], field: "\(path).type",
            reason: "PyTorch hands over to a nested \(t.split(separator: ".").last!) with "
              + "_update_lr(0), which raises NotImplementedError")
          break
        }
      }
      var rules: [TorchRule] = []
      var momenta: [(any LearningRateSchedule<Double>)?] = []
      for (i, (json, path)) in items.enumerated() {
        let (rule, childExtra) = try torchChild(json, path: path, base: base)
        rules.append(rule)
        momenta.append(childExtra.momentum)
        if i == 0 { extra.warmup = milestones.first }
      }
      if momenta.contains(where: { $0 != nil }) {
        extra.momentum = SequenceSchedule(momenta.map { $0 ?? Constant(lr: .nan) },
                                          milestones: milestones)
      }
      return (.sequential(children: rules, milestones: milestones), base, extra)
    case "ChainedScheduler":
      let base = try torchBaseLR(&r, c)
      let items = try r.objects("schedulers")
      if items.isEmpty {
        throw .invalidValue(field: r.field("schedulers"), value: "[]",
                            reason: "ChainedScheduler expects at least one scheduler to be chained, but got no scheduler.")
      }
      var rules: [TorchRule] = []
      for (json, path) in items {
        rules.append(try torchChild(json, path: path, base: base).0)
      }
      return (.chained(rules), base, extra)
    default:
      throw .unknownType(type: r.schedule, suggestion: nil)
    }
  }

  /// A scheduler nested in `SequentialLR` or `ChainedScheduler`.
  static func torchChild(_ json: JSONValue, path: String, base: Double) throws(ScheduleError)
    -> (TorchRule, TorchExtra)
  {
    guard case .string(let type) = json["type"] ?? .null else {
      throw .missingField(field: "\(path).type", schedule: "every schedule spec")
    }
    guard type.hasPrefix(torchPrefix) else {
      throw .invalidValue(field: "\(path).type", value: type,
                          reason: "PyTorch composites hold torch.optim.lr_scheduler classes only")
    }
    let name = String(type.dropFirst(torchPrefix.count))
    if name == "ReduceLROnPlateau" {
      throw .invalidValue(field: "\(path).type", value: type,
                          reason: "does not support `ReduceLROnPlateau` scheduler as it requires "
                            + "additional kwargs to be specified when calling `step`")
    }
    guard torchBuilders[type] != nil else {
      throw .unknownType(type: type, suggestion: nearest(to: type, in: Array(torchBuilders.keys)))
    }
    var reader = try SpecReader(json, schedule: type, path: path)
    _ = reader.take("type")
    let (rule, _, extra) = try torchRule(name, &reader, SpecContext(path: path, inheritedLR: base))
    try reader.finish()
    return (rule, extra)
  }
}
