import LRSupport
import Foundation
import LROptimizers
import LRSchedules

/// Trains one of the built-in tasks: samples batches, runs the model's forward and backward
/// passes, clips, lets the scheduled optimizer update, evaluates, writes the run directory and
/// checkpoints. A NaN or infinite loss or gradient stops the run cleanly and records why.
///
/// Everything random derives from the seed and the update index (batches, dropout), so a run is
/// a pure function of its configuration, and resuming from a checkpoint continues bit for bit.
public final class Trainer {
  /// The run's configuration.
  public let config: TrainConfig
  let model: Model
  var parameters: [Float]
  var optimizer: ScheduledOptimizer
  let run: RunDirectory?
  var log: LogWriter?
  /// The gradient buffer, reused from update to update (zeroed before each).
  var gradientBuffer: [Float] = []
  /// The index of the next update.
  public private(set) var step = 0
  /// The summary a resumed run had recorded, kept until an update improves on it.
  var recorded: Summary?

  enum Model {
    case mlp(MLP, Digits)
    case gpt(GPT, Shakespeare, GPTWorkspace, GPTWorkspace?)
  }

  /// What happened in one update, for progress displays.
  public struct StepReport: Sendable {
    /// The update index.
    public var step: Int
    /// The learning rate of the first group.
    public var lr: Double
    /// The training loss.
    public var loss: Double
    /// The gradient norm before clipping.
    public var gradNorm: Double
    /// Evaluation results, when this update was followed by an evaluation.
    public var evalLoss: Double?
    /// Validation accuracy (digits).
    public var evalAccuracy: Double?
    /// Examples or tokens this update processed.
    public var items: Int
  }

  /// How a run ended.
  public struct Summary: Sendable {
    /// `completed`, `diverged` or `interrupted`.
    public var status: String
    /// Updates completed.
    public var steps: Int
    /// The last training loss.
    public var finalLoss: Double?
    /// The last evaluation loss.
    public var evalLoss: Double?
    /// The last validation accuracy (digits).
    public var evalAccuracy: Double?
    /// Why the run diverged.
    public var cause: String?

    /// Reads a `summary.json`.
    package init?(json: JSONValue) {
      guard case .string(let status)? = json["status"], case .number(let n, _)? = json["steps"],
        let steps = truncatedInt(n)
      else { return nil }
      func number(_ key: String) -> Double? {
        if case .number(let x, _)? = json[key] { return x }
        return nil
      }
      self.status = status
      self.steps = steps
      finalLoss = number("final_loss")
      evalLoss = number("eval_loss")
      evalAccuracy = number("eval_accuracy")
      if case .string(let c)? = json["cause"] { cause = c }
    }

    /// A summary.
    public init(status: String, steps: Int, finalLoss: Double? = nil, evalLoss: Double? = nil,
                evalAccuracy: Double? = nil, cause: String? = nil) {
      self.status = status
      self.steps = steps
      self.finalLoss = finalLoss
      self.evalLoss = evalLoss
      self.evalAccuracy = evalAccuracy
      self.cause = cause
    }

    /// The summary as `summary.json`.
    package var json: JSONValue {
      var pairs: [(key: String, value: JSONValue)] = [("status", .string(status)), ("steps", .int(steps))]
      for (key, value) in [("final_loss", finalLoss), ("eval_loss", evalLoss), ("eval_accuracy", evalAccuracy)] {
        if let value { pairs += Trainer.number(key, value) } else { pairs.append((key, .null)) }
      }
      pairs.append(("cause", cause.map { .string($0) } ?? .null))
      return .object(pairs)
    }
  }

