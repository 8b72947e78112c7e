import LRSupport

/// `timm.scheduler.create_scheduler_v2`: timm's scheduler factory, with its own argument names
/// and defaults (timm 1.0.31), translated to the scheduler class it builds.
///
/// ```
/// t_initial = num_epochs, warmup_t = warmup_epochs, decay_t = decay_epochs,
/// cooldown_t = cooldown_epochs   (each × updates_per_epoch when step_on_epochs is false)
/// ```
///
/// `sched` picks the class: `cosine`, `tanh`, `poly` (`decay_rate` is the power), `step`,
/// `multistep` (`decay_milestones`), `constant` (a `StepLRScheduler` that never decays), `wsd`
/// and `rsqrt` (`WSDLRScheduler` with the stable and decay phases fitted inside `num_epochs`
/// unless `warmup_prefix`), `plateau` (`PlateauLRScheduler`, per epoch only, driven by
/// `--metrics`), or `none` (the optimizer's `lr`, untouched). LRKit's step is the
/// factory's `t`: an epoch with `step_on_epochs` (the default, `scheduler.step(epoch)`), an
/// update otherwise (`step_update(num_updates)`). The schedule's length is the `num_epochs` the
/// factory returns, in `t`: cycles, warmup prefix and cooldown included.
extension ScheduleSpec {
  static let timmFactoryBuilders: [String: SpecBuilder] = [
    "timm.scheduler.create_scheduler_v2": { (r: inout SpecReader, c: SpecContext) throws in
      try decodeTimmFactory(&r)
    }
  ]

  /// The `sched` names `create_scheduler_v2` accepts.
  static let timmFactorySchedulers = [
    "cosine", "tanh", "step", "constant", "multistep", "plateau", "poly", "wsd", "rsqrt", "none",
  ]

