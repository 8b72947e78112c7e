import Foundation
import LRPlot
import Testing

/// The SVG renderer against committed golden files (regenerate deliberately with
/// LRKIT_RECORD_GOLDEN=1 swift test --filter SVGGolden, then look at the files in a browser).
@Suite("SVG golden files")
struct SVGGoldenTests {
  static func chart() -> SVGChart {
    let x = (0..<200).map(Double.init)
    var c = SVGChart(series: [
      .init(name: "warmup + cosine", x: x, y: x.map { $0 < 20 ? $0 / 20 : 0.55 + 0.45 * cos(Double.pi * ($0 - 20) / 180) }),
      .init(name: "constant", x: x, y: x.map { _ in 0.8 }, band: (x.map { _ in 0.7 }, x.map { _ in 0.9 })),
    ], title: "Golden chart", xLabel: "update (step)", yLabel: "learning rate")
    c.markers = [.init(x: 20, label: "warmup end")]
    c.regions = [.init(from: 150, to: 180, label: "region")]
    return c
  }

  @Test("a two-series chart with a band, a marker and a region")
  func basic() throws {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden/basic.svg")
    let rendered = Self.chart().render()
    if ProcessInfo.processInfo.environment["LRKIT_RECORD_GOLDEN"] != nil {
      try rendered.write(to: url, atomically: true, encoding: .utf8)
    }
    let golden = try String(contentsOf: url, encoding: .utf8)
    #expect(rendered == golden)
  }
}
