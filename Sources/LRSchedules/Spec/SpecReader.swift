/// Reads the fields of one spec object strictly: every read names its field, wrong types and
/// out-of-range values throw, and `finish()` refuses any key that was never read.
public struct SpecReader: Sendable {
  /// The schedule being decoded, for messages (e.g. `torch.optim.lr_scheduler.StepLR`).
  public let schedule: String
  /// The dotted path of this object inside the whole spec ("" at the top level).
  public let path: String
  let pairs: [(key: String, value: JSONValue)]
  var used: Set<String> = []

  /// Wraps `value`, which must be an object.
  public init(_ value: JSONValue, schedule: String, path: String = "") throws(ScheduleError) {
    guard case .object(let pairs) = value else {
      throw .wrongType(field: path.isEmpty ? "spec" : path, expected: "an object",
                       found: value.typeName)
    }
    self.schedule = schedule
    self.path = path
    self.pairs = pairs
  }

  /// The full dotted name of `key` for messages.
  public func field(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

  /// Whether the object holds `key` (null counts as absent).
  public func has(_ key: String) -> Bool {
    if let v = raw(key), v != .null { return true }
    return false
  }

  func raw(_ key: String) -> JSONValue? { pairs.first { $0.key == key }?.value }

  /// Marks `key` as read and returns its value, or nil when absent or null.
  public mutating func take(_ key: String) -> JSONValue? {
    used.insert(key)
    guard let v = raw(key), v != .null else { return nil }
    return v
  }

  /// Throws for any key that no read consumed, suggesting the nearest known key.
  public func finish(known extra: [String] = []) throws(ScheduleError) {
    for (key, _) in pairs where !used.contains(key) && key != "type" {
      let candidates = Array(used) + extra
      throw .unknownField(field: field(key), schedule: schedule,
                          suggestion: nearest(to: key, in: candidates))
    }
  }

  /// The error for an absent required `key`: a near-miss spelling present in the object is
  /// reported as the unknown field it is, with the suggestion.
  public func missing(_ key: String) -> ScheduleError {
    for (k, _) in pairs where k != key && !used.contains(k) {
      if nearest(to: k, in: [key]) != nil {
        return .unknownField(field: field(k), schedule: schedule, suggestion: key)
      }
    }
    return .missingField(field: field(key), schedule: schedule)
  }

  // MARK: Typed reads

  /// A required real number (an integer literal is accepted, as Python would).
  public mutating func double(_ key: String) throws(ScheduleError) -> Double {
    guard let v = try optionalDouble(key) else {
      throw missing(key)
    }
    return v
  }

  /// A real number with a default.
  public mutating func double(_ key: String, default value: Double) throws(ScheduleError)
    -> Double
  {
    try optionalDouble(key) ?? value
  }

  /// An optional real number; must be finite.
  public mutating func optionalDouble(_ key: String) throws(ScheduleError) -> Double? {
    guard let v = take(key) else { return nil }
    guard case .number(let x, _) = v else {
      throw .wrongType(field: field(key), expected: "a number", found: v.typeName)
    }
    guard x.isFinite else {
      throw .invalidValue(field: field(key), value: "\(x)", reason: "must be finite")
    }
    return x
  }

  /// A required real that must be written as a real literal (Python `float`), as peers that
  /// check `isinstance(x, float)` demand.
  public mutating func strictReal(_ key: String, default value: Double) throws(ScheduleError)
    -> Double
  {
    guard let v = take(key) else { return value }
    guard case .number(let x, let isInteger) = v, !isInteger else {
      throw .wrongType(field: field(key), expected: "a real number such as 0.3", found: v.typeName)
    }
    return x
  }

  /// A required integer (a real with an integral value is accepted).
  public mutating func int(_ key: String) throws(ScheduleError) -> Int {
    guard let v = try optionalInt(key) else {
      throw missing(key)
    }
    return v
  }

  /// An integer with a default.
  public mutating func int(_ key: String, default value: Int) throws(ScheduleError) -> Int {
    try optionalInt(key) ?? value
  }

  /// An optional integer.
  public mutating func optionalInt(_ key: String) throws(ScheduleError) -> Int? {
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
  public mutating func strictInt(_ key: String) throws(ScheduleError) -> Int {
    guard let v = take(key) else { throw missing(key) }
    guard case .number(_, let isInteger) = v, isInteger else {
      throw .wrongType(field: field(key), expected: "an integer such as 10", found: v.typeName)
    }
    return try Self.integer(v, field: field(key))
  }

  /// A required boolean.
  public mutating func bool(_ key: String, default value: Bool) throws(ScheduleError) -> Bool {
    guard let v = take(key) else { return value }
    guard case .bool(let b) = v else {
      throw .wrongType(field: field(key), expected: "true or false", found: v.typeName)
    }
    return b
  }

  /// A required string.
  public mutating func string(_ key: String) throws(ScheduleError) -> String {
    guard let v = try optionalString(key) else {
      throw missing(key)
    }
    return v
  }

  /// An optional string.
  public mutating func optionalString(_ key: String) throws(ScheduleError) -> String? {
    guard let v = take(key) else { return nil }
    guard case .string(let s) = v else {
      throw .wrongType(field: field(key), expected: "a string", found: v.typeName)
    }
    return s
  }

  /// A string that must be one of `choices`, with a default.
  public mutating func choice(_ key: String, _ choices: [String], default value: String)
    throws(ScheduleError) -> String
  {
    guard let s = try optionalString(key) else { return value }
    guard choices.contains(s) else {
      let hint = nearest(to: s, in: choices).map { " (did you mean '\($0)'?)" } ?? ""
      throw .invalidValue(field: field(key), value: "'\(s)'",
                          reason: "must be one of \(choices.joined(separator: ", "))\(hint)")
    }
    return s
  }

  /// An array of numbers (required).
  public mutating func doubles(_ key: String) throws(ScheduleError) -> [Double] {
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
  public mutating func ints(_ key: String) throws(ScheduleError) -> [Int] {
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
  public mutating func objects(_ key: String) throws(ScheduleError) -> [(JSONValue, String)] {
    guard let v = take(key) else { throw missing(key) }
    guard case .array(let items) = v else {
      throw .wrongType(field: field(key), expected: "an array of objects", found: v.typeName)
    }
    return items.enumerated().map { ($0.element, "\(field(key))[\($0.offset)]") }
  }

  // MARK: Checks

  /// Throws unless `condition` holds, naming `key`.
  public func check(_ condition: Bool, _ key: String, _ value: Any, _ reason: String)
    throws(ScheduleError)
  {
    if !condition {
      throw .invalidValue(field: field(key), value: "\(value)", reason: reason)
    }
  }
}

/// The candidate closest to `word` by edit distance, if it is close enough to be a likely typo.
public func nearest(to word: String, in candidates: [String]) -> String? {
  var best: (String, Int)?
  for c in candidates {
    let d = editDistance(word.lowercased(), c.lowercased())
    if d <= max(2, c.count / 3), d < (best?.1 ?? Int.max) { best = (c, d) }
  }
  return best?.0
}

/// Levenshtein distance between two strings.
func editDistance(_ a: String, _ b: String) -> Int {
  let a = Array(a)
  let b = Array(b)
  if a.isEmpty { return b.count }
  if b.isEmpty { return a.count }
  var prev = Array(0...b.count)
  var cur = [Int](repeating: 0, count: b.count + 1)
  for i in 1...a.count {
    cur[0] = i
    for j in 1...b.count {
      cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
    }
    swap(&prev, &cur)
  }
  return prev[b.count]
}

/// `Int(x)` when `x` is finite and within `Int`'s range (truncating, as Python's `int()`),
/// else nil: user numbers never reach a trapping conversion.
func truncatedInt(_ x: Double) -> Int? {
  guard x.isFinite, x > -9.2e18, x < 9.2e18 else { return nil }
  return Int(x)
}
