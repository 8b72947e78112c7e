import Foundation
import LRSupport
import Testing

@testable import LRKitCLI

/// Headless Chromium, when the machine has it (`LRKIT_BROWSER`, else `chromium`,
/// `chromium-browser` or `google-chrome` on the PATH). `.ci/run` installs it and sets
/// `LRKIT_REQUIRE_BROWSER=1`, so that there a missing browser fails instead of skipping.
enum Browser {
  static let path: String? = {
    let env = ProcessInfo.processInfo.environment
    if let p = env["LRKIT_BROWSER"], FileManager.default.isExecutableFile(atPath: p) { return p }
    for dir in (env["PATH"] ?? "/usr/bin").split(separator: ":") {
      for name in ["chromium", "chromium-browser", "google-chrome"] {
        let p = "\(dir)/\(name)"
        if FileManager.default.isExecutableFile(atPath: p) { return p }
      }
    }
    return nil
  }()
  static let required = ProcessInfo.processInfo.environment["LRKIT_REQUIRE_BROWSER"] == "1"
  static var enabled: Bool { path != nil || required }

  /// Runs the browser on `page` with `arguments`; its standard output.
  static func run(_ page: String, _ arguments: [String]) throws -> String {
    guard let path else { throw CLIError("no headless browser found (set LRKIT_BROWSER)") }
    let p = Process()
    p.executableURL = URL(fileURLWithPath: path)
    p.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--mute-audio",
                   "--no-first-run", "--window-size=1100,900", "--virtual-time-budget=3000"] + arguments + [page]
    let pipe = Pipe()
    p.standardOutput = pipe
    p.standardError = FileHandle(forWritingAtPath: "/dev/null")
    try p.run()
    // A browser that hangs is killed after a minute.
    let deadline = Date().addingTimeInterval(60)
    DispatchQueue.global().async {
      while p.isRunning && Date() < deadline { usleep(100_000) }
      if p.isRunning { p.terminate() }
    }
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return String(decoding: data, as: UTF8.self)
  }

  /// What check.js measured on `html` (written next to `directory`), and a screenshot of it.
  static func check(html: String, named name: String, in directory: URL,
                    screenshots: String? = ProcessInfo.processInfo.environment["LRKIT_SCREENSHOTS"]) throws
    -> (figures: Int, texts: Int, problems: [String])
  {
    let script = try String(contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("check.js"), encoding: .utf8)
    let page = directory.appendingPathComponent("\(name).check.html")
    let withScript = html.contains("</body>") ? html.replacingOccurrences(of: "</body>", with: "<script>\(script)</script></body>")
      : "<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body style=\"margin:0\">\(html)<script>\(script)</script></body></html>"
    try withScript.write(to: page, atomically: true, encoding: .utf8)
    let dom = try run(page.path, ["--dump-dom"])
    guard let start = dom.range(of: "<pre id=\"lrkit-check\">", options: .backwards), let end = dom.range(of: "</pre>", range: start.upperBound..<dom.endIndex) else {
      throw CLIError("\(name): the browser did not run the check (output: \(dom.prefix(300)))")
    }
    let json = String(dom[start.upperBound..<end.lowerBound])
      .replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">").replacingOccurrences(of: "&amp;", with: "&")
    let value = try JSONValue.parse(json)
    func list(_ key: String) -> [String] {
      if case .array(let items)? = value[key] { return items.compactMap { if case .string(let s) = $0 { return s } else { return nil } } }
      return []
    }
    func int(_ key: String) -> Int { if case .number(let d, _)? = value[key] { return Int(d) }; return 0 }
    // The screenshot, for a person to look at (LRKIT_SCREENSHOTS=DIR keeps them).
    if let keep = screenshots {
      try FileManager.default.createDirectory(atPath: keep, withIntermediateDirectories: true)
      _ = try run(directory.appendingPathComponent("\(name).check.html").path, ["--screenshot=\(keep)/\(name).png", "--window-size=1100,\(name == "report" ? 16000 : 1400)"])
    }
    return (int("figures"), int("texts"), list("overlaps").map { "overlap: \($0)" } + list("outside").map { "outside its figure: \($0)" }
      + list("empty").map { "empty: \($0)" } + list("invisible").map { "invisible: \($0)" })
  }
}

