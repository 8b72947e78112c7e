import LRSupport

/// `torch.optim.lr_scheduler.*` specs: PyTorch's parameter names and defaults, PyTorch's
/// validation, and the learning rate each optimizer update sees when `scheduler.step()` follows
/// `optimizer.step()` (the constructor applies epoch 0).
///
/// Every constructor argument is accepted: `last_epoch` resumes a leaf scheduler as a script
/// that loads the optimizer's state and passes `last_epoch=N` does (the first update after the
/// resume uses epoch N + 1, PyTorch's behaviour); `verbose` (removed from PyTorch 2.x) is
/// ignored; `CyclicLR`'s `scale_mode` has no effect without `scale_fn`. Python callables
/// (`LambdaLR`, `MultiplicativeLR`, `CyclicLR`'s `scale_fn`) are refused with the native spec to
/// use instead.
extension ScheduleSpec {
  static let torchPrefix = "torch.optim.lr_scheduler."

  static let torchLeafClasses = [
    "StepLR", "MultiStepLR", "ConstantLR", "LinearLR", "ExponentialLR", "PolynomialLR",
    "CosineAnnealingLR", "CosineAnnealingWarmRestarts", "OneCycleLR", "CyclicLR",
  ]

  static let torchBuilders: [String: SpecBuilder] = {
    var table: [String: SpecBuilder] = [:]
    for name in torchLeafClasses + ["SequentialLR", "ChainedScheduler"] {
      table[torchPrefix + name] = { (r: inout SpecReader, c: SpecContext) throws in
        try decodeTorch(name, &r, c)
      }
    }
    table[torchPrefix + "ReduceLROnPlateau"] = { (r: inout SpecReader, c: SpecContext) throws in
      let lr = try r.rate("lr")
      r.ignore("verbose")
      let rule = try plateauRule(&r, defaultStart: 0, readsStart: false)
      return DecodedSchedule(type: r.schedule, lr: Constant(lr: lr), plateau: rule)
    }
    for name in ["LambdaLR", "MultiplicativeLR"] {
      table[torchPrefix + name] = { (r: inout SpecReader, c: SpecContext) throws in
        throw ScheduleError.invalidValue(
          field: r.field("lr_lambda"), value: "a Python function",
          reason: "\(name) runs a Python function LRKit cannot reproduce; write the formula as a "
            + "native spec (cosine, linear, exponential, …, combined with warmup, sequence or product)")
      }
    }
    return table
  }()

  /// What a torch spec decodes to besides its curve.
  struct TorchInfo {
    var warmup: Int?
    var total: Int?
    var limit: StepLimit?
    var warnings: [String] = []
  }

  static func decodeTorch(_ name: String, _ r: inout SpecReader, _ c: SpecContext)
    throws(ScheduleError) -> DecodedSchedule
  {
    let lr = try torchOptimizerLR(name, &r)
    var info = TorchInfo()
    let node = try torchNode(name, &r, nested: false, &info)
    var decoded: DecodedSchedule
    if case .leaf(let leaf, let lastEpoch, _) = node, lastEpoch == -1, !leaf.needsReplay {
      let base: Double
      switch leaf {
      case .oneCycle(let p): base = p.maxLR / p.divFactor
      case .cyclic(let p): base = p.baseLR
      default: base = lr
      }
      let schedule = TorchSchedule(leaf: leaf, base: base)
      decoded = DecodedSchedule(type: r.schedule, lr: schedule)
      if schedule.momentum(at: 0) != nil {
        decoded.momentum = MomentumSchedule { schedule.momentum(at: $0) }
      }
    } else {
      let replay: TorchReplay
      do {
        replay = try TorchReplay.start(node, lr: lr)
      } catch {
        throw .invalidValue(field: error.path.isEmpty ? "type" : error.path, value: r.schedule,
                            reason: "PyTorch raises when the schedulers are created: \(error.reason)")
      }
      let schedule = TorchReplaySchedule(replay)
      decoded = DecodedSchedule(type: r.schedule, lr: schedule)
      if replay.group.momentum != nil { decoded.momentum = schedule.momentum }
      decoded.replayLimit = { schedule.limit(within: $0) }
    }
    decoded.stepLimit = info.limit
    decoded.totalSteps = info.total
    decoded.warmupSteps = info.warmup
    decoded.warnings = info.warnings
    return decoded
  }

