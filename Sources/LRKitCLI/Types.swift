import ArgumentParser
import LRSchedules
import LRSupport

/// `lrkit types`: every spec type LRKit decodes, or one type's parameters.
struct Types: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "List every schedule spec type (native families and peer APIs), or show one type's parameters.",
    discussion: """
      With TYPE, prints the parameters the decoder reads for that type, in the peer's own names, \\
      with their defaults ("required" where the spec must give one). Peer types take the peer \\
      function's arguments with the peer's defaults and meaning; native types are described in \\
      the README's native vocabulary table.

      Examples:
        lrkit types
        lrkit types torch.optim.lr_scheduler.OneCycleLR
        lrkit types cosine
      """)

  @Argument(help: "A type to describe (as listed by lrkit types).") var type: String?

  func run() throws {
    try runWritingToStandardOutput { out in try execute(&out) }
  }

  func execute(_ out: inout Output) throws {
    guard let type else {
      for t in ScheduleSpec.knownTypes { out.write(t + "\n") }
      return
    }
    guard ScheduleSpec.knownTypes.contains(type) else {
      throw ScheduleError.unknownType(type: type, suggestion: nearest(to: type, in: ScheduleSpec.knownTypes))
    }
    let (parameters, required) = Self.parameters(of: type)
    out.write("\(type)\n")
    if parameters.isEmpty {
      // A type LRKit knows only to refuse (a Python callable): say why.
      do {
        _ = try ScheduleSpec.decode(.object([("type", .string(type))]))
      } catch {
        out.write("  refused: \(error.description)\n")
      }
      return
    }
    let width = max(12, (parameters.map(\.key.count).max() ?? 0) + 2)
    for p in parameters {
      let what = required.contains(p.key) ? "required" : p.defaultValue.map { "default \($0)" } ?? "optional"
      out.write("  " + p.key.padding(toLength: width, withPad: " ", startingAt: 0) + what + "\n")
    }
  }

  /// The top-level parameters the decoder reads for `type`, found by decoding specs that give
  /// only what the decoder asks for: each missing field is supplied with a placeholder until the
  /// spec decodes.
  static func parameters(of type: String) -> (parameters: [(key: String, defaultValue: String?)], required: Set<String>) {
    var spec: [(String, JSONValue)] = [("type", .string(type))]
    var required: Set<String> = []
    var attempts: [String: Int] = [:]
    let placeholders: [JSONValue] = [
      .number(100, isInteger: true), .number(0.5, isInteger: false), .array([.number(10, isInteger: true)]),
      .string("linear"), .bool(true),
      .array([.object([("type", .string("constant")), ("lr", .number(0.1, isInteger: false))])]),
    ]
    var keys: [(key: String, defaultValue: String?)] = []
    for _ in 0..<40 {
      let recorder = SpecKeyRecorder()
      do {
        _ = try recorder.record { try ScheduleSpec.decode(.object(spec)) }
        keys = recorder.keys.filter { !$0.key.contains(".") }.map { ($0.key, $0.defaultValue) }
        break
      } catch let error as ScheduleError {
        keys = recorder.keys.filter { !$0.key.contains(".") }.map { ($0.key, $0.defaultValue) }
        guard let field = error.field?.split(separator: ".").first.map(String.init), field != "type",
          (attempts[field] ?? 0) < placeholders.count
        else { break }
        let n = attempts[field, default: 0]
        attempts[field] = n + 1
        if n == 0, !spec.contains(where: { $0.0 == field }) { required.insert(field) }
        spec.removeAll { $0.0 == field }
        spec.append((field, placeholders[n]))
      } catch {
        break
      }
    }
    return (keys, required)
  }
}