/// The report and the SVG outputs as a person sees them: rendered by headless Chromium, every
/// text box measured (none overlaps another or leaves its figure), every panel showing data
/// and every legend entry drawn.
@Suite("Rendered in a browser", .enabled(if: Browser.enabled), .serialized)
struct BrowserTests {
  static func directory() throws -> URL {
    let d = FileManager.default.temporaryDirectory.appendingPathComponent("lrkit-browser-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
    return d
  }

  @Test("the quick report: every figure non-empty, no text overlapping, every series visible")
  func quickReport() throws {
    let d = try Self.directory()
    let command = try #require(try LRKitCommand.parseAsRoot(["report", "--quick", "--out", d.path]) as? ReportCommand)
    try command.run()
    let html = try String(contentsOf: d.appendingPathComponent("report.html"), encoding: .utf8)
    let svgCount = html.components(separatedBy: "<svg xmlns").count - 1
    let result = try Browser.check(html: html, named: "report", in: d)
    #expect(result.figures == svgCount && svgCount >= 8, "\(result.figures) figures rendered of \(svgCount) in the page")
    #expect(result.texts > 200)
    #expect(result.problems.isEmpty, "\(result.problems.joined(separator: "\n"))")
  }

  @Test("the check can fail: overlapping labels, text off the figure, an empty panel and an invisible series are caught")
  func checkCatchesDefects() throws {
    let d = try Self.directory()
    let broken = """
      <svg xmlns="http://www.w3.org/2000/svg" width="300" height="200" font-family="Helvetica" font-size="12">
      <text x="10" y="20">Broken figure</text><text x="14" y="22">overlapping</text><text x="280" y="100">off the edge</text>
      <rect x="40" y="40" width="200" height="100" fill="none" stroke="#444"/>
      <g clip-path="url(#c)"><polyline points="400,300 500,320" stroke="#0072B2" fill="none"/></g>
      <line x1="0" x2="10" y1="190" y2="190" stroke="#D55E00" stroke-width="2"/>
      </svg>
      """
    let shots = d.appendingPathComponent("shots").path
    let result = try Browser.check(html: broken, named: "broken", in: d, screenshots: shots)
    // LRKIT_SCREENSHOTS (passed here directly) keeps a PNG of what was checked.
    let png = try Data(contentsOf: URL(fileURLWithPath: shots + "/broken.png"))
    #expect(png.count > 1000 && png.prefix(4) == Data([0x89, 0x50, 0x4E, 0x47]))
    #expect(result.problems.contains { $0.hasPrefix("overlap:") && $0.contains("overlapping") })
    #expect(result.problems.contains { $0.hasPrefix("outside its figure:") && $0.contains("off the edge") })
    #expect(result.problems.contains { $0.hasPrefix("empty:") })
    #expect(result.problems.contains { $0.hasPrefix("invisible:") && $0.contains("#D55E00") })
  }

  @Test("the SVG outputs: curve (one-cycle with momentum), find, diagnose with its lr panel")
  func svgOutputs() throws {
    let d = try Self.directory()
    var figures: [(String, String)] = []
    let spec = temporaryFile(#"{"type": "torch.optim.lr_scheduler.OneCycleLR", "max_lr": 0.1, "total_steps": 1000}"#)
    let curve = lrkit(["curve", "--spec", spec, "--format", "svg"])
    #expect(curve.error == nil)
    figures.append(("curve-onecycle", curve.output))
    let warm = lrkit(["curve", "--spec", temporaryFile(#"{"type": "cosine", "lr": 3e-4, "steps": 5000, "warmup": 500}"#), "--format", "svg"])
    figures.append(("curve-warmup-cosine", warm.output))
    let findSVG = d.appendingPathComponent("find.svg").path
    let find = try #require(try LRKitCommand.parseAsRoot(["find", "--svg", findSVG]) as? Find)
    try find.run()
    figures.append(("find", try String(contentsOfFile: findSVG, encoding: .utf8)))
    let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
      .appendingPathComponent("LRDiagnosticsTests/Corpus/real/generic-csv")
    for log in ["autoencoder-bad-batches.csv", "blobs-mlp-momentum-cosine.csv"] {
      let svg = d.appendingPathComponent("\(log).svg").path
      let r = diagnose([corpus.appendingPathComponent(log).path, "--svg", svg])
      #expect(r.error == nil, "\(r.error ?? "")")
      let text = try String(contentsOfFile: svg, encoding: .utf8)
      figures.append(("diagnose-\(log)", text))
    }
    for (name, svg) in figures {
      let result = try Browser.check(html: svg, named: name, in: d)
      #expect(result.figures == 1, "\(name)")
      #expect(result.problems.isEmpty, "\(name): \(result.problems.joined(separator: "\n"))")
    }
    // The diagnose figure has its lr panel (two plot frames) when the log has an lr.
    let withLR = figures.filter { $0.0.hasPrefix("diagnose") && $0.1.contains(">Learning rate</text>") }
    #expect(!withLR.isEmpty)
  }
}
