import Foundation
import LROptimizers
import Testing

@testable import LRKitCLI

@Suite("lrkit resume-check: exact resume through the files the command writes")
struct ResumeCheckTests {
  /// Runs `lrkit resume-check` in process.
  func resumeCheck(_ arguments: [String]) throws {
    let command = try #require(try LRKitCommand.parseAsRoot(["resume-check"] + arguments) as? ResumeCheck)
    try command.run()
  }

  @Test("100 updates written to files by the command, restored in a fresh optimizer, + 100 = 200 straight, bit for bit")
  func acrossFiles() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lrkit-resume-\(UUID().uuidString)")
    try resumeCheck(["--steps", "100", "--out", dir.path])
    let state = try String(contentsOf: dir.appendingPathComponent("optimizer.json"), encoding: .utf8)
    let raw = try Data(contentsOf: dir.appendingPathComponent("parameters.f32"))
    var parameters = raw.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
    var resumed = try SyntheticProblem.standardOptimizer()
    try resumed.restoreState(state)
    try SyntheticProblem.run(&resumed, &parameters, steps: 100)

    var straight = try SyntheticProblem.standardOptimizer()
    var reference = SyntheticProblem.initialParameters()
    try SyntheticProblem.run(&straight, &reference, steps: 200)
    #expect(parameters.map(\.bitPattern) == reference.map(\.bitPattern))

    // And the command's own --from continues to the same bits.
    let second = dir.appendingPathComponent("second")
    try resumeCheck(["--from", dir.path, "--steps", "100", "--out", second.path])
    let continued = try Data(contentsOf: second.appendingPathComponent("parameters.f32"))
    #expect(continued == reference.withUnsafeBytes { Data($0) })
  }
}
