import Foundation
import LROptimizers
import LRSchedules
import LRSupport

/// Checkpoints: `checkpoint.json` holds the step, the parameters and the optimizer state, so a
/// resumed run continues bit for bit.
extension Trainer {
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
    // A config.json that does not describe a valid run is an error about that file.
    func inConfig(_ error: TrainingError) -> TrainingError {
      if case .invalidConfiguration(let field, let reason) = error {
        return .invalidRun(path: run.file("config.json"), reason: field == "config.json" ? reason : "field '\(field)': \(reason)")
      }
      return error
    }
    var config: TrainConfig
    do {
      config = try TrainConfig(json: configJSON)
      try config.validate()
      _ = try config.decodedSchedule()
      _ = try config.optimizerConfiguration()
    } catch {
      throw inConfig(error)
    }
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
    trainer.resumed = true
    if let text = try? run.read("summary.json"), let json = try? JSONValue.parse(text),
      let summary = Summary(json: json)
    {
      trainer.recorded = summary
    }
    let text = try run.read("checkpoint.json")
    do {
      let c = try JSONValue.parse(text)
      guard case .string("lrkit.checkpoint")? = c["format"], case .number(let s, _)? = c["step"],
        s.isFinite, s >= 0, s <= Double(1 << 53), let params = c["parameters"], let opt = c["optimizer"]
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
