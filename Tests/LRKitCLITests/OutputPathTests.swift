import ArgumentParser
import Foundation
import LRTraining
import Testing

@testable import LRKitCLI

#if canImport(Glibc)
import Glibc
#endif

/// A fresh empty directory under the temporary directory.
private func temporaryDirectory() throws -> String {
  let path = FileManager.default.temporaryDirectory.appendingPathComponent("lrkit-out-\(UUID().uuidString)").path
  try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  return path
}

/// The file type bits of `path` (following links when `follow`).
private func kind(_ path: String, follow: Bool = true) -> mode_t {
  var info = stat()
  let status = follow ? stat(path, &info) : lstat(path, &info)
  return status == 0 ? info.st_mode & S_IFMT : 0
}

@Suite("Output paths (--out, --svg)")
struct OutputPathTests {
  static let spec = ReadmeTests.root.appendingPathComponent("Examples/wsd.json").path

  @Test("a FIFO named as --out is written into, not replaced by a regular file (as /dev/null was, as root)")
  func fifo() throws {
    let dir = try temporaryDirectory()
    let fifo = dir + "/chart.svg"
    #expect(mkfifo(fifo, 0o600) == 0)
    // A reader first, so that opening the FIFO for writing does not block.
    let reader = open(fifo, O_RDONLY | O_NONBLOCK)
    #expect(reader >= 0)
    defer { close(reader) }
    try OutputPath.writeFile("<svg/>\n", to: fifo, flag: "--out")
    #expect(kind(fifo) == S_IFIFO)
    var bytes = [UInt8](repeating: 0, count: 64)
    let n = read(reader, &bytes, bytes.count)
    #expect(String(decoding: bytes.prefix(max(n, 0)), as: UTF8.self) == "<svg/>\n")
  }

  @Test("lrkit plot --out /dev/null leaves /dev/null a device")
  func devNull() throws {
    let (_, err) = lrkit(["plot", Self.spec, "--out", "/dev/null"])
    #expect(err == nil)
    #expect(kind("/dev/null") == S_IFCHR)
  }

  @Test("through a symbolic link the file it points to is replaced and the link stays, even a dangling one")
  func symbolicLink() throws {
    let dir = try temporaryDirectory()
    let link = dir + "/latest.svg"
    #expect(symlink("target.svg", link) == 0)
    let (_, first) = lrkit(["plot", Self.spec, "--out", link])
    #expect(first == nil)
    #expect(kind(link, follow: false) == S_IFLNK)
    #expect(try String(contentsOfFile: dir + "/target.svg", encoding: .utf8).hasPrefix("<svg"))
    let (_, second) = lrkit(["plot", Self.spec, "--title", "second", "--out", link])
    #expect(second == nil)
    #expect(kind(link, follow: false) == S_IFLNK)
    #expect(try String(contentsOfFile: dir + "/target.svg", encoding: .utf8).contains("second"))
  }

  @Test("a regular file is replaced whole")
  func regular() throws {
    let dir = try temporaryDirectory()
    let path = dir + "/chart.svg"
    try String(repeating: "old ", count: 100_000).write(toFile: path, atomically: false, encoding: .utf8)
    try OutputPath.writeFile("new\n", to: path, flag: "--svg")
    #expect(try String(contentsOfFile: path, encoding: .utf8) == "new\n")
  }

  @Test("errors name the flag, the path and the reason in one line, before any work")
  func errors() throws {
    let dir = try temporaryDirectory()
    let cases: [([String], String)] = [
      (["plot", Self.spec, "--out", dir], "--out '\(dir)': is a directory"),
      (["plot", Self.spec, "--out", "/nonexistent-lrkit/x.svg"],
       "--out '/nonexistent-lrkit/x.svg': its directory '/nonexistent-lrkit': no such file or directory"),
      (["plot", Self.spec, "--out", ""], "--out: an empty path"),
      (["diagnose", ReadmeTests.root.appendingPathComponent("Tests/LRDiagnosticsTests/Corpus/lrkit").path, "--svg", dir],
       "--svg '\(dir)': is a directory"),
    ]
    for (arguments, expected) in cases {
      let (_, err) = lrkit(arguments)
      #expect(err == expected, "\(arguments)")
    }
    let file = temporaryFile("x", suffix: ".svg")
    #expect(throws: CLIError.self) { try OutputPath.checkFile(file + "/inner.svg", flag: "--svg") }
    do {
      try OutputPath.checkFile(file + "/inner.svg", flag: "--svg")
    } catch {
      #expect(error.description == "--svg '\(file)/inner.svg': '\(file)' is not a directory")
    }
  }

