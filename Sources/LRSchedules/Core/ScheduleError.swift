/// Why a schedule spec or schedule parameters were refused.
///
/// Every case names the field (a dotted path into the spec, e.g. `schedulers[1].T_max`) so the
/// command line can print one line that tells the user what to fix.
public enum ScheduleError: Error, Equatable, Sendable, CustomStringConvertible {
  /// The spec is not valid JSON (or YAML); `detail` says where.
  case malformedInput(detail: String)
  /// A required field is absent.
  case missingField(field: String, schedule: String)
  /// A field the schedule does not take; `suggestion` is the nearest valid name.
  case unknownField(field: String, schedule: String, suggestion: String?)
  /// A field has the wrong JSON type.
  case wrongType(field: String, expected: String, found: String)
  /// A field's value is out of range or inconsistent with another field.
  case invalidValue(field: String, value: String, reason: String)
  /// The `type` names no schedule LRKit knows.
  case unknownType(type: String, suggestion: String?)
  /// The schedule cannot produce the learning rate at `step`, as the peer refuses there too.
  case stepOutOfRange(field: String, step: Int, reason: String)

  /// The field the error is about, if any.
  public var field: String? {
    switch self {
    case .malformedInput: nil
    case .missingField(let f, _), .unknownField(let f, _, _), .wrongType(let f, _, _),
      .invalidValue(let f, _, _), .stepOutOfRange(let f, _, _):
      f
    case .unknownType: "type"
    }
  }

  /// A one-line message naming the field.
  public var description: String {
    switch self {
    case .malformedInput(let detail):
      return "malformed spec: \(detail)"
    case .missingField(let field, let schedule):
      return "missing field '\(field)': required by \(schedule)"
    case .unknownField(let field, let schedule, let suggestion):
      let hint = suggestion.map { " (did you mean '\($0)'?)" } ?? ""
      return "unknown field '\(field)' for \(schedule)\(hint)"
    case .wrongType(let field, let expected, let found):
      return "field '\(field)': expected \(expected), found \(found)"
    case .invalidValue(let field, let value, let reason):
      return "field '\(field)' = \(value): \(reason)"
    case .unknownType(let type, let suggestion):
      let hint = suggestion.map { " (did you mean '\($0)'?)" } ?? ""
      return "field 'type': unknown schedule type '\(type)'\(hint)"
    case .stepOutOfRange(let field, let step, let reason):
      return "update \(step) is past the end: \(reason) (field '\(field)')"
    }
  }
}
