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

  /// A diagnose run on a mutated CSV log crashed here: a value just below a power of ten rounded
  /// to "10" and the label recursed on 10^(e+1), which (a product of tens) sat just below itself.
  @Test("labels of any double: no recursion, values that read back, powers of ten at the edges")
  func labelsOfAnyDouble() {
    #expect(Ticks.label(99_999.9) == "100000")
    #expect(Ticks.label(-99_999.9) == "-100000")
    #expect(Ticks.label(999_999) == "1e6")
    #expect(Ticks.label(0.000_999_99) == "0.001")
    #expect(Ticks.label(9.9999e-8) == "1e-7")
    #expect(Ticks.label(9.996e-308) == "1e-307")  // where the recursion never ended
    #expect(Ticks.label(.nan) == "nan")
    #expect(Ticks.label(.infinity) == "inf")
    #expect(Ticks.label(-.infinity) == "-inf")
    #expect(Ticks.label(.leastNonzeroMagnitude) == "4.94e-324")
    #expect(Ticks.label(.greatestFiniteMagnitude) == "1.8e308")
    var values: [Double] = [.leastNonzeroMagnitude, .leastNormalMagnitude, .greatestFiniteMagnitude]
    for e in -324...308 {
      for m in [1.0, 0.9995, 0.99949, 0.999_999_999, 1.000_000_1, 2.5, 9.99] {
        if let x = Double("\(m)e\(e)"), x.isFinite, x > 0 { values.append(x) }
      }
    }
    for x in values + values.map({ -$0 }) {
      let text = Ticks.label(x)
      guard let back = Double(text) else {
        Issue.record("label(\(x)) = \(text) does not read back")
        continue
      }
      if back.isInfinite && abs(x) > 1.795e308 { continue }  // "1.8e308" is past the largest double
      // Three significant digits, or the unit of the last digit of a fixed label.
      let tolerance = max(abs(x) * 5.1e-3, abs(x) < 1e5 && abs(x) >= 1e-3 ? 5.1e-3 : 0, 2 * .leastNonzeroMagnitude)
      #expect(abs(back - x) <= tolerance, "label(\(x)) = \(text)")
    }
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
