import LRSupport
import Foundation
import LRSchedules
import LRSchedulesYAML

/// Reads spec and metric files for the subcommands.
enum SpecLoading {
  /// The text of `path` ("-" for standard input), or a one-line error naming the file.
  static func text(_ path: String, what: String) throws -> String {
    try text(of: try bytes(path, what: what), path: path, what: what)
  }

  /// The bytes of `path` ("-" for standard input), read once (a pipe, as from a shell's
  /// `<(…)`, can be read only once), or a one-line error naming the file.
  static func bytes(_ path: String, what: String) throws -> [UInt8] {
    if path == "-" { return [UInt8](FileHandle.standardInput.readDataToEndOfFile()) }
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
      throw CLIError("\(what) '\(path)': no such file")
    }
    guard !isDirectory.boolValue else { throw CLIError("\(what) '\(path)': is a directory") }
    // A pipe (bash's `<(…)`) or a device is read as a stream.
    guard let bytes = FileBytes.read(path) else { throw CLIError("\(what) '\(path)': cannot be read") }
    return bytes
  }

  /// `bytes` as text: UTF-8 with or without a byte-order mark, or UTF-16 with one (Windows
  /// editors and shells); standard input is taken as it comes.
  static func text(of bytes: [UInt8], path: String, what: String) throws -> String {
    if path == "-" { return String(decoding: TextEncoding.utf8(bytes) ?? bytes, as: UTF8.self) }
    guard let utf8 = TextEncoding.utf8(bytes), let text = String(validating: utf8, as: UTF8.self) else {
      throw CLIError("\(what) '\(path)': not UTF-8 or UTF-16 text (read as \(TextEncoding.name(bytes)))")
    }
    return text
  }

  /// Parses a spec as JSON, or as YAML when it is not JSON (a `.yaml`/`.yml` file or text that
  /// does not start with `{`).
  /// A JSON or YAML syntax error names the file.
  static func spec(_ path: String) throws -> JSONValue {
    let bytes = try bytes(path, what: "spec")
    if StoredZip.isZip(bytes) { return try kerasArchive(bytes, path: path) }
    let text = try text(of: bytes, path: path, what: "spec")
    let trimmed = text.drop { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" }  // text() dropped any byte-order mark
    let isYAML = path.hasSuffix(".yaml") || path.hasSuffix(".yml")
      || (!trimmed.hasPrefix("{") && !trimmed.hasPrefix("["))
    let json: JSONValue
    do {
      json = isYAML ? try YAMLSpec.json(yaml: text) : try JSONValue.parse(String(trimmed))
    } catch {
      throw CLIError("\(specName(path)): \(oneLine("\(error)"))")
    }
    return try withDeepSpeedConfig(json, specPath: path)
  }

  /// A Trainer config whose `deepspeed` names a file (as `TrainingArguments(deepspeed=path)`
  /// does) with that file's configuration in its place: the path as written (from the
  /// current directory, as the Trainer reads it), else beside the spec.
  static func withDeepSpeedConfig(_ json: JSONValue, specPath: String) throws -> JSONValue {
    guard ScheduleSpec.isTrainerConfig(json), case .string(let name)? = json["deepspeed"],
      case .object(var pairs) = json
    else { return json }
    var candidates = [name]
    if !name.hasPrefix("/"), specPath != "-" {
      let dir = (specPath as NSString).deletingLastPathComponent
      if !dir.isEmpty { candidates.append((dir as NSString).appendingPathComponent(name)) }
    }
    guard let found = candidates.first(where: { FileManager.default.fileExists(atPath: $0) }) else {
      throw CLIError("\(specName(specPath)): field 'deepspeed': '\(name)': no such file"
        + (candidates.count > 1 ? " (looked in the current directory and beside the spec)" : ""))
    }
    let inner: JSONValue
    do {
      inner = try spec(found)
    } catch let error as CLIError {
      throw CLIError("\(specName(specPath)): field 'deepspeed': \(error.description)")
    }
    guard case .object = inner else {
      throw CLIError("\(specName(specPath)): field 'deepspeed': '\(found)' is not a DeepSpeed config (an object)")
    }
    if let i = pairs.firstIndex(where: { $0.key == "deepspeed" }) { pairs[i].value = inner }
    return .object(pairs)
  }

  /// A saved Keras model (a `.keras` zip archive): its `config.json`, whose
  /// `compile_config.optimizer` the decoder reads.
  static func kerasArchive(_ bytes: [UInt8], path: String) throws -> JSONValue {
    do {
      let member = try StoredZip.member("config.json", in: bytes)
      guard let text = String(validating: member, as: UTF8.self) else {
        throw CLIError("\(specName(path)): its config.json is not UTF-8 text")
      }
      return try JSONValue.parse(text)
    } catch let error as StoredZip.Failure {
      throw CLIError("\(specName(path)) (a zip archive, read as a saved Keras model): \(error.description)")
    } catch let error as CLIError {
      throw error
    } catch {
      throw CLIError("\(specName(path)) (its config.json): \(oneLine("\(error)"))")
    }
  }

  /// The spec at `path`, decoded; a decoding error (a missing or invalid field) names the file
  /// as well as the field.
  static func decoded(_ path: String) throws -> DecodedSchedule {
    try decode(try spec(path), from: path)
  }

  /// `ScheduleSpec.decode(json)` for the spec read from `path`, its errors naming the file.
  static func decode(_ json: JSONValue, from path: String) throws -> DecodedSchedule {
    do {
      return try ScheduleSpec.decode(json)
    } catch {
      throw CLIError("\(specName(path)): \(error.description)")
    }
  }

  /// How errors name a spec file ("-" is standard input).
  static func specName(_ path: String) -> String {
    path == "-" ? "spec on standard input" : "spec '\(path)'"
  }

  /// One number per line (blank lines and `#` comments skipped).
  static func metrics(_ path: String) throws -> [Double] {
    var out: [Double] = []
    for (i, raw) in try text(path, what: "metrics").split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
      let line = raw.trimmingCharacters(in: .whitespacesAndNewlines)
      if line.isEmpty || line.hasPrefix("#") { continue }
      guard let x = Double(line) else {
        throw CLIError("metrics '\(path)' line \(i + 1): '\(line.prefix(40))' is not a number")
      }
      out.append(x)
    }
    return out
  }

  static func oneLine(_ s: String) -> String {
    s.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
      .joined(separator: " ")
  }
}

/// A one-line command-line error.
struct CLIError: Error, CustomStringConvertible {
  let description: String
  init(_ message: String) { description = message }
}
