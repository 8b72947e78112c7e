#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// An SVG line chart: several series with a legend, linear or log axes with well-chosen ticks,
/// shaded bands (spread across seeds, problem regions) and marked steps (warmup ends, phase
/// boundaries). Colours are the Okabe–Ito palette and every series also has its own dash
/// pattern, so the chart survives grey-scale printing.
public struct SVGChart: Sendable {
  /// One line.
  public struct Series: Sendable {
    /// Legend name.
    public var name: String
    /// x values.
    public var x: [Double]
    /// y values; non-finite values break the line.
    public var y: [Double]
    /// A shaded spread around the line (lower, upper), e.g. min and max over seeds.
    public var band: (lower: [Double], upper: [Double])?
    /// Which y axis the series is drawn against.
    public var axis: Axis = .left

    /// A series.
    public init(name: String, x: [Double], y: [Double], band: (lower: [Double], upper: [Double])? = nil,
                axis: Axis = .left) {
      self.name = name
      self.x = x
      self.y = y
      self.band = band
      self.axis = axis
    }
  }

  /// The y axis a series belongs to: the left one (``yLabel``, ``logY``) or a secondary scale on
  /// the right (``rightLabel``, always linear), for a quantity in other units such as momentum.
  public enum Axis: Sendable { case left, right }

  /// A shaded x range with a label (a problem region).
  public struct Region: Sendable {
    /// Start and end on the x axis.
    public var from: Double, to: Double
    /// Its label.
    public var label: String

    /// A region.
    public init(from: Double, to: Double, label: String) {
      self.from = from
      self.to = to
      self.label = label
    }
  }

  /// A vertical marker (warmup end, phase boundary).
  public struct Marker: Sendable {
    /// Where.
    public var x: Double
    /// Its label.
    public var label: String

    /// A marker.
    public init(x: Double, label: String) {
      self.x = x
      self.label = label
    }
  }

  /// The lines.
  public var series: [Series]
  /// Shaded regions.
  public var regions: [Region] = []
  /// Vertical markers.
  public var markers: [Marker] = []
  /// Title.
  public var title: String
  /// x-axis label (with units).
  public var xLabel: String
  /// y-axis label (with units).
  public var yLabel: String
  /// The right axis' label, for series on ``Axis/right``.
  public var rightLabel: String = ""
  /// Log-scale y axis.
  public var logY = false
  /// A fixed range for the left y axis (so that several panels share one scale); nil: the data's.
  public var yRange: ClosedRange<Double>?
  /// Log-scale x axis.
  public var logX = false
  /// Size in pixels.
  public var width = 720, height = 400

  /// A chart.
  public init(series: [Series], title: String, xLabel: String, yLabel: String) {
    self.series = series
    self.title = title
    self.xLabel = xLabel
    self.yLabel = yLabel
  }

  /// Okabe–Ito colours.
  public static let palette = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"]
  static let dashes = ["", "6 3", "2 2", "8 3 2 3", "1 3", "10 4", "4 2 1 2", "3 5"]