  /// The optimizer's lr (`"lr"`), required except where the scheduler overwrites it.
  static func torchOptimizerLR(_ name: String, _ r: inout SpecReader) throws(ScheduleError) -> Double {
    switch name {
    case "OneCycleLR":
      // OneCycleLR overwrites the optimizer's lr with max_lr / div_factor.
      let lr = try r.optionalDouble("lr") ?? 0
      try r.check(lr >= 0, "lr", lr, "a learning rate cannot be negative")
      return lr
    case "CyclicLR":
      // CyclicLR sets the optimizer's lr to base_lr.
      let lr = try r.optionalDouble("lr") ?? 0
      try r.check(lr >= 0, "lr", lr, "a learning rate cannot be negative")
      return lr
    case "SequentialLR", "ChainedScheduler":
      // The lr matters unless a child overwrites it; require it as PyTorch's optimizer does.
      return try r.rate("lr")
    default:
      return try r.rate("lr")
    }
  }

  /// `last_epoch` of one torch object: -1, or N ≥ 0 on a top-level leaf (a resumed run).
  static func torchLastEpoch(_ r: inout SpecReader, nested: Bool, composite: Bool)
    throws(ScheduleError) -> Int
  {
    guard let le = try r.optionalInt("last_epoch"), le != -1 else { return -1 }
    if le < -1 {
      throw .invalidValue(field: r.field("last_epoch"), value: "\(le)",
                          reason: "must be -1 (a new schedule) or the number of epochs already run")
    }
    if nested || composite {
      throw .invalidValue(field: r.field("last_epoch"), value: "\(le)",
                          reason: "LRKit resumes a top-level scheduler with last_epoch; resume a "
                            + "composite by loading its state_dict and draw it from step 0")
    }
    return le
  }

  /// Reads one torch scheduler (and, for composites, its children) into a replay node.
  static func torchNode(_ name: String, _ r: inout SpecReader, nested: Bool, _ info: inout TorchInfo)
    throws(ScheduleError) -> TorchReplay.Node
  {
    r.ignore("verbose")
    let path = r.path
    switch name {
    case "SequentialLR", "ChainedScheduler":
      let lastEpoch = try name == "SequentialLR"
        ? torchLastEpoch(&r, nested: nested, composite: true) : -1
      let items = try r.objects("schedulers")
      if items.isEmpty {
        throw .invalidValue(
          field: r.field("schedulers"), value: "[]",
          reason: name == "SequentialLR"
            ? "SequentialLR expects at least one scheduler, but got no scheduler."
            : "ChainedScheduler expects at least one scheduler to be chained, but got no scheduler.")
      }
      var milestones: [Int] = []
      if name == "SequentialLR" {
        milestones = try r.ints("milestones")
        if milestones.count != items.count - 1 {
          throw .invalidValue(
            field: r.field("milestones"), value: "\(milestones.count) values",
            reason: "Sequential Schedulers expects number of schedulers provided to be one more than "
              + "the number of milestone points, but got number of schedulers \(items.count) and the "
              + "number of milestones to be equal to \(milestones.count)")
        }
      }
      var children: [TorchReplay.Node] = []
      for (i, (json, childPath)) in items.enumerated() {
        var childInfo = TorchInfo()
        children.append(try torchChild(json, path: childPath, &childInfo))
        info.warnings += childInfo.warnings
        if i == 0 {
          info.warmup = name == "SequentialLR" ? milestones.first ?? childInfo.warmup : childInfo.warmup
        }
        if name == "SequentialLR", i == items.count - 1, let t = childInfo.total {
          info.total = (milestones.last ?? 0) + t
        } else if name == "ChainedScheduler", let t = childInfo.total {
          info.total = max(info.total ?? 0, t)
        }
      }
      return name == "SequentialLR"
        ? .sequential(children, milestones: milestones, lastEpoch: lastEpoch, path: path)
        : .chained(children, path: path)
    default:
      let lastEpoch = try torchLastEpoch(&r, nested: nested, composite: false)
      let leaf = try torchLeaf(name, &r, &info)
      if lastEpoch > 0 {
        if let limit = info.limit {
          info.limit = StepLimit(steps: max(limit.steps - lastEpoch - 1, 0), field: limit.field,
                                 reason: limit.reason)
        }
        if let t = info.total { info.total = max(t - lastEpoch - 1, 1) }
        info.warmup = info.warmup.map { max($0 - lastEpoch - 1, 0) }
      }
      return .leaf(leaf, lastEpoch: lastEpoch, path: path)
    }
  }

