import LRSchedules
import LRSupport
import Yams

/// YAML specs for library users: the same schedules as JSON specs, written as YAML (Hugging Face
/// and TRL configs usually are). A separate product so that the core, LRSchedules, keeps no
/// dependency outside the package.
extension ScheduleSpec {
  /// Decodes a spec written as YAML (or JSON, which is YAML too).
  ///
  /// ```swift
  /// let schedule = try ScheduleSpec.decode(yaml: """
  ///   type: cosine
  ///   lr: 3.0e-4
  ///   steps: 10000
  ///   warmup: 500
  ///   """)
  /// ```
  /// Tags resolve by YAML 1.1 core rules (`3.0e-4` is a float, `500` an int, `true` a bool);
  /// an alias (`*lr`) stands for its anchored value; non-string keys are refused, and so is a
  /// document that expands to more than ``YAMLSpec/maximumValues`` values (aliases of aliases
  /// can grow exponentially: the "billion laughs").
  public static func decode(yaml text: String) throws(ScheduleError) -> DecodedSchedule {
    try decode(try YAMLSpec.json(yaml: text))
  }
}

/// YAML text as the JSON value it denotes.
package enum YAMLSpec {
  /// Parses `text` as YAML into a JSON value.
  package static func json(yaml text: String) throws(ScheduleError) -> JSONValue {
    let node: Node?
    do {
      node = try Yams.compose(yaml: text)
    } catch {
      var message = "\(error)".split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
        .joined(separator: " ")
      // libyaml quotes the offending line; a line can be megabytes long.
      if message.count > 300 { message = message.prefix(300) + "… (\(message.count - 300) more characters)" }
      throw .malformedInput(detail: "invalid YAML: \(message)")
    }
    guard let node else { throw .malformedInput(detail: "empty spec") }
    var budget = maximumValues
    return try json(from: node, path: "", budget: &budget)
  }

  /// The most values a YAML spec may expand to, aliases included.
  package static let maximumValues = 1_000_000

  /// A YAML node as the JSON value it denotes (tags resolved by YAML 1.1 core rules).
  static func json(from node: Node, path: String, budget: inout Int) throws(ScheduleError) -> JSONValue {
    budget -= 1
    guard budget >= 0 else {
      throw .malformedInput(detail: "the YAML expands to more than \(maximumValues) values (aliases of aliases?)")
    }
    switch node {
    case .scalar(let scalar):
      switch Tag.Name(rawValue: node.tag.description) {
      case .int:
        if let i = node.int { return .number(Double(i), isInteger: true) }
      case .float:
        if let d = node.float { return .number(d, isInteger: false) }
      case .bool:
        if let b = node.bool { return .bool(b) }
      case .null:
        return .null
      default:
        break
      }
      return .string(scalar.string)
    case .mapping(let mapping):
      var pairs: [(key: String, value: JSONValue)] = []
      var seen = Set<String>()
      for (k, v) in mapping {
        guard let key = k.string else {
          throw .malformedInput(detail: "YAML key at \(path.isEmpty ? "top" : path) is not a string")
        }
        if !seen.insert(key).inserted {
          throw .malformedInput(detail: "duplicate YAML key '\(key)'")
        }
        pairs.append((key, try json(from: v, path: path.isEmpty ? key : "\(path).\(key)", budget: &budget)))
      }
      return .object(pairs)
    case .sequence(let sequence):
      var items: [JSONValue] = []
      for (i, item) in sequence.enumerated() { items.append(try json(from: item, path: "\(path)[\(i)]", budget: &budget)) }
      return .array(items)
    case .alias:
      throw .malformedInput(detail: "YAML aliases are not supported (at \(path))")
    }
  }
}
