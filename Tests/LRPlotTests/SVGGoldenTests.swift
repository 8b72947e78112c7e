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

@Suite("SVG chart: a secondary axis and sparse series")
struct SVGSecondaryAxisTests {
  @Test("a series on the right axis gets its own scale, ticks and label; the left scale ignores it")
  func rightAxis() {
    let x = (0..<100).map(Double.init)
    var chart = SVGChart(series: [
      .init(name: "lr", x: x, y: x.map { 1e-3 * $0 / 100 }),
      .init(name: "momentum", x: x, y: x.map { 0.95 - 0.1 * $0 / 100 }, axis: .right),
    ], title: "t", xLabel: "step", yLabel: "learning rate")
    chart.rightLabel = "momentum / β1"
    let svg = chart.render()
    #expect(svg.contains("momentum / β1"))
    #expect(svg.contains("rotate(90)"))
    #expect(svg.contains(">0.9<"), "a right tick inside the momentum range")
    #expect(svg.contains("momentum (right axis)"))
    // The left ticks stay on the lr's scale (1e-3 range), not stretched to 0.95.
    #expect(svg.contains(">1e-3<") || svg.contains(">8e-4<"))
    #expect(!svg.contains("text-anchor=\"end\">0.8<"))
  }

  @Test("sparse series get a marker at every point; dense ones do not")
  func sparse() {
    let sparse = SVGChart(series: [.init(name: "eval", x: [0, 10, 20, 30], y: [3, 2, 1.5, 1.4])],
                          title: "t", xLabel: "step", yLabel: "loss").render()
    #expect(sparse.components(separatedBy: "<circle").count - 1 == 4)
    let x = (0..<500).map(Double.init)
    let dense = SVGChart(series: [.init(name: "loss", x: x, y: x.map { 3 - $0 / 500 })],
                         title: "t", xLabel: "step", yLabel: "loss").render()
    #expect(!dense.contains("<circle"))
  }
}

@Suite("SVG chart axes")
struct SVGAxisTests {
  @Test("a linear y axis has a labelled tick at or above the data's maximum")
  func tickAtMaximum() {
    let x = (0..<50).map(Double.init)
    let svg = SVGChart(series: [.init(name: "lr", x: x, y: x.map { 0.00093 * $0 / 49 })], title: "t", xLabel: "step", yLabel: "lr").render()
    // Labels of the left axis are right-aligned texts; the largest must be ≥ 0.00093.
    let labels = svg.components(separatedBy: "text-anchor=\"end\">").dropFirst().compactMap { Double(String($0.prefix { $0 != "<" })) }
    #expect(labels.contains { $0 >= 0.00093 }, "\(labels)")
  }
}
