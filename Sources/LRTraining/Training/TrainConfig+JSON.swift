import LRSupport
import LROptimizers
import LRSchedules

extension TrainConfig {
  /// The configuration as the run's `config.json`.
  package func json() -> JSONValue {
    var pairs: [(key: String, value: JSONValue)] = [
      ("format", .string("lrkit.train-config")), ("version", .int(1)),
      ("task", .string(task.rawValue)),
    ]
    switch task {
    case .digits:
      pairs.append(("hidden", .array(hidden.map { .int($0) })))
    case .shakespeare:
      pairs.append(("model", .object([
        ("vocabulary", .int(gpt.vocabulary)), ("context", .int(gpt.context)), ("layers", .int(gpt.layers)),
        ("channels", .int(gpt.channels)), ("heads", .int(gpt.heads)), ("norm", .string(gpt.norm.rawValue)),
        ("dropout", .double(Double(gpt.dropout))),
      ])))
    }
    pairs += [
      ("optimizer", .object([
        ("kind", .string(optimizer.kind)), ("momentum", .double(optimizer.momentum)),
        ("nesterov", .bool(optimizer.nesterov)),
        ("betas", .array([.double(optimizer.betas.0), .double(optimizer.betas.1)])),
        ("eps", .double(optimizer.eps)),
        ("weight_decay", optimizer.weightDecay.map { .double($0) } ?? .null),
      ])),
      ("lr", .double(lr)),
      ("schedule", schedule ?? .null),
      ("steps", .int(steps)), ("batch_size", .int(batchSize)),
    ]
    if task == .shakespeare { pairs.append(("shards", .int(shards))) }
    pairs += [
      ("seed", .number(Double(seed), isInteger: true)), ("eval_every", .int(evalEvery)), ("eval_batches", .int(evalBatches)),
      ("clip_norm", clipNorm.map { .double($0) } ?? .null),
      ("checkpoint_every", .int(checkpointEvery)),
    ]
    return .object(pairs)
  }

  /// Reads a `config.json` written by ``json()``.
  package init(json: JSONValue) throws(TrainingError) {
    do {
      var r = try SpecReader(json, schedule: "train config")
      _ = try r.string("format")
      _ = try r.int("version")
      guard let task = Task(rawValue: try r.string("task")) else {
        throw TrainingError.invalidConfiguration(field: "task", reason: "unknown task")
      }
      self.init(task: task)
      if task == .digits {
        guard case .array(let h)? = r.take("hidden") else { throw r.missing("hidden") }
        hidden = try h.map { v throws(ScheduleError) in
          guard case .number(let x, _) = v else { throw ScheduleError.wrongType(field: "hidden", expected: "integers", found: v.typeName) }
          return Int(x)
        }
      } else {
        guard let m = r.take("model") else { throw r.missing("model") }
        var mr = try SpecReader(m, schedule: "model", path: "model")
        gpt = GPTConfig(
          vocabulary: try mr.int("vocabulary"), context: try mr.int("context"), layers: try mr.int("layers"),
          channels: try mr.int("channels"), heads: try mr.int("heads"),
          norm: GPTConfig.Norm(rawValue: try mr.string("norm")) ?? .preLN,
          dropout: Float(try mr.double("dropout")))
        try mr.finish()
      }
      guard let o = r.take("optimizer") else { throw r.missing("optimizer") }
      var orr = try SpecReader(o, schedule: "optimizer", path: "optimizer")
      let betas = try orr.doubles("betas")
      optimizer = OptimizerConfigurationJSON(
        kind: try orr.string("kind"), momentum: try orr.double("momentum"), nesterov: try orr.bool("nesterov", default: false),
        betas: (betas.first ?? 0.9, betas.count > 1 ? betas[1] : 0.999), eps: try orr.double("eps"),
        weightDecay: try orr.optionalDouble("weight_decay"))
      try orr.finish()
      lr = try r.double("lr")
      schedule = r.take("schedule")
      steps = try r.int("steps")
      batchSize = try r.int("batch_size")
      // Runs written before the key existed used two shards.
      shards = try r.int("shards", default: GPTWorkspace.defaultShards)
      seed = try Self.seed(&r)
      evalEvery = try r.int("eval_every")
      evalBatches = try r.int("eval_batches")
      clipNorm = try r.optionalDouble("clip_norm")
      checkpointEvery = try r.int("checkpoint_every")
      try r.finish()
    } catch let e as TrainingError {
      throw e
    } catch {
      throw .invalidConfiguration(field: "config.json", reason: "\(error)")
    }
  }

  /// The largest seed a run folder stores exactly: `config.json` holds it as a JSON number, and
  /// a JSON number is an exact integer only below 2^53 for every reader built on a double
  /// (RFC 7493; JavaScript's `Number.MAX_SAFE_INTEGER`). At 2^53 the literal 2^53 + 1 would
  /// read back as 2^53.
  public static let maximumSeed: UInt64 = 1 << 53 - 1

