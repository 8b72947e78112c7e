import LRSupport

/// The one rule for every native key that is a length or a position in steps (`warmup`,
/// `step_size`, `milestones`, `period`, `begin`, `up`, `down`, `decay`, `stable`, `start`):
///
/// - a whole number ≥ 0 is a step count (an integral real such as `500.0` counts as whole);
/// - a number strictly between 0 and 1 is that fraction of the spec's `steps`, rounded to the
///   nearest step, halves up: `⌊x · steps + 0.5⌋`;
/// - anything else (a negative number, a non-integral number ≥ 1) is refused, naming the key.
extension SpecReader {
  /// An optional length under `key`; see the rule above. `minimum` is checked after rounding.
  package mutating func length(_ key: String, total: Int?, minimum: Int = 0)
    throws(ScheduleError) -> Int?
  {
    guard let v = take(key) else { return nil }
    return try Self.lengthValue(v, field: field(key), total: total, minimum: minimum)
  }

  /// A required length under `key`.
  package mutating func requiredLength(_ key: String, total: Int?, minimum: Int = 0)
    throws(ScheduleError) -> Int
  {
    guard let n = try length(key, total: total, minimum: minimum) else { throw missing(key) }
    return n
  }

  /// A required array of lengths under `key` (milestones).
  package mutating func lengths(_ key: String, total: Int?) throws(ScheduleError) -> [Int] {
    guard let v = take(key) else { throw missing(key) }
    guard case .array(let items) = v else {
      throw .wrongType(field: field(key), expected: "an array of step counts", found: v.typeName)
    }
    var out: [Int] = []
    for (i, item) in items.enumerated() {
      out.append(try Self.lengthValue(item, field: "\(field(key))[\(i)]", total: total, minimum: 0))
    }
    return out
  }

  /// Applies the length rule to one JSON value.
  package static func lengthValue(_ v: JSONValue, field: String, total: Int?, minimum: Int)
    throws(ScheduleError) -> Int
  {
    guard case .number(let x, _) = v, x.isFinite else {
      throw .wrongType(field: field, expected: "a step count or a fraction in (0, 1) of 'steps'",
                       found: v.typeName)
    }
    let n: Int
    if x > 0 && x < 1 {
      guard let total else {
        throw .invalidValue(field: field, value: "\(x)",
                            reason: "a fraction needs 'steps' to say what it is a fraction of")
      }
      n = truncatedInt((x * Double(total) + 0.5).rounded(.down)) ?? 0
      if n < minimum {
        throw .invalidValue(field: field, value: "\(x)",
                            reason: "\(x) of \(total) steps rounds to \(n) steps; needs at least \(minimum)")
      }
      return n
    }
    guard x == x.rounded(), abs(x) < 9.0e15 else {
      throw .invalidValue(field: field, value: "\(x)",
                          reason: "a length is a whole number of steps, or a fraction in (0, 1) of 'steps'")
    }
    n = Int(x)
    if n < minimum {
      throw .invalidValue(field: field, value: "\(n)",
                          reason: minimum == 0 ? "cannot be negative" : "must be at least \(minimum)")
    }
    return n
  }
}