  /// A trainer for `config`, writing to `run` (nil: nothing written).
  public init(config: TrainConfig, run: RunDirectory?) throws(TrainingError) {
    try config.validate()
    self.config = config
    self.run = run
    let schedule = try config.decodedSchedule()
    if let limit = schedule.limit(within: config.steps) {
      throw .invalidConfiguration(
        field: "steps", reason: "the schedule serves \(limit.steps) updates, not \(config.steps): \(limit.reason)")
    }
    let opt = try config.optimizerConfiguration()
    let tensors: [(name: String, range: Range<Int>)]
    switch config.task {
    case .digits:
      let model = try MLP(widths: [Digits.features] + config.hidden + [Digits.classes])
      let data = try Digits(seed: config.seed)
      self.model = .mlp(model, data)
      parameters = model.initialParameters(seed: config.seed)
      tensors = model.tensors
    case .shakespeare:
      let data = try Shakespeare()
      var g = config.gpt
      g.vocabulary = data.vocabulary.count
      let model = try GPT(g)
      self.model = .gpt(model, data, GPTWorkspace(config: g, batch: config.batchSize), nil)
      parameters = model.initialParameters(seed: config.seed)
      tensors = model.tensors
    }
    let wd = config.optimizer.weightDecay ?? opt.weightDecay
    let groups = ParameterGroup.decayAndNoDecay(tensors.map { .init(name: $0.name, range: $0.range) }, weightDecay: wd)
      .filter { $0.count > 0 }
    do {
      optimizer = try ScheduledOptimizer(opt, parameterCount: parameters.count, schedule: schedule, groups: groups)
    } catch {
      throw .invalidConfiguration(field: "optimizer", reason: error.description)
    }
  }

  /// A stable per-update seed.
  func seed(_ step: Int, _ stream: UInt64) -> UInt64 {
    var s = SplitMix64(seed: config.seed &* 0x9E37_79B9_7F4A_7C15 ^ UInt64(step) &* 0xD1B5_4A32_D192_ED03 ^ stream)
    return s.next()
  }

  /// Runs updates until `config.steps` (or until `shouldStop` says so after an update).
  public func train(progress: (StepReport) -> Void = { _ in }, shouldStop: () -> Bool = { false })
    throws(TrainingError) -> Summary
  {
    if let recorded, step >= config.steps {
      // Nothing to run: the recorded result stands, untouched.
      return recorded
    }
    if let run {
      try run.create()
      if step == 0 { try run.writeAtomically("config.json", config.json().serialized() + "\n") }
      log = try LogWriter(path: run.file("log.jsonl"), truncateToSteps: step == 0 ? nil : step)
    }
    var summary = recorded ?? Summary(status: "completed", steps: step)
    summary.status = "completed"
    summary.cause = nil
    while step < config.steps {
      let k = step
      var gradients: [Float]? = zeroedGradients()
      let (loss, items) = forwardBackward(step: k, gradients: &gradients)
      var g = gradients.take()!
      defer { gradientBuffer = g }
      let norm = clipGradientNorm(&g, maxNorm: config.clipNorm ?? .infinity)
      if !loss.isFinite || !norm.isFinite {
        let cause = !loss.isFinite ? "loss is \(loss)" : "gradient norm is \(norm)"
        log?.write(.object([("step", .int(k)), ("event", .string("diverged")), ("cause", .string(cause)),
                            ("lr", .double(optimizer.driver.hyperparameters().first?.lr ?? .nan))]))
        summary.status = "diverged"
        summary.cause = "\(cause) at step \(k)"
        break
      }
      let report: ScheduledOptimizer.Report
      do {
        report = try optimizer.update(parameters: &parameters, gradients: &g)
      } catch {
        throw .invalidConfiguration(field: "optimizer", reason: error.description)
      }
      step = k + 1
      var line: [(key: String, value: JSONValue)] = [
        ("step", .int(k)), ("lr", .double(report.learningRates[0])), ("loss", .double(loss)),
        ("grad_norm", .double(norm)),
      ]
      if let m = report.momentum { line.append(("momentum", .double(m))) }
      log?.write(.object(line))
      summary.finalLoss = loss
      summary.steps = step
      var stepReport = StepReport(step: k, lr: report.learningRates[0], loss: loss, gradNorm: norm, items: items)
      let evalDue = (config.evalEvery > 0 && step % config.evalEvery == 0) || step == config.steps
      if evalDue {
        let (evalLoss, accuracy) = evaluate()
        var e: [(key: String, value: JSONValue)] = [("step", .int(k))]
        e += Self.number("eval_loss", evalLoss)
        if let accuracy { e.append(("eval_accuracy", .double(accuracy))) }
        log?.write(.object(e))
        optimizer.report(metric: evalLoss)
        summary.evalLoss = evalLoss
        summary.evalAccuracy = accuracy
        stepReport.evalLoss = evalLoss
        stepReport.evalAccuracy = accuracy
      }
      progress(stepReport)
      if config.checkpointEvery > 0 && step % config.checkpointEvery == 0 && step < config.steps {
        try saveCheckpoint()
      }
      if shouldStop() && step < config.steps {
        summary.status = "interrupted"
        break
      }
    }
    if run != nil {
      try saveCheckpoint()
      try run!.writeAtomically("summary.json", summary.json.serialized() + "\n")
    }
    return summary
  }

