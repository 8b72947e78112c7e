import LRSupport

/// Reads the fields of one spec object strictly: every read names its field, wrong types and
/// out-of-range values throw, each key is consumed exactly once, and `finish()` refuses any key
/// that no read consumed.
///
/// A key can be read only once: a second read of the same key is a decoder bug (two layers
/// applying one setting twice), caught by an assertion in debug builds and answered with nil in
/// release builds, so it can never apply a setting twice.
package struct SpecReader: Sendable {
  /// The schedule being decoded, for messages (e.g. `torch.optim.lr_scheduler.StepLR`).
  package let schedule: String
  /// The dotted path of this object inside the whole spec ("" at the top level).
  package let path: String
  package let pairs: [(key: String, value: JSONValue)]
  package private(set) var used: Set<String> = []

  /// Wraps `value`, which must be an object.
  package init(_ value: JSONValue, schedule: String, path: String = "") throws(ScheduleError) {
    guard case .object(let pairs) = value else {
      throw .wrongType(field: path.isEmpty ? "spec" : path, expected: "an object",
                       found: value.typeName)
    }
    self.schedule = schedule
    self.path = path
    self.pairs = pairs
    used.insert("type")
  }

  /// The full dotted name of `key` for messages.
  package func field(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

  /// Whether the object holds `key` (null counts as absent).
  package func has(_ key: String) -> Bool {
    if let v = raw(key), v != .null { return true }
    return false
  }

  /// The value of `key` without consuming it (for messages and look-ahead).
  package func raw(_ key: String) -> JSONValue? { pairs.first { $0.key == key }?.value }

  /// Whether `key` has been consumed.
  package func isConsumed(_ key: String) -> Bool { used.contains(key) }

  /// Consumes `key` and returns its value, or nil when absent or null.
  package mutating func take(_ key: String) -> JSONValue? {
    guard !used.contains(key) else {
      assertionFailure("spec key '\(field(key))' of \(schedule) read twice")
      return nil
    }
    used.insert(key)
    SpecKeyRecorder.current?.read(field(key), in: schedule)
    guard let v = raw(key), v != .null else { return nil }
    return v
  }

  /// Consumes `key` whatever its value (for arguments that do not change the curve).
  package mutating func ignore(_ key: String) { _ = take(key) }

  /// Throws for any key that no read consumed, suggesting the nearest known key.
  package func finish(known extra: [String] = []) throws(ScheduleError) {
    for (key, _) in pairs where !used.contains(key) {
      let candidates = Array(used.subtracting(["type"])) + extra
      throw .unknownField(field: field(key), schedule: schedule,
                          suggestion: nearest(to: key, in: candidates))
    }
  }

  /// The error for an absent required `key`: a near-miss spelling present in the object is
  /// reported as the unknown field it is, with the suggestion.
  package func missing(_ key: String) -> ScheduleError {
    for (k, _) in pairs where k != key && !used.contains(k) {
      if nearest(to: k, in: [key]) != nil {
        return .unknownField(field: field(k), schedule: schedule, suggestion: key)
      }
    }
    return .missingField(field: field(key), schedule: schedule)
  }

  // MARK: Typed reads

  /// A required real number (an integer literal is accepted, as Python would).
  package mutating func double(_ key: String) throws(ScheduleError) -> Double {
    guard let v = try optionalDouble(key) else { throw missing(key) }
    return v
  }

  /// A real number with a default.
  package mutating func double(_ key: String, default value: Double) throws(ScheduleError)
    -> Double
  {
    SpecKeyRecorder.current?.defaultValue(field(key), "\(value)")
    return try optionalDouble(key) ?? value
  }

  /// An optional real number; must be finite.
  package mutating func optionalDouble(_ key: String) throws(ScheduleError) -> Double? {
    guard let v = take(key) else { return nil }
    return try Self.real(v, field: field(key))
  }

  static func real(_ v: JSONValue, field: String) throws(ScheduleError) -> Double {
    guard case .number(let x, _) = v else {
      throw .wrongType(field: field, expected: "a number", found: v.typeName)
    }
    guard x.isFinite else {
      throw .invalidValue(field: field, value: "\(x)", reason: "must be finite")
    }
    return x
  }

  /// A real that must be written as a real literal (Python `float`), as peers that check
  /// `isinstance(x, float)` demand.
  package mutating func strictReal(_ key: String, default value: Double) throws(ScheduleError)
    -> Double
  {
    SpecKeyRecorder.current?.defaultValue(field(key), "\(value)")
    guard let v = take(key) else { return value }
    guard case .number(let x, let isInteger) = v, !isInteger else {
      throw .wrongType(field: field(key), expected: "a real number such as 0.3", found: v.typeName)
    }
    return x
  }

  /// A required integer (a real with an integral value is accepted).
  package mutating func int(_ key: String) throws(ScheduleError) -> Int {
    guard let v = try optionalInt(key) else { throw missing(key) }
    return v
  }

  /// An integer with a default.
  package mutating func int(_ key: String, default value: Int) throws(ScheduleError) -> Int {
    SpecKeyRecorder.current?.defaultValue(field(key), "\(value)")
    return try optionalInt(key) ?? value
  }

  /// An optional integer.
  package mutating func optionalInt(_ key: String) throws(ScheduleError) -> Int? {
    guard let v = take(key) else { return nil }
    return try Self.integer(v, field: field(key))
  }

  static func integer(_ v: JSONValue, field: String) throws(ScheduleError) -> Int {
    guard case .number(let x, _) = v else {
      throw .wrongType(field: field, expected: "an integer", found: v.typeName)
    }
    guard x.isFinite, x == x.rounded(), abs(x) < 9.0e15 else {
      throw .wrongType(field: field, expected: "an integer", found: "\(x)")
    }
    return Int(x)
  }

  /// A required integer that must be written as an integer literal (Python `int`), for peers
  /// that check `isinstance(x, int)`.
  package mutating func strictInt(_ key: String) throws(ScheduleError) -> Int {
    guard let v = take(key) else { throw missing(key) }
    guard case .number(_, let isInteger) = v, isInteger else {
      throw .wrongType(field: field(key), expected: "an integer such as 10", found: v.typeName)
    }
    return try Self.integer(v, field: field(key))
  }

  /// An integer with a default that must be written as an integer literal (Python `int`), for
  /// peers that check `isinstance(x, int)`.
  package mutating func strictInt(_ key: String, default value: Int) throws(ScheduleError) -> Int {
    SpecKeyRecorder.current?.defaultValue(field(key), "\(value)")
    guard has(key) else {
      ignore(key)
      return value
    }
    return try strictInt(key)
  }

  /// A boolean with a default.
  package mutating func bool(_ key: String, default value: Bool) throws(ScheduleError) -> Bool {
    SpecKeyRecorder.current?.defaultValue(field(key), "\(value)")
    guard let v = take(key) else { return value }
    guard case .bool(let b) = v else {
      throw .wrongType(field: field(key), expected: "true or false", found: v.typeName)
    }
    return b
  }

  /// A required string.
  package mutating func string(_ key: String) throws(ScheduleError) -> String {
    guard let v = try optionalString(key) else { throw missing(key) }
    return v
  }

  /// An optional string.
  package mutating func optionalString(_ key: String) throws(ScheduleError) -> String? {
    guard let v = take(key) else { return nil }
    guard case .string(let s) = v else {
      throw .wrongType(field: field(key), expected: "a string", found: v.typeName)
    }
    return s
  }

  /// A string that must be one of `choices`, with a default.
  package mutating func choice(_ key: String, _ choices: [String], default value: String)
    throws(ScheduleError) -> String
  {
    SpecKeyRecorder.current?.defaultValue(field(key), "\"\(value)\" (one of \(choices.joined(separator: ", ")))")
    guard let s = try optionalString(key) else { return value }
    guard choices.contains(s) else {
      let hint = nearest(to: s, in: choices).map { " (did you mean '\($0)'?)" } ?? ""
      throw .invalidValue(field: field(key), value: "'\(s)'",
                          reason: "must be one of \(choices.joined(separator: ", "))\(hint)")
    }
    return s
  }

  /// An array of numbers (required).
  package mutating func doubles(_ key: String) throws(ScheduleError) -> [Double] {
    guard let v = take(key) else { throw missing(key) }
    return try Self.numbers(v, field: field(key))
  }

  static func numbers(_ v: JSONValue, field: String) throws(ScheduleError) -> [Double] {
    guard case .array(let items) = v else {
      throw .wrongType(field: field, expected: "an array of numbers", found: v.typeName)
    }
    var out: [Double] = []
    for (i, item) in items.enumerated() {
      guard case .number(let x, _) = item, x.isFinite else {
        throw .wrongType(field: "\(field)[\(i)]", expected: "a finite number", found: item.typeName)
      }
      out.append(x)
    }
    return out
  }

  /// An array of integers (required).
  package mutating func ints(_ key: String) throws(ScheduleError) -> [Int] {
    guard let v = take(key) else { throw missing(key) }
    guard case .array(let items) = v else {
      throw .wrongType(field: field(key), expected: "an array of integers", found: v.typeName)
    }
    var out: [Int] = []
    for (i, item) in items.enumerated() {
      out.append(try Self.integer(item, field: "\(field(key))[\(i)]"))
    }
    return out
  }

  /// A required array of objects, each returned with its dotted path.
  package mutating func objects(_ key: String) throws(ScheduleError) -> [(JSONValue, String)] {
    guard let v = take(key) else { throw missing(key) }
    guard case .array(let items) = v else {
      throw .wrongType(field: field(key), expected: "an array of objects", found: v.typeName)
    }
    return items.enumerated().map { ($0.element, "\(field(key))[\($0.offset)]") }
  }

  // MARK: Checks

  /// Throws unless `condition` holds, naming `key`.
  package func check(_ condition: Bool, _ key: String, _ value: Any, _ reason: String)
    throws(ScheduleError)
  {
    if !condition {
      throw .invalidValue(field: field(key), value: "\(value)", reason: reason)
    }
  }

  /// Refuses `key` when present, with `reason` (arguments a peer takes that LRKit cannot
  /// reproduce, such as a Python callable).
  package mutating func refuse(_ key: String, _ reason: String) throws(ScheduleError) {
    guard let v = take(key) else { return }
    throw .invalidValue(field: field(key), value: v.serialized(), reason: reason)
  }
}
