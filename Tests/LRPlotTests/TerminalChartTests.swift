import LRPlot
import Testing

@Suite("Ticks and terminal charts")
struct TerminalChartTests {
  @Test("nice linear ticks")
  func linearTicks() {
    #expect(Ticks.linear(0, 1, count: 5) == [0, 0.2, 0.4, 0.6000000000000001, 0.8, 1])
    #expect(Ticks.linear(0, 10_000, count: 4) == [0, 2500, 5000, 7500, 10_000])
    #expect(Ticks.linear(3, 3).count == 1)
  }

  @Test("log ticks are powers of ten")
  func logTicks() {
    #expect(Ticks.logarithmic(1e-6, 1e-2, count: 6) == [1e-6, 1e-5, 1e-4, 1e-3, 1e-2])
  }

  @Test("labels are short")
  func labels() {
    #expect(Ticks.label(0) == "0")
    #expect(Ticks.label(0.0003) == "3e-4")
    #expect(Ticks.label(6.987712e-4) == "6.99e-4")
    #expect(Ticks.label(2500) == "2500")
    #expect(Ticks.label(0.25) == "0.25")
    #expect(Ticks.label(1e-3) == "0.001")
  }

  @Test("a chart has the title, y labels, an x axis, the marker and its note")
  func chart() {
    let x = (0..<100).map(Double.init)
    let y = x.map { $0 < 10 ? $0 / 10 : 1 - ($0 - 10) / 90 }
    var chart = TerminalChart(series: [.init(name: "lr", x: x, y: y)],
                              markers: [.init(x: 10, label: "warmup end")], title: "test", xLabel: "step")
    chart.width = 40
    chart.height = 8
    let text = chart.render()
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    #expect(lines.first == "test")
    #expect(lines.count == 1 + 8 + 3)
    #expect(text.contains("┤"))
    #expect(text.contains("└"))
    #expect(text.contains("╀ warmup end at 10"))
    #expect(lines[1].contains("1 ┤"))
    // Braille cells are drawn.
    #expect(text.unicodeScalars.contains { $0.value >= 0x2801 && $0.value <= 0x28FF })
  }

  @Test("empty or non-finite data says so instead of crashing")
  func empty() {
    let chart = TerminalChart(series: [.init(name: "lr", x: [0, 1], y: [.nan, .infinity])])
    #expect(chart.render().contains("no finite values"))
    let flat = TerminalChart(series: [.init(name: "lr", x: [0, 1, 2], y: [0.1, 0.1, 0.1])])
    #expect(flat.render().contains("0.1"))
  }
}