  static func decodeTimmFactory(_ r: inout SpecReader) throws(ScheduleError) -> DecodedSchedule {
    let lr = try r.rate("lr")
    let sched = try r.choice("sched", timmFactorySchedulers, default: "cosine")
    let numEpochs = try r.int("num_epochs", default: 300)
    let decayEpochsGiven = try r.optionalDouble("decay_epochs")
    var milestones = [90, 180, 270]
    SpecKeyRecorder.current?.defaultValue(r.field("decay_milestones"), "[90, 180, 270]")
    if r.has("decay_milestones") { milestones = try r.ints("decay_milestones") } else { r.ignore("decay_milestones") }
    let cooldownEpochs = try r.int("cooldown_epochs", default: 0)
    try r.check(cooldownEpochs >= 0, "cooldown_epochs", cooldownEpochs, "cannot be negative")
    let patience = try r.int("patience_epochs", default: 10)
    let decayRate = try r.double("decay_rate", default: 0.1)
    let minLR = try r.double("min_lr", default: 0)
    let warmupLR = try r.double("warmup_lr", default: 1e-5)
    let warmupEpochs = try r.int("warmup_epochs", default: 0)
    let warmupPrefix = try r.bool("warmup_prefix", default: false)
    try r.refuse("noise", "timm's noise is drawn from torch's random generator, which LRKit does not "
      + "reproduce; set noise to null (no noise) to draw the curve")
    for key in ["noise_pct", "noise_std"] { _ = try r.optionalDouble(key) }
    _ = try r.optionalInt("noise_seed")
    let cycleMul = try r.double("cycle_mul", default: 1)
    let cycleDecay = try r.double("cycle_decay", default: 0.1)
    let cycleLimit = try r.int("cycle_limit", default: 1)
    let kDecay = try r.double("k_decay", default: 1)
    let decayFn = try r.optionalString("decay_fn")
    let timescale = try r.optionalDouble("stable_timescale")
    let plateauMode = try r.choice("plateau_mode", ["max", "min"], default: "max")
    let perEpoch = try r.bool("step_on_epochs", default: true)
    let updatesPerEpoch = try r.int("updates_per_epoch", default: 0)

    if sched == "plateau" {
      try r.check(perEpoch, "step_on_epochs", perEpoch, "Plateau LR only supports step per epoch. (timm asserts it)")
    }
    // The factory scales every length by updates_per_epoch when stepping per update.
    let scale: Int
    if perEpoch {
      scale = 1
    } else {
      try r.check(updatesPerEpoch > 0, "updates_per_epoch", updatesPerEpoch,
                  "must be set to the number of dataloader batches when step_on_epochs is false (timm asserts it)")
      scale = updatesPerEpoch
    }
    func scaled(_ key: String, _ value: Int) throws(ScheduleError) -> Int {
      let (product, overflow) = value.multipliedReportingOverflow(by: scale)
      try r.check(!overflow && abs(product) < 1 << 53, key, value, "times updates_per_epoch (\(scale)) is too large")
      return product
    }
    let tInitial = try scaled("num_epochs", numEpochs)
    let warmupT = try scaled("warmup_epochs", warmupEpochs)
    let cooldownT = try scaled("cooldown_epochs", cooldownEpochs)
    let decayEpochs = decayEpochsGiven ?? (sched == "wsd" || sched == "rsqrt" ? 0.2 : 90)
    var decayT = decayEpochs * Double(scale)
    milestones = try milestones.map { (m: Int) throws(ScheduleError) -> Int in try scaled("decay_milestones", m) }
    let timescaleT = timescale.map { $0 * Double(scale) }

    if sched == "none" {
      // The factory returns no scheduler: the optimizer's lr stays as it is.
      let total = warmupPrefix ? tInitial + warmupT : tInitial
      return DecodedSchedule(type: r.schedule, lr: Constant(lr: lr), totalSteps: total > 0 ? total : nil)
    }

    // The class and the arguments the factory passes to it.
    var args: [(String, JSONValue)] = [("lr", .double(lr))]
    let className: String
    var lengthHasCycles = false
    switch sched {
    case "cosine", "tanh", "poly":
      try r.check(numEpochs > 0, "num_epochs", numEpochs, "must be > 0 (timm asserts t_initial > 0)")
      try r.check(cycleMul > 0, "cycle_mul", cycleMul, "must be positive")
      try r.check(cycleLimit >= 0, "cycle_limit", cycleLimit, "cannot be negative")
      className = sched == "cosine" ? "CosineLRScheduler" : sched == "tanh" ? "TanhLRScheduler" : "PolyLRScheduler"
      args += [("t_initial", .int(tInitial)), ("lr_min", .double(minLR)), ("cycle_mul", .double(cycleMul)),
               ("cycle_decay", .double(cycleDecay)), ("cycle_limit", .int(cycleLimit)),
               ("warmup_lr_init", .double(warmupLR)), ("warmup_t", .int(warmupT)),
               ("warmup_prefix", .bool(warmupPrefix))]
      if sched != "tanh" { args.append(("k_decay", .double(kDecay))) }
      if sched == "poly" { args.append(("power", .double(decayRate))) }
      lengthHasCycles = true
    case "step", "constant":
      if sched == "step" {
        try r.check(decayT > 0, "decay_epochs", decayEpochs, "must be positive (the step scheduler divides t by it)")
      }
      className = "StepLRScheduler"
      args += [("decay_t", sched == "step" ? .double(decayT) : .int(1)),
               ("decay_rate", .double(sched == "step" ? decayRate : 1)),
               ("warmup_lr_init", .double(warmupLR)), ("warmup_t", .int(warmupT)),
               ("warmup_prefix", .bool(warmupPrefix))]
    case "plateau":
      // The factory drops warmup_prefix and forces cooldown_t = 0.
      className = "PlateauLRScheduler"
      args += [("decay_rate", .double(decayRate)), ("patience_t", .int(patience)), ("cooldown_t", .int(0)),
               ("warmup_lr_init", .double(warmupLR)), ("warmup_t", .int(warmupT)), ("lr_min", .double(minLR)),
               ("mode", .string(plateauMode))]
    case "multistep":
      className = "MultiStepLRScheduler"
      args += [("decay_t", .array(milestones.map { .int($0) })), ("decay_rate", .double(decayRate)),
               ("warmup_lr_init", .double(warmupLR)), ("warmup_t", .int(warmupT)),
               ("warmup_prefix", .bool(warmupPrefix))]
    default:  // wsd, rsqrt: warmup is always a prefix; without warmup_prefix the stable and
      // decay phases fit inside num_epochs.
      let tSched = warmupPrefix ? tInitial : tInitial - warmupT
      if decayEpochs > 0 && decayEpochs < 1 { decayT = decayEpochs * Double(tSched) }
      // Python's int(round(x)): halves go to the even neighbour.
      let rounded = decayT.rounded(.toNearestOrEven)
      try r.check(rounded > 0 && rounded <= Double(tSched), "decay_epochs", decayEpochs,
                  "\(sched) schedule requires 0 < decay_epochs <= epochs\(warmupPrefix ? "" : " - warmup_epochs"), "
                    + "got decay \(rounded.isFinite && abs(rounded) < 1e15 ? "\(Int(rounded))" : "\(rounded)") "
                    + "and stable + decay length \(tSched)")
      let fn = decayFn ?? (sched == "rsqrt" ? "linear" : "1-sqrt")
      let decayFunctions = ["linear", "1-sqrt", "cosine", "power", "exp"]
      guard decayFunctions.contains(fn) else {
        let hint = nearest(to: fn, in: decayFunctions).map { " (did you mean '\($0)'?)" } ?? ""
        throw .invalidValue(field: r.field("decay_fn"), value: "'\(fn)'",
                            reason: "must be one of \(decayFunctions.joined(separator: ", "))\(hint)")
      }
      if sched == "rsqrt" {
        let tau = timescaleT ?? Double(warmupT)
        try r.check(tau > 0, "stable_timescale", timescale ?? Double(warmupEpochs),
                    "rsqrt requires a positive stable_timescale; it defaults to warmup_epochs (\(warmupEpochs))")
      }
      className = "WSDLRScheduler"
      args += [("t_initial", .int(tSched)), ("decay_t", .int(Int(rounded))), ("lr_min", .double(minLR)),
               ("stable_fn", .string(sched == "rsqrt" ? "rsqrt" : "constant")),
               ("stable_timescale", timescaleT.map { .double($0) } ?? .null),
               ("decay_fn", .string(fn)), ("warmup_t", .int(warmupT)),
               ("warmup_lr_init", .double(warmupLR))]
      lengthHasCycles = true
    }

    // The class's own decoder, with the arguments the factory computed. Its keys are not the
    // factory's, so they are not recorded for `lrkit types`.
    let classSpec = JSONValue.object([("type", .string("timm.scheduler." + className))] + args)
    var decoded: DecodedSchedule
    do {
      decoded = try SpecKeyRecorder.$current.withValue(nil) {
        var child = try SpecReader(classSpec, schedule: r.schedule, path: r.path)
        let d = className == "PlateauLRScheduler" ? try decodeTimmPlateau(&child) : try decodeTimm(className, &child)
        try child.finish()
        return d
      }
    } catch let error as ScheduleError {
      throw Self.timmFactoryNames(error, path: r.path)
    } catch {
      throw .malformedInput(detail: "\(error)")
    }
    decoded.type = r.schedule
    // The number of epochs (or updates) the factory says to train: the cycles with their warmup
    // prefix plus the cooldown, or num_epochs (plus the warmup when it is a prefix).
    if lengthHasCycles, let t = decoded.totalSteps {
      decoded.totalSteps = t + cooldownT
    } else if !lengthHasCycles {
      decoded.totalSteps = warmupPrefix ? tInitial + warmupT : tInitial
    }
    decoded.warnings = decoded.warnings.map { Self.timmFactoryNames($0) }
    if let limit = decoded.stepLimit {
      decoded.stepLimit = StepLimit(steps: limit.steps, field: Self.timmFactoryField(limit.field, path: r.path),
                                    reason: limit.reason)
    }
    return decoded
  }

