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

/// Expects `body` to throw an error whose description is exactly `expected`.
private func expectError(_ expected: String, sourceLocation: SourceLocation = #_sourceLocation,
                         _ body: () throws -> Void) {
  do {
    try body()
    Issue.record("no error; expected \(expected)", sourceLocation: sourceLocation)
  } catch {
    #expect("\(error)" == expected, sourceLocation: sourceLocation)
  }
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
    expectError("--svg '\(file)/inner.svg': '\(file)' is not a directory") {
      try OutputPath.checkFile(file + "/inner.svg", flag: "--svg")
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
      expectError(expected) { try OutputPath.prepareDirectory(path, flag: "--out") }
    }
  }

  @Test("train --out: a run directory that cannot be made says why in one line")
  func runDirectory() throws {
    let file = temporaryFile("x")
    for (path, expected) in [("", "run '': an empty path"), (file, "run '\(file)': not a directory"),
                             (file + "/runs/a", "run '\(file)/runs/a': '\(file)' is not a directory")] {
      expectError(expected) { try RunDirectory(path: path).create() }
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

@Suite("Spec and metric files as Windows saves them")
struct SpecEncodingTests {
  @Test("a spec with a UTF-8 byte-order mark, or in UTF-16 with one, reads as the UTF-8 spec; broken UTF-16 names the file")
  func encodings() throws {
    let text = "type: cosine\r\nlr: 0.1\r\nsteps: 5\r\n"
    let plain = temporaryFile(text, suffix: ".yaml")
    let (expected, none) = lrkit(["curve", "--spec", plain])
    #expect(none == nil)
    let variants: [[UInt8]] = [[0xEF, 0xBB, 0xBF] + Array(text.utf8),
                               [0xFF, 0xFE] + utf16(text, littleEndian: true),
                               [0xFE, 0xFF] + utf16(text, littleEndian: false)]
    for bytes in variants {
      let path = temporaryFile("", suffix: ".yaml")
      try Data(bytes).write(to: URL(fileURLWithPath: path))
      let (out, err) = lrkit(["curve", "--spec", path])
      #expect(err == nil && out == expected, "\(bytes.prefix(3)): \(err ?? "")")
    }
    let broken = temporaryFile("", suffix: ".json")
    try Data([0xFE, 0xFF, 0xDC, 0x00]).write(to: URL(fileURLWithPath: broken))
    let (_, err) = lrkit(["curve", "--spec", broken])
    #expect(err == "spec '\(broken)': not UTF-8 or UTF-16 text (read as UTF-16BE)")
  }
}

/// The UTF-16 code units of `text` as bytes in the given order, without a byte-order mark.
private func utf16(_ text: String, littleEndian: Bool) -> [UInt8] {
  var bytes: [UInt8] = []
  for unit in text.utf16 {
    bytes += littleEndian ? [UInt8(unit & 0xFF), UInt8(unit >> 8)] : [UInt8(unit >> 8), UInt8(unit & 0xFF)]
  }
  return bytes
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

@Suite("Experiment flag bounds")
struct FindBoundsTests {
  @Test("compare --lr inf and sweep --lrs nan are refused by flag (they reached a try! and trapped)")
  func nonFiniteRates() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lrkit-rates-\(UUID().uuidString)").path
    for (arguments, expected) in [
      (["compare", "--lr", "inf", "--epochs", "1", "--seeds", "1", "--out", dir], "--lr inf: the peak learning rate must be a positive finite number"),
      (["sweep", "--lrs", "0.01", "nan", "--steps", "4", "--seeds", "1", "--out", dir], "--lrs nan: every peak learning rate must be a positive finite number"),
      (["sweep", "--grid", "batch", "--lrs", "0", "--batches", "16", "--seeds", "1", "--out", dir], "--lrs 0.0: every peak learning rate must be a positive finite number"),
    ] {
      var command = try LRKitCommand.parseAsRoot(arguments)
      let stderr = try capturingStandardError {
        #expect(throws: ExitCode.self, "\(arguments)") { try command.run() }
      }
      #expect(stderr.contains("lrkit: error: " + expected), "\(stderr)")
    }
  }

  @Test("find --start 1e-320: the sweep's span overflows; one error line, not a JSON parse error")
  func overflowingSpan() throws {
    var command = try LRKitCommand.parseAsRoot(["find", "--start", "1e-320", "--iterations", "12"])
    let stderr = try capturingStandardError {
      #expect(throws: ExitCode.self) { try command.run() }
    }
    #expect(stderr.contains("lrkit: error: --start 1e-320 and --end 10.0: the sweep spans inf×"), "\(stderr)")
  }
}

/// Runs `body` with what LRKit writes to standard error kept, and returns it.
private func capturingStandardError(_ body: () throws -> Void) throws -> String {
  let capture = StandardErrorCapture()
  try Output.$capturedStandardError.withValue(capture) { try body() }
  return capture.text
}
