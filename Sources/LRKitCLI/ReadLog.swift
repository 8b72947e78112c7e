import ArgumentParser
import Foundation
import LRDiagnostics
import LRSupport

/// `lrkit read-log`: prints the series a log reader finds, as strict JSON (non-finite values as
/// the strings `"nan"`, `"inf"`, `"-inf"`), for checking the readers against the frameworks' own
/// readers and for studying curves outside LRKit.
struct ReadLog: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "read-log",
    abstract: "Print the series read from a training log as JSON (for checking the readers).",
    shouldDisplay: false)

  @Argument(help: "The log file or directory.") var path: String
  @Option(help: "Column or key holding the training loss (generic logs).") var lossKey: String?

  func run() throws {
    try reportingErrors {
      let log = try LogReader.read(path, lossKey: lossKey)
      func number(_ x: Double) -> JSONValue {
        x.isNaN ? .string("nan") : x.isInfinite ? .string(x > 0 ? "inf" : "-inf") : .double(x)
      }
      let series = log.series.keys.sorted().map { name -> (String, JSONValue) in
        let s = log.series[name]!
        return (name, .object([("steps", .array(s.steps.map { .int($0) })),
                               ("values", .array(s.values.map(number)))]))
      }
      let json = JSONValue.object([
        ("format", .string(log.format)), ("path", .string(log.path)),
        ("chance_loss", log.chanceLoss.map(number) ?? .null),
        ("notes", .array(log.notes.map { .string($0) })),
        ("series", .object(series)),
      ])
      var out = Output()
      out.write(json.serialized() + "\n")
      out.flush()
    }
  }
}
