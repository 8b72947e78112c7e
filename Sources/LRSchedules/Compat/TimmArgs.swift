import LRSupport

/// `timm.scheduler.create_scheduler`: timm's factory called with the training script's
/// arguments (`args`: the `args.yaml` that timm's `train.py` saves next to its checkpoints),
/// read the way `scheduler_kwargs(args)` reads them, with its defaults (`epochs` 100,
/// `decay_epochs` 30, `decay_milestones` [30, 60], `warmup_epochs` 5, …).
///
/// ```
/// lr = args.lr, or when it is null or 0 (train.py):
///   lr_base · (batch_size · world_size · grad_accum_steps / lr_base_size)^p
///   p = ½ with lr_base_scale "sqrt" (the default for an `opt` naming "ada" or "lamb"), else 1
/// ```
///
/// `args` keys that do not concern the schedule (`model`, `data_dir`, …) are ignored, as timm
/// ignores them. `updates_per_epoch` (the script's dataloader batches over `grad_accum_steps`,
/// needed with `sched_on_updates`) and `world_size` (processes, default 1) are LRKit's
/// additions: the script learns them at run time. A bare `args.yaml` (an object with `sched`
/// and `lr_base` and no `"type"`) is read as this spec with `args` the whole object.
extension ScheduleSpec {
  static let timmArgsBuilders: [String: SpecBuilder] = [
    "timm.scheduler.create_scheduler": { (r: inout SpecReader, c: SpecContext) throws in
      // LRKit's additions first, so that `lrkit types` lists them.
      let updatesPerEpoch = r.take("updates_per_epoch")
      let worldSize = try r.int("world_size", default: 1)
      guard let args = r.take("args") else { throw r.missing("args") }
      return try decodeTimmArgs(args, argsPath: r.field("args"), updatesPerEpoch: updatesPerEpoch,
                                worldSize: worldSize, reader: &r)
    }
  ]

  /// `scheduler_kwargs`: the factory's argument, the `args` key it comes from and that key's
  /// default in `scheduler_kwargs`.
  static let timmArgsKeys: [(factory: String, arg: String, fallback: JSONValue)] = [
    ("sched", "sched", .null), ("num_epochs", "epochs", .int(100)), ("decay_epochs", "decay_epochs", .int(30)),
    ("decay_milestones", "decay_milestones", .array([.int(30), .int(60)])),
    ("warmup_epochs", "warmup_epochs", .int(5)), ("cooldown_epochs", "cooldown_epochs", .int(0)),
    ("patience_epochs", "patience_epochs", .int(10)), ("decay_rate", "decay_rate", .double(0.1)),
    ("min_lr", "min_lr", .double(0)), ("warmup_lr", "warmup_lr", .double(1e-5)),
    ("warmup_prefix", "warmup_prefix", .bool(false)), ("noise", "lr_noise", .null),
    ("noise_pct", "lr_noise_pct", .double(0.67)), ("noise_std", "lr_noise_std", .double(1)),
    ("noise_seed", "seed", .int(42)), ("cycle_mul", "lr_cycle_mul", .double(1)),
    ("cycle_decay", "lr_cycle_decay", .double(0.1)), ("cycle_limit", "lr_cycle_limit", .int(1)),
    ("k_decay", "lr_k_decay", .double(1)), ("decay_fn", "lr_decay_fn", .null),
    ("stable_timescale", "lr_stable_timescale", .null),
  ]

  /// Whether `json` is a bare `args.yaml` of timm's `train.py` (no `type`; `sched` and `lr_base`).
  package static func isTimmArgsFile(_ json: JSONValue) -> Bool {
    guard case .object = json, json["type"] == nil else { return false }
    return json["sched"] != nil && json["lr_base"] != nil
  }

  /// A bare `args.yaml`, or nil when `json` is not one.
  static func timmArgsFile(_ json: JSONValue) throws(ScheduleError) -> DecodedSchedule? {
    guard isTimmArgsFile(json) else { return nil }
    var r = try SpecReader(.object([]), schedule: "timm train.py args")
    let worldSize = try json["world_size"].map { (v: JSONValue) throws(ScheduleError) -> Int in
      v == .null ? 1 : try SpecReader.integer(v, field: "world_size")
    } ?? 1
    return try decodeTimmArgs(json, argsPath: "", updatesPerEpoch: json["updates_per_epoch"], worldSize: worldSize,
                              reader: &r)
  }