  /// The factory's name for a field of the class it builds.
  static let timmFactoryFieldNames: [(String, String)] = [
    ("t_initial", "num_epochs"), ("warmup_t", "warmup_epochs"), ("warmup_lr_init", "warmup_lr"),
    ("lr_min", "min_lr"), ("decay_t", "decay_epochs"), ("power", "decay_rate"), ("patience_t", "patience_epochs"),
    ("mode", "plateau_mode"),
  ]

  /// `text` with the class's field names replaced by the factory's.
  static func timmFactoryNames(_ text: String) -> String {
    var out = text
    for (from, to) in timmFactoryFieldNames {
      out = out.replacingOccurrences(of: "'\(from)'", with: "'\(to)'")
      // Bare names too, where they cannot be an ordinary word ("power" can).
      if from.contains("_"), let word = try? Regex("\\b\(from)\\b") { out = out.replacing(word, with: to) }
    }
    return out
  }

  /// The factory's name for `field` (a dotted path under `path`) of the class it builds.
  static func timmFactoryField(_ field: String, path: String) -> String {
    let prefix = path.isEmpty ? "" : path + "."
    guard field.hasPrefix(prefix) else { return field }
    let key = String(field.dropFirst(prefix.count))
    let head = key.split(separator: "[", maxSplits: 1).first.map(String.init) ?? key
    guard let to = timmFactoryFieldNames.first(where: { $0.0 == head })?.1 else { return field }
    return prefix + to + key.dropFirst(head.count)
  }

  /// An error of the class's decoder, naming the factory's field instead of the class's.
  static func timmFactoryNames(_ error: ScheduleError, path: String) -> ScheduleError {
    func rename(_ field: String) -> String { timmFactoryField(field, path: path) }
    switch error {
    case .missingField(let f, let s): return .missingField(field: rename(f), schedule: s)
    case .unknownField(let f, let s, let g): return .unknownField(field: rename(f), schedule: s, suggestion: g)
    case .wrongType(let f, let e, let found): return .wrongType(field: rename(f), expected: e, found: found)
    case .invalidValue(let f, let v, let why): return .invalidValue(field: rename(f), value: v, reason: timmFactoryNames(why))
    case .stepOutOfRange(let f, let s, let why): return .stepOutOfRange(field: rename(f), step: s, reason: why)
    default: return error
    }
  }
}