  /// The SVG document.
  public func render() -> String {
    let hasRight = series.contains { $0.axis == .right }
    let left = 72.0, right = hasRight ? 64.0 : 20.0, top = 40.0
    let legendRows = series.count > 1 ? (series.count + 2) / 3 : 0
    let bottom = 52.0 + Double(legendRows) * 18
    let plotW = Double(width) - left - right
    let plotH = Double(height) - top - bottom
    func finite(_ v: Double, _ log: Bool) -> Bool { v.isFinite && (!log || v > 0) }
    var xs: [Double] = []
    var ys: [Double] = []
    var rs: [Double] = []
    for s in series {
      let isRight = s.axis == .right
      for (x, y) in zip(s.x, s.y) where finite(x, logX) && finite(y, isRight ? false : logY) {
        xs.append(x)
        if isRight { rs.append(y) } else { ys.append(y) }
      }
      if let b = s.band, !isRight {
        ys += b.lower.filter { finite($0, logY) } + b.upper.filter { finite($0, logY) }
      }
    }
    if ys.isEmpty { ys = rs }
    var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" viewBox=\"0 0 \(width) \(height)\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\">\n"
    svg += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
    svg += "<text x=\"\(f(Double(width) / 2))\" y=\"22\" text-anchor=\"middle\" font-size=\"15\" font-weight=\"bold\">\(escape(title))</text>\n"
    guard let x0 = xs.min(), var x1 = xs.max(), var y0 = ys.min(), var y1 = ys.max() else {
      svg += "<text x=\"\(f(Double(width) / 2))\" y=\"\(f(Double(height) / 2))\" text-anchor=\"middle\">no finite values</text>\n</svg>\n"
      return svg
    }
    if let r = yRange, r.upperBound > r.lowerBound, !logY || r.lowerBound > 0 { (y0, y1) = (r.lowerBound, r.upperBound) }
    if x1 == x0 { x1 = x0 + 1 }
    if y1 == y0 {
      if logY { y0 /= 2; y1 *= 2 } else { y0 -= abs(y0) * 0.1 + 1e-12; y1 += abs(y1) * 0.1 + 1e-12 }
    }
    if !logY && y0 > 0 && y0 < 0.35 * y1 && yRange == nil { y0 = 0 }
    // A linear y axis ends on a tick at or above the data's maximum (and starts on one at or
    // below its minimum), so the top of the data is labelled.
    if !logY && yRange == nil {
      let ticks = Ticks.linear(y0, y1, count: 5)
      if ticks.count >= 2 {
        let step = ticks[1] - ticks[0]
        if let last = ticks.last, last < y1 { y1 = last + step }
        if let first = ticks.first, first > y0 { y0 = first - step }
      }
    }
    let ty = { (v: Double) -> Double in logY ? log10(v) : v }
    let tx = { (v: Double) -> Double in logX ? log10(v) : v }
    let (lx, hx, ly, hy) = (tx(x0), tx(x1), ty(y0), ty(y1))
    let pad = (hy - ly) * 0.04
    func px(_ v: Double) -> Double { left + (tx(v) - lx) / (hx - lx) * plotW }
    func py(_ v: Double) -> Double { top + (1 - (ty(v) - (ly - pad)) / (hy - ly + 2 * pad)) * plotH }
    // The right scale: linear, from 0 when the values are positive and not far from it.
    var r0 = rs.min() ?? 0
    var r1 = rs.max() ?? 1
    if r1 == r0 { r0 -= abs(r0) * 0.1 + 1e-12; r1 += abs(r1) * 0.1 + 1e-12 }
    if r0 > 0 && r0 < 0.35 * r1 { r0 = 0 }
    let rpad = (r1 - r0) * 0.04
    func pr(_ v: Double) -> Double { top + (1 - (v - (r0 - rpad)) / (r1 - r0 + 2 * rpad)) * plotH }
    func pyOn(_ axis: Axis, _ v: Double) -> Double { axis == .right ? pr(v) : py(v) }
    // Regions and markers behind the data.
    for r in regions {
      let a = px(max(r.from, x0)), b = px(min(r.to, x1))
      svg += "<rect x=\"\(f(a))\" y=\"\(f(top))\" width=\"\(f(max(b - a, 2)))\" height=\"\(f(plotH))\" fill=\"#D55E00\" fill-opacity=\"0.10\"/>\n"
      svg += "<text x=\"\(f(a + 3))\" y=\"\(f(top + 12))\" font-size=\"10\" fill=\"#8A3B00\">\(escape(r.label))</text>\n"
    }
    // Grid and ticks.
    let yTicks = logY ? Ticks.logarithmic(y0, y1, count: 6) : Ticks.linear(y0, y1, count: 5)
    for t in yTicks where t >= y0 && t <= y1 {
      let y = py(t)
      svg += "<line x1=\"\(f(left))\" x2=\"\(f(left + plotW))\" y1=\"\(f(y))\" y2=\"\(f(y))\" stroke=\"#E5E5E5\"/>\n"
      svg += "<text x=\"\(f(left - 6))\" y=\"\(f(y + 4))\" text-anchor=\"end\">\(escape(Ticks.label(t)))</text>\n"
    }
    if hasRight {
      for t in Ticks.linear(r0, r1, count: 5) where t >= r0 && t <= r1 {
        let y = pr(t)
        svg += "<line x1=\"\(f(left + plotW))\" x2=\"\(f(left + plotW + 4))\" y1=\"\(f(y))\" y2=\"\(f(y))\" stroke=\"#444\"/>\n"
        svg += "<text x=\"\(f(left + plotW + 7))\" y=\"\(f(y + 4))\" text-anchor=\"start\">\(escape(Ticks.label(t)))</text>\n"
      }
      svg += "<text transform=\"translate(\(f(Double(width) - 12)) \(f(top + plotH / 2))) rotate(90)\" text-anchor=\"middle\">\(escape(rightLabel))</text>\n"
    }
    let xTicks = logX ? Ticks.logarithmic(x0, x1, count: 6) : Ticks.linear(x0, x1, count: 6)
    for t in xTicks where t >= x0 && t <= x1 {
      let x = px(t)
      svg += "<line x1=\"\(f(x))\" x2=\"\(f(x))\" y1=\"\(f(top))\" y2=\"\(f(top + plotH))\" stroke=\"#F0F0F0\"/>\n"
      svg += "<text x=\"\(f(x))\" y=\"\(f(top + plotH + 16))\" text-anchor=\"middle\">\(escape(Ticks.label(t)))</text>\n"
    }
    svg += "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(plotW))\" height=\"\(f(plotH))\" fill=\"none\" stroke=\"#444\"/>\n"
    for m in markers where m.x >= x0 && m.x <= x1 {
      let x = px(m.x)
      svg += "<line x1=\"\(f(x))\" x2=\"\(f(x))\" y1=\"\(f(top))\" y2=\"\(f(top + plotH))\" stroke=\"#777\" stroke-dasharray=\"4 3\"/>\n"
      svg += "<text x=\"\(f(x + 3))\" y=\"\(f(top + plotH - 6))\" font-size=\"10\" fill=\"#555\">\(escape(m.label))</text>\n"
    }
    // Bands, then lines.
    for (i, s) in series.enumerated() {
      guard let b = s.band else { continue }
      let color = Self.palette[i % Self.palette.count]
      var upper: [String] = []
      var lower: [String] = []
      for (j, x) in s.x.enumerated() where j < b.upper.count && j < b.lower.count && finite(x, logX) && finite(b.upper[j], logY) && finite(b.lower[j], logY) {
        upper.append("\(f(px(x))),\(f(py(b.upper[j])))")
        lower.append("\(f(px(x))),\(f(py(b.lower[j])))")
      }
      if !upper.isEmpty {
        svg += "<polygon points=\"\((upper + lower.reversed()).joined(separator: " "))\" fill=\"\(color)\" fill-opacity=\"0.18\" stroke=\"none\"/>\n"
      }
    }
    svg += "<g clip-path=\"url(#plot)\">\n"
    for (i, s) in series.enumerated() {
      let color = Self.palette[i % Self.palette.count]
      let dash = Self.dashes[i % Self.dashes.count]
      var segment: [String] = []
      func flush() {
        if segment.count >= 2 {
          svg += "<polyline points=\"\(segment.joined(separator: " "))\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.8\"\(dash.isEmpty ? "" : " stroke-dasharray=\"\(dash)\"") stroke-linejoin=\"round\"/>\n"
        } else if segment.count == 1 {
          let p = segment[0].split(separator: ",")
          svg += "<circle cx=\"\(p[0])\" cy=\"\(p[1])\" r=\"2.5\" fill=\"\(color)\"/>\n"
        }
        segment = []
      }
      let yLog = s.axis == .right ? false : logY
      var points: [String] = []
      for (x, y) in zip(s.x, s.y) {
        if finite(x, logX) && finite(y, yLog) {
          let point = "\(f(px(x))),\(f(pyOn(s.axis, y)))"
          segment.append(point)
          points.append(point)
        } else {
          flush()
        }
      }
      flush()
      // Sparse series (evaluations, a grid) also get a marker at every point.
      if points.count <= 40 {
        for point in points {
          let p = point.split(separator: ",")
          svg += "<circle cx=\"\(p[0])\" cy=\"\(p[1])\" r=\"2.5\" fill=\"\(color)\"/>\n"
        }
      }
    }
    svg += "</g>\n<defs><clipPath id=\"plot\"><rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(plotW))\" height=\"\(f(plotH))\"/></clipPath></defs>\n"
    // Axis labels.
    svg += "<text x=\"\(f(left + plotW / 2))\" y=\"\(f(top + plotH + 34))\" text-anchor=\"middle\">\(escape(xLabel))</text>\n"
    svg += "<text transform=\"translate(16 \(f(top + plotH / 2))) rotate(-90)\" text-anchor=\"middle\">\(escape(yLabel))</text>\n"
    // Legend.
    if series.count > 1 {
      for (i, s) in series.enumerated() {
        let col = Double(i % 3)
        let row = Double(i / 3)
        let lx = left + col * plotW / 3
        let ly = top + plotH + 50 + row * 18
        let color = Self.palette[i % Self.palette.count]
        let dash = Self.dashes[i % Self.dashes.count]
        svg += "<line x1=\"\(f(lx))\" x2=\"\(f(lx + 26))\" y1=\"\(f(ly - 4))\" y2=\"\(f(ly - 4))\" stroke=\"\(color)\" stroke-width=\"2\"\(dash.isEmpty ? "" : " stroke-dasharray=\"\(dash)\"")/>\n"
        svg += "<text x=\"\(f(lx + 32))\" y=\"\(f(ly))\">\(escape(s.name + (s.axis == .right ? " (right axis)" : "")))</text>\n"
      }
    }
    svg += "</svg>\n"
    return svg
  }

  func f(_ x: Double) -> String {
    let r = (x * 10).rounded() / 10
    return r == r.rounded() ? String(Int(r)) : String(r)
  }
}

/// Escapes text for SVG and HTML.
public func escape(_ s: String) -> String {
  var out = ""
  for c in s {
    switch c {
    case "&": out += "&amp;"
    case "<": out += "&lt;"
    case ">": out += "&gt;"
    case "\"": out += "&quot;"
    default: out.append(c)
    }
  }
  return out
}
