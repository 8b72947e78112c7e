import LRSupport

/// How a training run ended.
public enum RunStatus: String, Sendable, CaseIterable {
  /// Every planned update ran.
  case completed
  /// A NaN or infinite loss or gradient stopped the run (the summary says which, and where).
  case diverged
  /// Stopped on request (Ctrl-C, SIGTERM) after a checkpoint; `--resume` continues.
  case interrupted
}

/// How a run ended.
public struct RunSummary: Sendable {
  /// How the run ended.
  public var status: RunStatus
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
    guard case .string(let name)? = json["status"], let status = RunStatus(rawValue: name),
      case .number(let n, _)? = json["steps"], let steps = truncatedInt(n)
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
  public init(status: RunStatus, steps: Int, finalLoss: Double? = nil, evalLoss: Double? = nil,
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
    var pairs: [(key: String, value: JSONValue)] = [("status", .string(status.rawValue)), ("steps", .int(steps))]
    for (key, value) in [("final_loss", finalLoss), ("eval_loss", evalLoss), ("eval_accuracy", evalAccuracy)] {
      if let value { pairs += Trainer.number(key, value) } else { pairs.append((key, .null)) }
    }
    pairs.append(("cause", cause.map { .string($0) } ?? .null))
    return .object(pairs)
  }
}
