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
  let task: any TrainingTask
  var parameters: [Float]
  var optimizer: ScheduledOptimizer
  let run: RunDirectory?
  var log: LogWriter?
  /// The gradient buffer, reused from update to update (zeroed before each).
  var gradientBuffer: [Float] = []
  /// The index of the next update.
  public internal(set) var step = 0
  /// The summary a resumed run had recorded, kept until an update improves on it.
  var recorded: Summary?
  /// Set by ``resume(_:steps:)``: this trainer continues the run in its directory.
  var resumed = false

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

  /// How a run ended (``RunSummary``).
  public typealias Summary = RunSummary

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
    switch config.task {
    case .digits: task = try DigitsTask(hidden: config.hidden, seed: config.seed, batchSize: config.batchSize)
    case .shakespeare:
      task = try ShakespeareTask(config: config.gpt, batchSize: config.batchSize, shards: config.shards,
                                     evalBatches: config.evalBatches)
    }
    parameters = task.initialParameters(seed: config.seed)
    let tensors = task.tensors
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
      // A fresh run never overwrites one already recorded in its directory.
      // (`log` is set once this trainer has started writing the directory itself.)
      if step == 0, !resumed, log == nil, let what = run.recordedRun() {
        throw .invalidRun(path: run.path, reason: "already holds a run (\(what)); continue it with "
          + "`lrkit train --resume \(run.path)`, or train into another directory: a recorded run is never overwritten")
      }
      try run.create()
      if step == 0 { try run.writeAtomically("config.json", config.json().serialized() + "\n") }
      log = try LogWriter(path: run.file("log.jsonl"), truncateToSteps: step == 0 ? nil : step)
    }
    var summary = recorded ?? Summary(status: .completed, steps: step)
    summary.status = .completed
    summary.cause = nil
    while step < config.steps {
      let k = step
      var gradients: [Float]? = zeroedGradients()
      let (loss, items) = forwardBackward(step: k, gradients: &gradients)
      var g = gradients.take()!
      defer { gradientBuffer = g }
      let norm = clipGradientNorm(&g, maxNorm: config.clipNorm ?? .infinity)
      if !loss.isFinite || !norm.isFinite {
        // A NaN prints with its sign bit ("-nan"); the sign of a NaN means nothing to a reader.
        func text(_ x: Double) -> String { x.isNaN ? "nan" : "\(x)" }
        let cause = !loss.isFinite ? "loss is \(text(loss))" : "gradient norm is \(text(norm))"
        log?.write(.object([("step", .int(k)), ("event", .string("diverged")), ("cause", .string(cause)),
                            ("lr", .double(optimizer.driver.hyperparameters().first?.lr ?? .nan))]))
        summary.status = .diverged
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
        summary.status = .interrupted
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
    let r = task.lossAndGradients(step: step, parameters: parameters, gradients: &gradients, seed: seed)
    return (r.loss, r.items)
  }

  /// Validation loss (and accuracy for digits) with the current parameters.
  public func evaluate() -> (Double, Double?) {
    let r = task.evaluate(parameters: parameters)
    return (r.loss, r.accuracy)
  }

  /// The current parameters.
  public var currentParameters: [Float] { parameters }
}
