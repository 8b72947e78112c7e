#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// A line chart drawn with Unicode braille (2 × 4 dots per character cell), with a labelled
/// y axis, an x axis with ticks, and marked steps (e.g. the end of warmup) as dotted columns.
///
/// ```
/// 1e-3 ┤     ⡠⠊⠉⠉⠒⠢⢄⡀
///      │   ⡠⠊      ⠈⠑⢄
///    0 ┼⠤⠊⠁           ⠉⠒⠤⠤
///      └──────┬────────────
///      0    warmup      1000
/// ```
public struct TerminalChart: Sendable {
  /// One line on the chart.
  public struct Series: Sendable {
    /// Legend name.
    public var name: String
    /// x values (e.g. steps).
    public var x: [Double]
    /// y values; non-finite values leave gaps.
    public var y: [Double]

    /// A series.
    public init(name: String, x: [Double], y: [Double]) {
      self.name = name
      self.x = x
      self.y = y
    }
  }

  /// A vertical marker at an x value: the same type the SVG chart draws.
  public typealias Marker = SVGChart.Marker

  /// The lines.
  public var series: [Series]
  /// Vertical markers.
  public var markers: [Marker] = []
  /// Title above the chart.
  public var title: String?
  /// Label of the x axis.
  public var xLabel: String?
  /// Plot area width in characters.
  public var width: Int = 64
  /// Plot area height in characters.
  public var height: Int = 16
  /// Log-scale y axis (non-positive values are dropped).
  public var logY = false
  /// Log-scale x axis: positions by log10, ticks at powers of ten labelled in plain units.
  public var logX = false
  /// ANSI colours per series.
  public var color = false

  /// A chart of `series`.
  public init(series: [Series], markers: [Marker] = [], title: String? = nil,
              xLabel: String? = nil) {
    self.series = series
    self.markers = markers
    self.title = title
    self.xLabel = xLabel
  }

  static let palette = ["\u{1B}[34m", "\u{1B}[31m", "\u{1B}[32m", "\u{1B}[35m", "\u{1B}[33m",
                        "\u{1B}[36m"]