  /// `config.json`'s `seed`: an integer in `0...2^53 − 1`.
  static func seed(_ r: inout SpecReader) throws(ScheduleError) -> UInt64 {
    guard let v = r.take("seed") else { throw r.missing("seed") }
    guard case .number(let x, true) = v else {
      throw .wrongType(field: r.field("seed"), expected: "an integer", found: v.typeName)
    }
    guard x >= 0, x <= Double(maximumSeed) else {
      throw .invalidValue(field: r.field("seed"), value: v.serialized(), reason: "must be in 0...9007199254740991 (2^53 − 1)")
    }
    return UInt64(x)
  }

  /// Checks ranges, naming the field, and that the run fits in the memory this process may use
  /// (the machine's, `ulimit -v`'s or the container's, whichever is least).
  public func validate() throws(TrainingError) {
    try validate(availableBytes: MemoryEstimate.availableBytes())
  }

  /// ``validate()`` against `availableBytes` of memory: a run whose parameters, gradients,
  /// optimizer state and activations need more than 90 % of it is refused, naming the field
  /// that holds most of it (`width`, `hidden`, `context` or `batch-size`).
  func validate(availableBytes: Double) throws(TrainingError) {
    func check(_ ok: Bool, _ field: String, _ reason: String) throws(TrainingError) {
      if !ok { throw .invalidConfiguration(field: field, reason: reason) }
    }
    try check(steps >= 0 && steps <= 1 << 32, "steps", "must be in 0...2^32")
    try check(seed <= Self.maximumSeed, "seed",
              "must be at most 9007199254740991 (2^53 − 1): config.json stores it as a JSON number, exact only below 2^53")
    try check(batchSize >= 1 && batchSize <= 65_536, "batch-size", "must be in 1...65536")
    try check(shards >= 1 && shards <= 4096, "shards", "must be in 1...4096")
    try check(evalEvery >= 0, "eval-every", "must be ≥ 0")
    try check(evalBatches >= 1 && evalBatches <= 1 << 20, "eval-batches", "must be in 1...2^20")
    try check(lr >= 0 && lr.isFinite, "lr", "must be a finite number ≥ 0")
    try check(checkpointEvery >= 0, "checkpoint-every", "must be ≥ 0")
    if let c = clipNorm { try check(c > 0 && c.isFinite, "clip", "must be positive") }
    try check(["sgd", "adam", "adamw", "radam"].contains(optimizer.kind), "optimizer",
              "must be sgd, adam, adamw or radam")
    try check(gpt.dropout >= 0 && gpt.dropout < 1, "dropout", "must be in [0, 1)")
    if task == .digits {
      try check(!hidden.isEmpty, "hidden", "needs at least one width (e.g. 128 or 256,128)")
      try check(hidden.allSatisfy { $0 > 0 && $0 <= 65_536 }, "hidden", "widths must be in 1...65536")
    }
    if task == .shakespeare {
      _ = try GPT(gpt)
      try check(gpt.context >= 1 && gpt.context <= 4096, "context", "must be in 1...4096")
    }
    let memory = MemoryEstimate(self)
    if memory.totalBytes > 0.9 * availableBytes {
      throw .invalidConfiguration(
        field: memory.field(for: task),
        reason: "this run needs at least \(MemoryEstimate.text(memory.totalBytes)) of memory ("
          + "\(MemoryEstimate.text(memory.parameterBytes)) for the parameters, their gradients and the optimizer's state, "
          + "\(MemoryEstimate.text(memory.activationBytes)) of activations, "
          + "\(MemoryEstimate.text(memory.checkpointBytes)) to write a checkpoint), more than 90 % of the "
          + "\(MemoryEstimate.text(availableBytes)) this process may use")
    }
  }

  /// The optimizer configuration.
  public func optimizerConfiguration() throws(TrainingError) -> OptimizerConfiguration {
    let o = optimizer
    var c: OptimizerConfiguration
    switch o.kind {
    case "sgd": c = .sgd(momentum: o.momentum, nesterov: o.nesterov, weightDecay: o.weightDecay ?? 0)
    case "adam": c = .adam(.adam, betas: o.betas, eps: o.eps, weightDecay: o.weightDecay)
    case "adamw": c = .adam(.adamw, betas: o.betas, eps: o.eps, weightDecay: o.weightDecay)
    case "radam": c = .adam(.radam, betas: o.betas, eps: o.eps, weightDecay: o.weightDecay)
    default: throw .invalidConfiguration(field: "optimizer", reason: "unknown optimizer '\(o.kind)'")
    }
    do {
      try c.validate()
    } catch {
      throw .invalidConfiguration(field: "optimizer", reason: error.description)
    }
    return c
  }

  /// The schedule: the spec, or a constant `lr`.
  public func decodedSchedule() throws(TrainingError) -> DecodedSchedule {
    do {
      if let schedule { return try ScheduleSpec.decode(schedule) }
      return try ScheduleSpec.decode(.object([("type", .string("constant")), ("lr", .double(lr))]))
    } catch {
      throw .invalidConfiguration(field: "schedule", reason: error.description)
    }
  }
}