  static func decodeTimmArgs(_ args: JSONValue, argsPath: String, updatesPerEpoch: JSONValue?, worldSize: Int,
                             reader r: inout SpecReader) throws(ScheduleError) -> DecodedSchedule
  {
    guard case .object(let pairs) = args else {
      throw .wrongType(field: argsPath.isEmpty ? "spec" : argsPath, expected: "an object (timm's args)", found: args.typeName)
    }
    func argField(_ key: String) -> String { argsPath.isEmpty ? key : "\(argsPath).\(key)" }
    func arg(_ key: String) -> JSONValue? { pairs.first { $0.key == key }?.value }
    try r.check(worldSize >= 1, "world_size", worldSize, "must be at least 1")

    // The learning rate, as train.py sets it before building the optimizer.
    let lr: JSONValue
    let given = arg("lr") ?? .null
    switch given {
    case .number(let x, _) where x != 0:
      lr = given
    case .null, .number:  // null or 0: train.py's `if not args.lr`
      func number(_ key: String, _ fallback: Double) throws(ScheduleError) -> Double {
        guard let v = arg(key), v != .null else { return fallback }
        return try SpecReader.real(v, field: argField(key))
      }
      let base = try number("lr_base", 0.1)
      let baseSize = try number("lr_base_size", 256)
      guard baseSize > 0 else {
        throw .invalidValue(field: argField("lr_base_size"), value: "\(baseSize)", reason: "must be positive (the lr is scaled by batch / lr_base_size)")
      }
      let batch = try number("batch_size", 128) * Double(worldSize) * (try number("grad_accum_steps", 1))
      var scale = ""
      if case .string(let s)? = arg("lr_base_scale") { scale = s }
      if scale.isEmpty {
        var optimizer = "sgd"
        if case .string(let s)? = arg("opt") { optimizer = s.lowercased() }
        scale = optimizer.contains("ada") || optimizer.contains("lamb") ? "sqrt" : "linear"
      }
      let ratio = batch / baseSize
      lr = .double(base * (scale == "sqrt" ? ratio.squareRoot() : ratio))
    default:
      throw .wrongType(field: argField("lr"), expected: "a number or null", found: given.typeName)
    }

    // scheduler_kwargs(args), then create_scheduler_v2(**kwargs, updates_per_epoch=…).
    var kwargs: [(String, JSONValue)] = [("type", .string("timm.scheduler.create_scheduler_v2")), ("lr", lr)]
    for (factory, key, fallback) in timmArgsKeys {
      let v = arg(key) ?? fallback
      if factory == "sched", v == .null { throw .missingField(field: argField("sched"), schedule: "timm's args (cfg.sched)") }
      kwargs.append((factory, v))
    }
    var metric = "top1"
    if case .string(let s)? = arg("eval_metric") { metric = s }
    kwargs.append(("plateau_mode", .string(metric.contains("loss") ? "min" : "max")))
    var onUpdates = false
    if let v = arg("sched_on_updates"), v != .null {
      guard case .bool(let b) = v else { throw .wrongType(field: argField("sched_on_updates"), expected: "a boolean", found: v.typeName) }
      onUpdates = b
    }
    kwargs.append(("step_on_epochs", .bool(!onUpdates)))
    kwargs.append(("updates_per_epoch", updatesPerEpoch ?? .int(0)))

    // Factory errors name the args key (or LRKit's addition) they came from.
    let names = timmArgsKeys.map { ($0.factory, argField($0.arg)) }
      + [("step_on_epochs", argField("sched_on_updates")), ("updates_per_epoch", r.field("updates_per_epoch")),
         ("lr", argField("lr"))]
    do {
      var decoded = try decode(.object(kwargs), path: "")
      decoded.type = argsPath.isEmpty ? "timm train.py args" : r.schedule
      decoded.warnings = decoded.warnings.map { w in
        names.reduce(w) { $0.replacingOccurrences(of: "'\($1.0)'", with: "'\($1.1)'") }
      }
      if let l = decoded.stepLimit {
        decoded.stepLimit = StepLimit(steps: l.steps, field: names.first { $0.0 == l.field }?.1 ?? l.field, reason: l.reason)
      }
      return decoded
    } catch {
      func rename(_ f: String) -> String { names.first { $0.0 == f }?.1 ?? f }
      switch error {
      case .missingField(let f, let s): throw .missingField(field: rename(f), schedule: s)
      case .unknownField(let f, let s, let g): throw .unknownField(field: rename(f), schedule: s, suggestion: g)
      case .wrongType(let f, let e, let found): throw .wrongType(field: rename(f), expected: e, found: found)
      case .invalidValue(let f, let v, let why): throw .invalidValue(field: rename(f), value: v, reason: why)
      case .stepOutOfRange(let f, let s, let why): throw .stepOutOfRange(field: rename(f), step: s, reason: why)
      default: throw error
      }
    }
  }
}
