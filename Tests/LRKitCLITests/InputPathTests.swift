import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Inputs that are not regular files: a pipe (bash's `lrkit curve --spec <(…)` passes
/// `/dev/fd/63`) is read once, as a stream; a directory is named as one.
@Suite("Input paths: pipes and directories")
struct InputPathTests {
  /// A pipe holding `text`, its writing end closed, named as bash's `<(…)` names one:
  /// `/dev/fd/N`. (The read end stays open for the test process's life; each test opens a few.)
  static func pipe(_ text: String) -> String {
    var fds: [Int32] = [0, 0]
    guard Glibc.pipe(&fds) == 0 else { return "/nonexistent-pipe" }
    let bytes = Array(text.utf8)  // well under the pipe's 64 KiB buffer
    _ = bytes.withUnsafeBytes { write(fds[1], $0.baseAddress, $0.count) }
    close(fds[1])
    return "/dev/fd/\(fds[0])"
  }

  @Test("a spec, metrics and a log from a pipe are read whole, once")
  func pipes() throws {
    let (out, err) = lrkit(["curve", "--spec", Self.pipe(#"{"type": "step", "lr": 0.1, "step_size": 2, "gamma": 0.5}"#),
                            "--steps", "4"])
    #expect(err == nil, "\(err ?? "")")
    #expect(out == "step,lr\n0,0.1\n1,0.1\n2,0.05\n3,0.05\n")
    let (plateau, err2) = lrkit(["curve", "--spec", Self.pipe(#"{"type": "plateau", "lr": 1, "patience": 0, "factor": 0.5}"#),
                                 "--metrics", Self.pipe("1\n1\n"), "--steps", "3"])
    #expect(err2 == nil, "\(err2 ?? "")")
    #expect(plateau == "step,lr\n0,1.0\n1,1.0\n2,0.5\n", "\(plateau)")
    let log = (0..<40).map { "\($0),\(3 - Double($0) * 0.05),0.001" }.joined(separator: "\n")
    let (diagnosis, err3) = lrkit(["diagnose", Self.pipe("step,loss,lr\n" + log + "\n")])
    #expect(err3 == nil, "\(err3 ?? "")")
    #expect(diagnosis.contains("40 loss points"), "\(diagnosis)")
  }

  @Test("a directory given as a spec or metrics file is named as one")
  func directory() {
    let dir = FileManager.default.temporaryDirectory.path
    #expect(lrkit(["curve", "--spec", dir, "--steps", "2"]).error == "spec '\(dir)': is a directory")
    let (_, err) = lrkit(["curve", "--spec", "Examples/wsd.json", "--metrics", dir, "--steps", "2"])
    #expect(err?.contains("is a directory") == true || err?.contains("no such file") == true, "\(err ?? "")")
  }
}
