/// Why training input was refused.
public enum TrainingError: Error, Equatable, Sendable, CustomStringConvertible {
  /// A model or trainer setting out of range.
  case invalidConfiguration(field: String, reason: String)
  /// A data file that cannot be read or parsed.
  case invalidData(file: String, reason: String)
  /// A run directory or checkpoint that cannot be used.
  case invalidRun(path: String, reason: String)

  /// One line naming what is wrong.
  public var description: String {
    switch self {
    case .invalidConfiguration(let field, let reason): "field '\(field)': \(reason)"
    case .invalidData(let file, let reason): "data '\(file)': \(reason)"
    case .invalidRun(let path, let reason): "run '\(path)': \(reason)"
    }
  }
}