  @Test("an --out directory is created with its parents, and a file or an empty path is refused")
  func directories() throws {
    let dir = try temporaryDirectory()
    try OutputPath.prepareDirectory(dir + "/a/b", flag: "--out")
    #expect(kind(dir + "/a/b") == S_IFDIR)
    try OutputPath.prepareDirectory(dir + "/a/b", flag: "--out")
    let file = temporaryFile("x")
    for (path, expected) in [(file, "--out '\(file)': not a directory"), ("", "--out: an empty path"),
                             (file + "/sub/run", "--out '\(file)/sub/run': '\(file)' is not a directory")] {
      do {
        try OutputPath.prepareDirectory(path, flag: "--out")
        Issue.record("\(path) accepted")
      } catch {
        #expect(error.description == expected)
      }
    }
  }

  @Test("train --out: a run directory that cannot be made says why in one line")
  func runDirectory() throws {
    let file = temporaryFile("x")
    for (path, expected) in [("", "run '': an empty path"), (file, "run '\(file)': not a directory"),
                             (file + "/runs/a", "run '\(file)/runs/a': '\(file)' is not a directory")] {
      do {
        try RunDirectory(path: path).create()
        Issue.record("\(path) accepted")
      } catch {
        #expect(error.description == expected)
      }
    }
  }

  @Test("failure-modes and report refuse an --out that is a file before training, and leave the file as it was")
  func experimentsCheckFirst() throws {
    let file = temporaryFile("keep me")
    for (arguments, trainingSign) in [(["failure-modes", "--out", file], "failure/"),
                                      (["report", "--quick", "--out", file], "LR range test")] {
      var command = try LRKitCommand.parseAsRoot(arguments)
      let stderr = try capturingStandardError {
        #expect(throws: ExitCode.self, "\(arguments)") { try command.run() }
      }
      #expect(stderr.contains("lrkit: error: --out '\(file)': not a directory"), "\(stderr)")
      #expect(!stderr.contains(trainingSign), "\(arguments) trained before checking --out: \(stderr)")
      #expect(try String(contentsOfFile: file, encoding: .utf8) == "keep me")
    }
  }
}

@Suite("Messages on standard error")
struct MessageLineTests {
  @Test("a message is one line of at most 1000 characters, however much input it quotes")
  func oneLine() {
    #expect(Output.line("spec 'a.json': bad\nvalue") == "spec 'a.json': bad value")
    let long = Output.line("unknown field '" + String(repeating: "k", count: 5000) + "'")
    #expect(long.count < 1100 && long.hasPrefix("unknown field 'kkk") && long.hasSuffix("(4016 more characters)"))
    #expect(Output.line("short") == "short")
  }
}

@Suite("lrkit find bounds")
struct FindBoundsTests {
  @Test("find --start 1e-320: the sweep's span overflows; one error line, not a JSON parse error")
  func overflowingSpan() throws {
    var command = try LRKitCommand.parseAsRoot(["find", "--start", "1e-320", "--iterations", "12"])
    let stderr = try capturingStandardError {
      #expect(throws: ExitCode.self) { try command.run() }
    }
    #expect(stderr.contains("lrkit: error: --start 1e-320 and --end 10.0: the sweep spans inf×"), "\(stderr)")
  }
}

/// Runs `body` with standard error sent to a file, and returns what was written there.
private func capturingStandardError(_ body: () throws -> Void) throws -> String {
  let path = FileManager.default.temporaryDirectory.appendingPathComponent("lrkit-stderr-\(UUID().uuidString)").path
  let saved = dup(STDERR_FILENO)
  let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
  dup2(fd, STDERR_FILENO)
  close(fd)
  defer {
    dup2(saved, STDERR_FILENO)
    close(saved)
  }
  try body()
  return try String(contentsOfFile: path, encoding: .utf8)
}