  /// `key: x` for a log line; JSON has no NaN or infinity, so a non-finite `x` is written as
  /// null with `key_nonfinite: "nan" | "inf" | "-inf"` beside it.
  static func number(_ key: String, _ x: Double) -> [(key: String, value: JSONValue)] {
    if x.isFinite { return [(key, .double(x))] }
    return [(key, .null), ("\(key)_nonfinite", .string("\(x)"))]
  }

  /// The reused gradient buffer, zeroed, handed over without a second reference (so that
  /// writing to it copies nothing).
  func zeroedGradients() -> [Float] {
    var g: [Float] = []
    swap(&g, &gradientBuffer)
    if g.count != parameters.count { return [Float](repeating: 0, count: parameters.count) }
    g.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
    return g
  }

  /// Loss and gradients of update `step`'s batch; returns the loss and the items processed.
  func forwardBackward(step: Int, gradients: inout [Float]?) -> (Double, Int) {
    switch model {
    case .mlp(let m, let data):
      let n = data.trainCount
      let perEpoch = (n + config.batchSize - 1) / config.batchSize
      let epoch = step / perEpoch
      let j = step % perEpoch
      var order = Array(0..<n)
      var rng = SplitMix64(seed: seed(epoch, 1))
      order.shuffle(using: &rng)
      let idx = order[(j * config.batchSize)..<min(n, (j + 1) * config.batchSize)]
      var x: [Float] = []
      x.reserveCapacity(idx.count * Digits.features)
      for i in idx { x += data.trainX[(i * Digits.features)..<((i + 1) * Digits.features)] }
      let y = idx.map { data.trainY[$0] }
      return (m.pass(inputs: x, labels: y, rows: idx.count, parameters: parameters, gradients: &gradients).loss, idx.count)
    case .gpt(let m, let data, let ws, _):
      var rng = SplitMix64(seed: seed(step, 2))
      let (x, y) = Shakespeare.batch(from: data.train, batch: config.batchSize, context: m.config.context, rng: &rng)
      var dropoutRNG: SplitMix64? = m.config.dropout > 0 ? SplitMix64(seed: seed(step, 3)) : nil
      let loss = m.pass(tokens: x, targets: y, parameters: parameters, gradients: &gradients, workspace: ws, rng: &dropoutRNG)
      return (loss, x.count)
    }
  }

  /// Validation loss (and accuracy for digits) with the current parameters.
  public func evaluate() -> (Double, Double?) {
    var none: [Float]? = nil
    switch model {
    case .mlp(let m, let data):
      let r = m.pass(inputs: data.validX, labels: data.validY, rows: data.validCount, parameters: parameters, gradients: &none)
      return (r.loss, Double(r.correct) / Double(data.validCount))
    case .gpt(let m, let data, let ws, _):
      var total = 0.0
      var rng = SplitMix64(seed: 0xE7A1)  // the same validation windows at every evaluation
      var noRNG: SplitMix64? = nil
      for _ in 0..<config.evalBatches {
        let (x, y) = Shakespeare.batch(from: data.valid, batch: config.batchSize, context: m.config.context, rng: &rng)
        total += m.pass(tokens: x, targets: y, parameters: parameters, gradients: &none, workspace: ws, rng: &noRNG)
      }
      return (total / Double(config.evalBatches), nil)
    }
  }

