import ArgumentParser
import Foundation
import LROptimizers

/// `lrkit resume-check`: runs the synthetic problem and saves (or continues from) its state, so
/// that an exact resume can be checked across processes.
struct ResumeCheck: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "resume-check",
    abstract: "Run the synthetic optimization problem and save its state (exact-resume check).",
    shouldDisplay: false)

  @Option(name: .long, help: "Updates to run.")
  var steps: Int = 100

  @Option(name: .long, help: "Directory to write optimizer.json and parameters.f32 to.")
  var out: String

  @Option(name: .long, help: "Directory with a saved state to continue from.")
  var from: String?

  func run() throws {
    try reportingErrors {
      var optimizer = try SyntheticProblem.standardOptimizer()
      var parameters = SyntheticProblem.initialParameters()
      if let from {
        let dir = URL(fileURLWithPath: from)
        try optimizer.restoreState(try String(contentsOf: dir.appendingPathComponent("optimizer.json"), encoding: .utf8))
        let raw = try Data(contentsOf: dir.appendingPathComponent("parameters.f32"))
        guard raw.count == parameters.count * 4 else { throw CLIError("parameters.f32 has \(raw.count) bytes") }
        parameters = raw.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
      }
      try SyntheticProblem.run(&optimizer, &parameters, steps: steps)
      let dir = URL(fileURLWithPath: out)
      try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
      try optimizer.encodeState().write(to: dir.appendingPathComponent("optimizer.json"), atomically: true, encoding: .utf8)
      try parameters.withUnsafeBytes { try Data($0).write(to: dir.appendingPathComponent("parameters.f32"), options: .atomic) }
    }
  }
}
