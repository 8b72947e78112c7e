import LRSupport
import ArgumentParser
import Foundation
import LRDiagnostics
import LROptimizers
import LRSchedules
import LRTraining

/// Buffered writing to standard output and one-line messages to standard error.
struct Output {
  private var buffer: [UInt8] = []
  /// When true, everything written is kept in `text` instead of going to standard output.
  let capturing: Bool

  init(capturing: Bool = false) {
    self.capturing = capturing
    buffer.reserveCapacity(1 << 16)
  }

  /// What was written, in capturing mode.
  var text: String { String(decoding: buffer, as: UTF8.self) }

  mutating func write(_ s: String) {
    buffer.append(contentsOf: s.utf8)
    if !capturing && buffer.count >= 1 << 20 { flush() }
  }

  mutating func flush() {
    guard !capturing, !buffer.isEmpty else { return }
    FileHandle.standardOutput.write(Data(buffer))
    buffer.removeAll(keepingCapacity: true)
  }

  static func warn(_ message: String) { standardError("lrkit: warning: \(line(message))\n") }

  static func note(_ message: String) { standardError("lrkit: \(line(message))\n") }

  static func error(_ message: String) { standardError("lrkit: error: \(line(message))\n") }

  /// Where standard-error text goes in this task instead of the process's standard error (tests
  /// read what a command printed without redirecting the process's file descriptors).
  @TaskLocal static var capturedStandardError: StandardErrorCapture?

  /// Writes `text` to standard error, or to the capture installed for this task.
  static func standardError(_ text: String) {
    if let capture = capturedStandardError { capture.append(text) } else { FileHandle.standardError.write(Data(text.utf8)) }
  }

  /// A message as one line of at most 1000 characters: messages quote the input at fault
  /// (a key, a value, a line of the file), and input can be megabytes on one line.
  static func line(_ message: String) -> String {
    var text = message.contains(where: \.isNewline) ? SpecLoading.oneLine(message) : message
    if text.count > 1000 { text = text.prefix(1000) + "… (\(text.count - 1000) more characters)" }
    return text
  }
}

/// Runs a subcommand body, turning LRKit's errors into one line on stderr and exit status 1.
func reportingErrors(_ body: () throws -> Void) throws {
  do {
    try body()
  } catch let error as ScheduleError {
    Output.error(error.description)
    throw ExitCode.failure
  } catch let error as CLIError {
    Output.error(error.description)
    throw ExitCode.failure
  } catch let error as LogError {
    Output.error(error.description)
    throw ExitCode.failure
  } catch let error as TrainingError {
    Output.error(error.description)
    throw ExitCode.failure
  } catch let error as OptimizerError {
    Output.error(error.description)
    throw ExitCode.failure
  } catch let error as CocoaError {
    // A file operation Foundation refused: the file and the reason, not the NSError dump.
    Output.error("\(FileErrorText.path(error).map { "'\($0)': " } ?? "")\(FileErrorText.describe(error))")
    throw ExitCode.failure
  }
}


/// Shortest round-trip text for a number, as Python's `repr` writes it ("0.1", "1e-05").
func shortest(_ x: Double) -> String {
  if x.isNaN { return "nan" }
  if x.isInfinite { return x > 0 ? "inf" : "-inf" }
  return x.description
}

/// A JSON number (non-finite values become null).
func jsonNumber(_ x: Double) -> String {
  x.isFinite ? x.description : "null"
}

/// A JSON string literal.
func jsonString(_ s: String) -> String { JSONValue.string(s).serialized() }

/// Runs a subcommand that writes to an ``Output``: standard output, errors as one line.
func runWritingToStandardOutput(_ execute: (inout Output) throws -> Void) throws {
  try reportingErrors {
    var out = Output()
    try execute(&out)
    out.flush()
  }
}