  /// A scheduler nested in `SequentialLR` or `ChainedScheduler`.
  static func torchChild(_ json: JSONValue, path: String, _ info: inout TorchInfo)
    throws(ScheduleError) -> TorchReplay.Node
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
    guard let builder = torchBuilders[type] else {
      throw .unknownType(type: type, suggestion: nearest(to: type, in: Array(torchBuilders.keys)))
    }
    var reader = try SpecReader(json, schedule: type, path: path)
    if name == "LambdaLR" || name == "MultiplicativeLR" {
      do {
        _ = try builder(&reader, SpecContext(path: path))
      } catch let error as ScheduleError {
        throw error
      } catch {
        throw .malformedInput(detail: "\(error)")
      }
    }
    if reader.has("lr") {
      throw .invalidValue(
        field: reader.field("lr"), value: reader.raw("lr")!.serialized(),
        reason: "nested torch schedulers share the optimizer's lr: give 'lr' once, at the top")
    }
    reader.ignore("lr")
    let node = try torchNode(name, &reader, nested: true, &info)
    try reader.finish()
    return node
  }

  /// Reads one leaf class's arguments, with PyTorch's validation.
  static func torchLeaf(_ name: String, _ r: inout SpecReader, _ info: inout TorchInfo)
    throws(ScheduleError) -> TorchLeaf
  {
    switch name {
    case "StepLR":
      let size = try r.int("step_size")
      try r.check(size >= 1, "step_size", size, "must be a positive integer")
      return .step(size: size, gamma: try r.double("gamma", default: 0.1))
    case "MultiStepLR":
      let milestones = try r.ints("milestones").sorted()
      return .multiStep(milestones: milestones, gamma: try r.double("gamma", default: 0.1))
    case "ConstantLR":
      let factor = try r.double("factor", default: 1.0 / 3)
      try r.check(factor <= 1 && factor >= 0, "factor", factor,
                  "Constant multiplicative factor expected to be between 0 and 1.")
      let iters = try r.int("total_iters", default: 5)
      try r.check(iters >= 0, "total_iters", iters, "cannot be negative")
      if factor == 0 && iters > 0 {
        info.limit = StepLimit(steps: iters, field: r.field("factor"),
                               reason: "ConstantLR with factor 0 divides by zero when it ends (ZeroDivisionError)")
      }
      if iters == 0 {
        info.warnings.append("field '\(r.field("total_iters"))': 0 keeps PyTorch's lr at "
          + "factor · lr for good (the chainable update never undoes it)")
      }
      info.warmup = iters
      return .constant(factor: factor, iters: iters)
    case "LinearLR":
      let s = try r.double("start_factor", default: 1.0 / 3)
      try r.check(s <= 1 && s > 0, "start_factor", s,
                  "Starting multiplicative factor expected to be greater than 0 and less or equal to 1.")
      let e = try r.double("end_factor", default: 1)
      try r.check(e <= 1 && e >= 0, "end_factor", e,
                  "Ending multiplicative factor expected to be between 0 and 1.")
      let iters = try r.int("total_iters", default: 5)
      try r.check(iters >= 0, "total_iters", iters, "cannot be negative")
      if iters == 0 {
        info.warnings.append("field '\(r.field("total_iters"))': 0 keeps PyTorch's lr at "
          + "start_factor · lr for good")
      }
      if e > s { info.warmup = iters }
      return .linear(start: s, end: e, iters: iters)
    case "ExponentialLR":
      return .exponential(gamma: try r.double("gamma"))
    case "PolynomialLR":
      let iters = try r.int("total_iters", default: 5)
      try r.check(iters >= 0, "total_iters", iters, "cannot be negative")
      info.total = iters
      return .polynomial(iters: iters, power: try r.double("power", default: 1))
    case "CosineAnnealingLR":
      let period = try r.int("T_max")
      try r.check(period >= 0, "T_max", period, "cannot be negative")
      if period == 0 {
        // The constructor's step leaves the lr alone; the next one divides by T_max.
        info.limit = StepLimit(steps: 1, field: r.field("T_max"),
                               reason: "T_max 0: PyTorch's next step divides by it (ZeroDivisionError: integer modulo by zero)")
      }
      info.total = max(period, 1)
      return .cosine(tMax: period, etaMin: try r.double("eta_min", default: 0))
    case "CosineAnnealingWarmRestarts":
      let t0 = try r.strictInt("T_0")
      try r.check(t0 >= 1, "T_0", t0, "Expected positive integer T_0")
      let multValue = r.take("T_mult") ?? .number(1, isInteger: true)
      guard case .number(let m, let isInteger) = multValue, isInteger, m >= 1, m < 1e15 else {
        throw .invalidValue(field: r.field("T_mult"), value: multValue.serialized(),
                            reason: "Expected integer T_mult >= 1 (for a fractional multiplier use the native 'restarts')")
      }
      return .warmRestarts(t0: t0, mult: Int(m), etaMin: try r.double("eta_min", default: 0))
    case "OneCycleLR":
      let maxLR = try r.rate("max_lr")
      let total: Int
      if let t = try r.optionalInt("total_steps") {
        try r.check(t > 0, "total_steps", t, "Expected positive integer total_steps")
        total = t
        r.ignore("epochs")
        r.ignore("steps_per_epoch")
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
      try r.check(div != 0, "div_factor", div, "PyTorch divides max_lr by it (ZeroDivisionError)")
      let finalDiv = try r.double("final_div_factor", default: 1e4)
      try r.check(finalDiv != 0, "final_div_factor", finalDiv, "PyTorch divides by it (ZeroDivisionError)")
      let three = try r.bool("three_phase", default: false)
      if pct * Double(total) - 1 == 0 {
        throw .invalidValue(field: r.field("pct_start"), value: "\(pct)",
                            reason: "pct_start · total_steps = 1 makes the first phase empty "
                              + "(PyTorch: ZeroDivisionError)")
      }
      let p = TorchLeaf.OneCycleParameters(
        maxLR: maxLR, totalSteps: total, pctStart: pct, linear: anneal == "linear",
        cycleMomentum: cycleMomentum, baseMomentum: baseM, maxMomentum: maxM, divFactor: div,
        finalDivFactor: finalDiv, threePhase: three)
      info.limit = StepLimit(
        steps: total + 1, field: r.field("total_steps"),
        reason: "Tried to step \(total + 1) times. The specified number of total steps is \(total)")
      // An empty later phase divides by zero at the first step that enters it.
      var start = 0.0
      for (i, phase) in p.phases.enumerated() {
        if i > 0, phase.end == start, let first = truncatedInt(start.rounded(.down) + 1),
          first <= total, first < info.limit!.steps
        {
          info.limit = StepLimit(steps: max(first, 0), field: r.field("pct_start"),
                                 reason: "a phase is empty (PyTorch: ZeroDivisionError: float division by zero)")
          break
        }
        start = phase.end
      }
      info.total = total
      info.warmup = truncatedInt((pct * Double(total) - 1).rounded(.up))
      return .oneCycle(p)
    case "CyclicLR":
      let baseLR = try r.rate("base_lr")
      let maxLR = try r.rate("max_lr")
      let up = try r.double("step_size_up", default: 2000)
      try r.check(up > 0, "step_size_up", up, "must be positive")
      let down = try r.optionalDouble("step_size_down") ?? up
      try r.check(down >= 0, "step_size_down", down, "cannot be negative")
      let mode = try r.choice("mode", ["triangular", "triangular2", "exp_range"], default: "triangular")
      let gamma = try r.double("gamma", default: 1)
      try r.refuse("scale_fn", "a Python function LRKit cannot run; use 'mode' (triangular, "
        + "triangular2, exp_range) or the native 'cyclic'")
      _ = try r.choice("scale_mode", ["cycle", "iterations"], default: "cycle")
      let cycleMomentum = try r.bool("cycle_momentum", default: true)
      let baseM = try r.double("base_momentum", default: 0.8)
      let maxM = try r.double("max_momentum", default: 0.9)
      let p = TorchLeaf.CyclicParameters(
        baseLR: baseLR, maxLR: maxLR, up: up, down: down, mode: .init(rawValue: mode)!,
        gamma: gamma, cycleMomentum: cycleMomentum, baseMomentum: baseM, maxMomentum: maxM)
      if let t = p.overflowEpoch {
        info.limit = StepLimit(steps: t, field: r.field("mode"),
                               reason: "the \(mode) amplitude factor overflows a float there (OverflowError: (34, 'Numerical result out of range'))")
      }
      return .cyclic(p)
    default:
      throw .unknownType(type: r.schedule, suggestion: nil)
    }
  }
}