  /// The current parameters.
  public var currentParameters: [Float] { parameters }

  // MARK: Checkpoints

  /// Writes `checkpoint.json` atomically: the step, the parameters and the optimizer state.
  public func saveCheckpoint() throws(TrainingError) {
    guard let run else { return }
    let optimizerState: JSONValue
    do {
      optimizerState = try JSONValue.parse(optimizer.encodeState())
    } catch {
      throw .invalidRun(path: run.path, reason: "cannot encode the optimizer state")
    }
    let checkpoint = JSONValue.object([
      ("format", .string("lrkit.checkpoint")), ("version", .int(1)), ("step", .int(step)),
      ("parameters", FloatBlob.encode(parameters)), ("optimizer", optimizerState),
    ])
    try run.writeAtomically("checkpoint.json", checkpoint.serialized())
  }

  /// Resumes the run in `directory`: its configuration, parameters, optimizer state and step.
  ///
  /// `steps`, when given and larger than the run's planned updates, extends the run — only
  /// where the schedule has no planned length of its own (a constant, step, exponential or
  /// plateau lr), since extending a decay would train past its end; a smaller count is refused.
  /// A finished run resumed without more steps trains nothing and its recorded summary stands.
  public static func resume(_ directory: String, steps newSteps: Int? = nil) throws(TrainingError)
    -> Trainer
  {
    let run = RunDirectory(path: directory)
    let configJSON: JSONValue
    do {
      configJSON = try JSONValue.parse(try run.read("config.json"))
    } catch let e as TrainingError {
      throw e
    } catch {
      throw .invalidRun(path: directory, reason: "config.json: \(error)")
    }
    var config = try TrainConfig(json: configJSON)
    var extended = false
    if let n = newSteps, n != config.steps {
      guard n > config.steps else {
        throw .invalidConfiguration(
          field: "steps", reason: "\(n) is fewer than the \(config.steps) updates the run was planned "
            + "for; a run is never shortened (start a new run to train fewer)")
      }
      let schedule = try config.decodedSchedule()
      if let total = schedule.totalSteps {
        throw .invalidConfiguration(
          field: "steps", reason: "the schedule '\(schedule.type)' is planned over \(total) updates, "
            + "so \(n) updates would train past its end; start a new run with --steps \(n)")
      }
      if let limit = schedule.limit(within: n) {
        throw .invalidConfiguration(field: "steps", reason: "\(limit.reason) (\(limit.field))")
      }
      config.steps = n
      extended = true
    }
    let trainer = try Trainer(config: config, run: run)
    if let text = try? run.read("summary.json"), let json = try? JSONValue.parse(text),
      let summary = Summary(json: json)
    {
      trainer.recorded = summary
    }
    let text = try run.read("checkpoint.json")
    do {
      let c = try JSONValue.parse(text)
      guard case .string("lrkit.checkpoint")? = c["format"], case .number(let s, _)? = c["step"],
        let params = c["parameters"], let opt = c["optimizer"]
      else { throw TrainingError.invalidRun(path: directory, reason: "checkpoint.json is not an LRKit checkpoint") }
      let p = try FloatBlob.decode(params, expected: trainer.parameters.count, name: "parameters")
      try trainer.optimizer.restoreState(opt.serialized())
      guard trainer.optimizer.step == Int(s) else {
        throw TrainingError.invalidRun(path: directory, reason: "checkpoint step \(Int(s)) differs from the optimizer's \(trainer.optimizer.step)")
      }
      trainer.parameters = p
      trainer.step = Int(s)
    } catch let e as TrainingError {
      throw e
    } catch {
      throw .invalidRun(path: directory, reason: "checkpoint.json: \(error)")
    }
    if trainer.recorded?.steps != trainer.step { trainer.recorded = nil }
    if extended { try run.writeAtomically("config.json", config.json().serialized() + "\n") }
    return trainer
  }
}
