import Foundation
import LRPlot
import Testing

/// Labels never overlap and never leave the canvas, on charts built to provoke it.
@Suite("SVG layout: no overlapping labels")
struct LayoutTests {
  static func overlaps(_ boxes: [Box]) -> [(Box, Box)] {
    var out: [(Box, Box)] = []
    for i in boxes.indices {
      for j in boxes.indices where j > i && boxes[i].overlaps(boxes[j]) { out.append((boxes[i], boxes[j])) }
    }
    return out
  }

  static func check(_ boxes: [Box], width: Int, height: Int, _ comment: Comment) {
    let canvas = Box(x: 0, y: 0, width: Double(width), height: Double(height))
    #expect(overlaps(boxes).isEmpty, comment)
    #expect(boxes.allSatisfy { canvas.contains($0) }, comment)
  }

  @Test("markers a few pixels apart stack their labels instead of overlapping", arguments: [1, 3, 7, 12])
  func crowdedMarkers(count: Int) {
    let x = (0..<100).map(Double.init)
    var c = SVGChart(series: [.init(name: "loss", x: x, y: x.map { 1 / (1 + $0) })], title: "t", xLabel: "step", yLabel: "loss")
    c.markers = (0..<count).map { .init(x: 40 + Double($0), label: "suggestion number \($0) at \(40 + $0)") }
    c.markers.append(.init(x: 99, label: "a label at the right edge"))
    Self.check(c.textBoxes(), width: c.width, height: c.height, "\(count) markers")
    // Every label was placed (none dropped for lack of room at this size).
    for m in c.markers { #expect(c.render().contains(">\(m.label)</text>")) }
  }

  @Test("labelled points on top of each other get separate labels")
  func crowdedPoints() {
    let lrs = (0..<100).map { 1e-5 * pow(10, Double($0) / 20) }
    var c = SVGChart(series: [.init(name: "smoothed loss", x: lrs, y: lrs.map { 2.3 - 0.3 * log10($0 / 1e-5) / 5 })],
                     title: "LR range test", xLabel: "learning rate", yLabel: "loss")
    c.logX = true
    c.points = [("valley", 0.0123), ("steepest", 0.132), ("min/10", 0.123), ("recommended", 0.0404), ("other", 0.125)].map {
      .init(x: $0.1, y: 2.3 - 0.3 * log10($0.1 / 1e-5) / 5, label: "\($0.0) \($0.1)")
    }
    Self.check(c.textBoxes(), width: c.width, height: c.height, "points")
    for p in c.points { #expect(c.render().contains(">\(p.label)</text>")) }
  }

  @Test("a long legend wraps by the names' widths; long titles and axis labels shrink to fit", arguments: [720, 480, 300])
  func longLegend(width: Int) {
    let x = (0..<50).map(Double.init)
    var c = SVGChart(series: (0..<7).map { i in .init(name: String(repeating: "long schedule name ", count: i % 3 + 1) + "\(i)", x: x, y: x.map { Double(i) + $0 }) },
                     title: "A title much longer than the chart is wide, to see that it shrinks and never runs off the canvas",
                     xLabel: "an x label that is also quite long for a small panel (units)", yLabel: "a y label that is longer than the plot is tall (nats, mean of 10)")
    c.width = width
    c.height = 420
    Self.check(c.textBoxes(), width: c.width, height: c.height, "width \(width)")
  }

  @Test("small multiples share one y range, draw one legend, and keep every label apart")
  func smallMultiples() {
    let x = (0..<60).map(Double.init)
    let panels = (0..<4).map { k in
      var c = SVGChart(series: (0..<3).map { s in .init(name: "warmup \(s * 50)", x: x, y: x.map { Double(k + 1) * 3 / (1 + $0) + Double(s) }) },
                       title: "panel \(k)", xLabel: "update", yLabel: "loss (nats)")
      c.markers = [.init(x: 10, label: ""), .init(x: 30, label: "")]
      return c
    }
    let f = SmallMultiples(panels: panels, columns: 2, title: "Four panels")
    let svg = f.render()
    #expect(svg.components(separatedBy: ">warmup 0</text>").count == 2)  // one legend
    // The shared scale: the same y tick labels in every panel.
    let panelsSVG = svg.components(separatedBy: "<svg x=").dropFirst()
    let yTicks = panelsSVG.map { p in p.components(separatedBy: "text-anchor=\"end\">").dropFirst().map { String($0.prefix { $0 != "<" }) } }
    #expect(yTicks.count == 4 && Set(yTicks.map { $0.joined(separator: ",") }).count == 1 && yTicks[0].count >= 3)
    Self.check(f.textBoxes(), width: 600, height: 34 + 460 + 18 + 10, "small multiples")
  }

  @Test("an × marks where a series diverged and the legend explains it")
  func divergenceCross() {
    let x = (0..<10).map(Double.init)
    var grid = SVGChart.Series(name: "batch 16", x: x, y: x.map { $0 == 9 ? .nan : 1 + $0 })
    grid.diverged = [9]
    let c = SVGChart(series: [.init(name: "ends in NaN", x: x, y: x.map { $0 > 6 ? .nan : $0 }), grid], title: "t", xLabel: "x", yLabel: "y")
    let svg = c.render()
    #expect(svg.components(separatedBy: "stroke-width=\"2.4\"").count - 1 == 3)  // two crosses and the legend key
    #expect(svg.contains(">diverged</text>"))
    let clean = SVGChart(series: [.init(name: "fine", x: x, y: x)], title: "t", xLabel: "x", yLabel: "y").render()
    #expect(!clean.contains("stroke-width=\"2.4\""))
  }

  @Test("charts of different sizes on one page clip to their own plot area")
  func uniqueClip() {
    let x = (0..<10).map(Double.init)
    var a = SVGChart(series: [.init(name: "a", x: x, y: x)], title: "a", xLabel: "x", yLabel: "y")
    var b = a
    b.height = 250
    a.height = 500
    func clip(_ s: String) -> String { String(s.split(separator: "clip-path=\"url(#")[1].prefix { $0 != ")" }) }
    #expect(clip(a.render()) != clip(b.render()))
  }

  @Test("a narrow log range still gets at least three labelled ticks")
  func narrowLogTicks() {
    #expect(Ticks.logarithmic(0.03, 0.3).count >= 3)
    #expect(Ticks.logarithmic(0.15, 1.38) == [0.2, 0.5, 1])
    #expect(Ticks.logarithmic(1e-5, 4) == [1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1])
  }

  @Test("the terminal chart labels a log x axis in plain units, not exponents")
  func terminalLogX() {
    let lrs = (0..<80).map { 1e-5 * pow(10, Double($0) / 16) }
    var c = TerminalChart(series: [.init(name: "loss", x: lrs, y: lrs.map { 2 - log10($0) / 10 })],
                          markers: [.init(x: 0.0123, label: "valley")], xLabel: "learning rate")
    c.logX = true
    let out = c.render()
    #expect(out.contains("1e-5") && out.contains("0.001") && out.contains("0.1"))
    #expect(!out.contains("-3 ") && !out.contains("−"))
    #expect(out.contains("valley at 0.0123"))
  }
}

@Suite("Log ticks")
struct LogTickTests {
  @Test("a range from 0.077 to 4.4 gets 0.1, 0.2, 0.5, 1, 2 (not just 0.1 and 1)")
  func belowAPowerOfTen() {
    #expect(Ticks.logarithmic(0.0768, 4.37) == [0.1, 0.2, 0.5, 1, 2])
    #expect(Ticks.logarithmic(0.1, 100) == [0.1, 1, 10, 100])
  }
}
