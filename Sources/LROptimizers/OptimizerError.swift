/// Why an optimizer, its parameter groups or a saved state were refused.
public enum OptimizerError: Error, Equatable, Sendable, CustomStringConvertible {
  /// A hyperparameter out of range.
  case invalidHyperparameter(field: String, value: Double, reason: String)
  /// Parameter groups that do not tile the parameters.
  case invalidGroups(reason: String)
  /// Buffers of the wrong length.
  case shapeMismatch(what: String, expected: Int, found: Int)
  /// A saved state that does not fit this optimizer or cannot be read.
  case stateMismatch(field: String, expected: String, found: String)
  /// A saved state that is not valid.
  case corruptState(reason: String)
  /// The schedule cannot serve update `step`: the peer refuses there too (PyTorch's
  /// OneCycleLR: "Tried to step N times…").
  case scheduleEnded(step: Int, reason: String)

  /// One line naming what is wrong.
  public var description: String {
    switch self {
    case .invalidHyperparameter(let field, let value, let reason):
      "field '\(field)' = \(value): \(reason)"
    case .invalidGroups(let reason):
      "parameter groups: \(reason)"
    case .shapeMismatch(let what, let expected, let found):
      "\(what): expected \(expected) values, found \(found)"
    case .stateMismatch(let field, let expected, let found):
      "saved state does not match: \(field) is \(found), expected \(expected)"
    case .corruptState(let reason):
      "saved state is not valid: \(reason)"
    case .scheduleEnded(let step, let reason):
      "the schedule has no learning rate for update \(step): \(reason)"
    }
  }
}