  /// The chart as lines of text (no trailing newline).
  public func render() -> String {
    func gx(_ x: Double) -> Double { logX ? log10(x) : x }
    let points = series.map { s in
      zip(s.x, s.y).filter { $0.0.isFinite && $0.1.isFinite && (!logY || $0.1 > 0) && (!logX || $0.0 > 0) }
        .map { (gx($0.0), $0.1) }
    }
    let xs = points.flatMap { $0.map(\.0) }
    let ys = points.flatMap { $0.map(\.1) }
    guard let xMin = xs.min(), let xMax = xs.max(), var yMin = ys.min(), var yMax = ys.max() else {
      return (title.map { $0 + "\n" } ?? "") + "(no finite values to plot)"
    }
    if !logY {
      if yMin > 0 && yMin < 0.35 * yMax { yMin = 0 }  // anchor near-zero schedules at zero
    }
    if yMax == yMin {
      let pad = yMax == 0 ? 1 : abs(yMax) * 0.1
      yMax += pad
      if !logY { yMin -= pad } else { yMin /= 1.5 }
    }
    let w = max(width, 8)
    let h = max(height, 3)
    let dotsX = w * 2
    let dotsY = h * 4
    func tx(_ y: Double) -> Double { logY ? log10(y) : y }
    let lo = tx(yMin)
    let hi = tx(yMax)
    let xSpan = xMax > xMin ? xMax - xMin : 1
    func col(_ x: Double) -> Int { min(dotsX - 1, max(0, Int(((x - xMin) / xSpan * Double(dotsX - 1)).rounded()))) }
    func row(_ y: Double) -> Int {
      min(dotsY - 1, max(0, Int(((hi - tx(y)) / (hi - lo) * Double(dotsY - 1)).rounded())))
    }
    // Braille cells: bit layout per (dx, dy).
    let bits: [[UInt32]] = [[0x01, 0x02, 0x04, 0x40], [0x08, 0x10, 0x20, 0x80]]
    var cells = [[UInt32]](repeating: [UInt32](repeating: 0, count: w), count: h)
    var owner = [[Int]](repeating: [Int](repeating: -1, count: w), count: h)
    for (si, pts) in points.enumerated() {
      var previous: (Int, Int)?
      for (x, y) in pts {
        let c = col(x)
        let r = row(y)
        // Connect to the previous point so steep changes stay visible.
        if let (pc, pr) = previous {
          let n = max(abs(c - pc), abs(r - pr), 1)
          for i in 0...n {
            let cc = pc + (c - pc) * i / n
            let rr = pr + (r - pr) * i / n
            cells[rr / 4][cc / 2] |= bits[cc % 2][rr % 4]
            owner[rr / 4][cc / 2] = si
          }
        } else {
          cells[r / 4][c / 2] |= bits[c % 2][r % 4]
          owner[r / 4][c / 2] = si
        }
        previous = (c, r)
      }
    }
    let markerCols = markers.filter { !logX || $0.x > 0 }.filter { gx($0.x) >= xMin && gx($0.x) <= xMax }.map { (col(gx($0.x)) / 2, $0) }
    // y labels at a few rows.
    let tickValues = logY ? Ticks.logarithmic(yMin, yMax, count: h / 3) : Ticks.linear(yMin, yMax, count: max(2, h / 4))
    var rowLabel = [Int: String]()
    for t in tickValues { rowLabel[row(t) / 4] = Ticks.label(t) }
    let labelWidth = max(rowLabel.values.map(\.count).max() ?? 1, 1)
    var lines: [String] = []
    if let title { lines.append(title) }
    for r in 0..<h {
      var line = ""
      let label = rowLabel[r] ?? ""
      line += String(repeating: " ", count: labelWidth - label.count) + label
      line += rowLabel[r] != nil ? " ┤" : " │"
      for c in 0..<w {
        let v = cells[r][c]
        if v == 0, markerCols.contains(where: { $0.0 == c }) {
          line += r % 2 == 0 ? "┊" : " "
          continue
        }
        let ch = v == 0 ? " " : String(Character(Unicode.Scalar(0x2800 + v)!))
        if color && v != 0 && owner[r][c] >= 0 {
          line += Self.palette[owner[r][c] % Self.palette.count] + ch + "\u{1B}[0m"
        } else {
          line += ch
        }
      }
      lines.append(line)
    }
    // x axis with ticks.
    let xTicks = logX ? Ticks.logarithmic(pow(10, xMin), pow(10, xMax), count: max(2, w / 10)).map(log10).filter { $0 >= xMin - 1e-9 && $0 <= xMax + 1e-9 }
      : Ticks.linear(xMin, xMax, count: max(2, w / 14))
    var axis = [Character](repeating: "─", count: w)
    var labels = [Character](repeating: " ", count: w + 12)
    for t in xTicks {
      let c = col(t) / 2
      axis[c] = "┬"
      let text = Array(Ticks.label(logX ? pow(10, t) : t))
      let start = min(max(0, c - text.count / 2), labels.count - text.count)
      if labels[max(0, start - 1)..<min(labels.count, start + text.count + 1)].allSatisfy({ $0 == " " }) {
        for (i, ch) in text.enumerated() { labels[start + i] = ch }
      }
    }
    for (c, _) in markerCols { axis[c] = "╀" }
    lines.append(String(repeating: " ", count: labelWidth + 1) + "└" + String(axis))
    lines.append(String(repeating: " ", count: labelWidth + 2)
      + String(labels).replacingTrailingSpaces())
    var notes: [String] = []
    if let xLabel { notes.append(xLabel) }
    for (_, m) in markerCols { notes.append("╀ \(m.label) at \(Ticks.label(m.x))") }
    if series.count > 1 || color {
      notes.append(contentsOf: series.enumerated().map { i, s in
        color ? Self.palette[i % Self.palette.count] + "⣿\u{1B}[0m \(s.name)" : "\(s.name)"
      })
    }
    if !notes.isEmpty {
      lines.append(String(repeating: " ", count: labelWidth + 2) + notes.joined(separator: "   "))
    }
    return lines.joined(separator: "\n")
  }
}

extension String {
  func replacingTrailingSpaces() -> String {
    var s = self
    while s.hasSuffix(" ") { s.removeLast() }
    return s
  }
}

