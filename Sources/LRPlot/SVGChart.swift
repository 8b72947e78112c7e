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
    /// x positions where this series has no value because the run diverged there (a grid cell):
    /// each is drawn as an × at the top of the plot. A series whose values end in non-finite
    /// ones gets an × at its last finite point without this.
    public var diverged: [Double] = []

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

  /// A labelled point on the data (a suggestion on a range-test curve).
  public struct Point: Sendable {
    /// Where, in data coordinates (left axis).
    public var x: Double, y: Double
    /// Its label.
    public var label: String

    /// A point.
    public init(x: Double, y: Double, label: String) {
      self.x = x
      self.y = y
      self.label = label
    }
  }

  /// The lines.
  public var series: [Series]
  /// Shaded regions.
  public var regions: [Region] = []
  /// Vertical markers.
  public var markers: [Marker] = []
  /// Labelled points, drawn as dots with labels placed where they overlap nothing.
  public var points: [Point] = []
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
  /// A fixed range for the x axis (so that several panels share one scale); nil: the data's.
  public var xRange: ClosedRange<Double>?
  /// Log-scale x axis.
  public var logX = false
  /// Whether the chart draws its own legend (off inside ``SmallMultiples``, which draws one).
  public var showsLegend = true
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
  public func render() -> String { layout().svg }

  /// The boxes of every text the chart draws, in canvas pixels (for tests of the layout).
  package func textBoxes() -> [Box] { layout().boxes }

  /// Where a series ended in divergence: its last finite point when only non-finite values
  /// follow it (nil otherwise).
  static func divergencePoint(_ s: Series) -> Int? {
    guard let last = s.y.indices.last(where: { s.y[$0].isFinite }), last < s.y.count - 1, last < s.x.count else { return nil }
    return last
  }

  /// The legend entries (name, colour, dash; nil colour for the "× diverged" key).
  func legendEntries() -> [(name: String, color: String?, dash: String)] {
    var entries: [(name: String, color: String?, dash: String)] = []
    if series.count > 1 {
      for (i, s) in series.enumerated() {
        entries.append((s.name + (s.axis == .right ? " (right axis)" : ""), Self.palette[i % Self.palette.count], Self.dashes[i % Self.dashes.count]))
      }
    }
    if series.contains(where: { !$0.diverged.isEmpty || Self.divergencePoint($0) != nil }) {
      entries.append(("diverged", nil, ""))
    }
    return entries
  }

  /// Lays the legend out in rows from `left` to `right`: each entry's (x, row).
  static func legendRows(_ names: [String], left: Double, right: Double) -> [(x: Double, row: Int)] {
    var out: [(x: Double, row: Int)] = []
    var x = left
    var row = 0
    for name in names {
      let w = 32 + TextMetrics.width(name, size: 12) + 18
      if x > left && x + w - 18 > right {
        row += 1
        x = left
      }
      out.append((x, row))
      x += w
    }
    return out
  }

  /// The largest font size ≤ `size` (and ≥ `minimum`) at which `text` fits in `room` pixels,
  /// with the text cut short (…) when even the minimum does not fit.
  static func fit(_ text: String, room: Double, size: Double, minimum: Double = 9, bold: Bool = false) -> (String, Double) {
    let w = TextMetrics.width(text, size: size, bold: bold)
    if w <= room { return (text, size) }
    let s = size * room / w
    if s >= minimum { return (text, (s * 10).rounded(.down) / 10) }
    var t = Array(text)
    while t.count > 1 && TextMetrics.width(String(t) + "…", size: minimum, bold: bold) > room { t.removeLast() }
    return (String(t) + "…", minimum)
  }

  func layout() -> (svg: String, boxes: [Box]) {
    let hasRight = series.contains { $0.axis == .right }
    let W = Double(width), H = Double(height)
    let left = 72.0, right = hasRight ? 64.0 : 20.0, top = 40.0
    let entries = (showsLegend ? legendEntries() : []).map { e in
      (name: Self.fit(e.name, room: W - 8 - left - 50, size: 12, minimum: 12).0, color: e.color, dash: e.dash)
    }
    let rows = Self.legendRows(entries.map(\.name), left: left, right: W - 8)
    let legendRows = entries.isEmpty ? 0 : (rows.map(\.row).max() ?? 0) + 1
    let bottom = 52.0 + Double(legendRows) * 18
    let plotW = W - left - right
    let plotH = H - top - bottom
    var boxes: [Box] = []
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
      xs += s.diverged.filter { finite($0, logX) }
    }
    for p in points where finite(p.x, logX) && finite(p.y, logY) {
      xs.append(p.x)
      ys.append(p.y)
    }
    if ys.isEmpty { ys = rs }
    // Unique per plot rectangle: inline SVGs share one id space in an HTML page.
    let clipID = "plot-\(Int(left))-\(Int(top))-\(Int(plotW))-\(Int(plotH))"
    var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" viewBox=\"0 0 \(width) \(height)\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\">\n"
    svg += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
    let (titleText, titleSize) = Self.fit(title, room: W - 8, size: 15, minimum: 10, bold: true)
    svg += "<text x=\"\(f(W / 2))\" y=\"22\" text-anchor=\"middle\" font-size=\"\(f(titleSize))\" font-weight=\"bold\">\(escape(titleText))</text>\n"
    boxes.append(.text(titleText, x: W / 2, baseline: 22, size: titleSize, anchor: "middle", bold: true))
    guard var x0 = xs.min(), var x1 = xs.max(), var y0 = ys.min(), var y1 = ys.max() else {
      svg += "<text x=\"\(f(W / 2))\" y=\"\(f(H / 2))\" text-anchor=\"middle\">no finite values</text>\n</svg>\n"
      boxes.append(.text("no finite values", x: W / 2, baseline: H / 2, size: 12, anchor: "middle"))
      return (svg, boxes)
    }
    if let r = xRange, r.upperBound > r.lowerBound, !logX || r.lowerBound > 0 { (x0, x1) = (r.lowerBound, r.upperBound) }
    if let r = yRange, r.upperBound > r.lowerBound, !logY || r.lowerBound > 0 { (y0, y1) = (r.lowerBound, r.upperBound) }
    if x1 == x0 {
      if logX { x0 /= 2; x1 *= 2 } else { x1 = x0 + 1 }
    }
    if y1 == y0 {
      if logY { y0 /= 2; y1 *= 2 } else { y0 -= abs(y0) * 0.1 + 1e-12; y1 += abs(y1) * 0.1 + 1e-12 }
    }
    if !logY && y0 > 0 && y0 < 0.35 * y1 && yRange == nil { y0 = 0 }
    // A linear y axis ends on a tick at or above the data's maximum (and starts on one at or
    // below its minimum), so the top of the data is labelled.
    if !logY && yRange == nil { (y0, y1) = Ticks.extendedToTicks(y0, y1) }
    let ty = { (v: Double) -> Double in logY ? log10(v) : v }
    let tx = { (v: Double) -> Double in logX ? log10(v) : v }
    let (lx, hx, ly, hy) = (tx(x0), tx(x1), ty(y0), ty(y1))
    // Headroom: 4 % of the range above and below the data.
    let pad = (hy - ly) * 0.04
    func px(_ v: Double) -> Double { left + (tx(v) - lx) / (hx - lx) * plotW }
    func py(_ v: Double) -> Double { top + (1 - (ty(v) - (ly - pad)) / (hy - ly + 2 * pad)) * plotH }
    // The right scale: linear, from 0 when the values are positive and not far from it.
    var r0 = rs.min() ?? 0
    var r1 = rs.max() ?? 1
    if r1 == r0 { r0 -= abs(r0) * 0.1 + 1e-12; r1 += abs(r1) * 0.1 + 1e-12 }
    if r0 > 0 && r0 < 0.35 * r1 { r0 = 0 }
    // The right axis, too, ends on ticks around its data.
    (r0, r1) = Ticks.extendedToTicks(r0, r1)
    let rpad = (r1 - r0) * 0.04
    func pr(_ v: Double) -> Double { top + (1 - (v - (r0 - rpad)) / (r1 - r0 + 2 * rpad)) * plotH }
    func pyOn(_ axis: Axis, _ v: Double) -> Double { axis == .right ? pr(v) : py(v) }
    let plot = Box(x: left, y: top, width: plotW, height: plotH)
    // Grid and tick labels; x labels thinned until neighbours keep a gap.
    let yTicks = (logY ? Ticks.logarithmic(y0, y1, count: 6) : Ticks.linear(y0, y1, count: 5)).filter { $0 >= y0 && $0 <= y1 }
    var tickSVG = ""
    var lastY = Double.infinity
    for t in yTicks {
      let y = py(t)
      tickSVG += "<line x1=\"\(f(left))\" x2=\"\(f(left + plotW))\" y1=\"\(f(y))\" y2=\"\(f(y))\" stroke=\"#E5E5E5\"/>\n"
      guard lastY - y >= 13 else { continue }
      lastY = y
      tickSVG += "<text x=\"\(f(left - 6))\" y=\"\(f(y + 4))\" text-anchor=\"end\">\(escape(Ticks.label(t)))</text>\n"
      boxes.append(.text(Ticks.label(t), x: left - 6, baseline: y + 4, size: 12, anchor: "end"))
    }
    if hasRight {
      var lastR = Double.infinity
      for t in Ticks.linear(r0, r1, count: 5) where t >= r0 && t <= r1 {
        let y = pr(t)
        tickSVG += "<line x1=\"\(f(left + plotW))\" x2=\"\(f(left + plotW + 4))\" y1=\"\(f(y))\" y2=\"\(f(y))\" stroke=\"#444\"/>\n"
        guard lastR - y >= 13 else { continue }
        lastR = y
        tickSVG += "<text x=\"\(f(left + plotW + 7))\" y=\"\(f(y + 4))\" text-anchor=\"start\">\(escape(Ticks.label(t)))</text>\n"
        boxes.append(.text(Ticks.label(t), x: left + plotW + 7, baseline: y + 4, size: 12))
      }
      let (text, size) = Self.fit(rightLabel, room: plotH, size: 12)
      tickSVG += "<text transform=\"translate(\(f(W - 12)) \(f(top + plotH / 2))) rotate(90)\" text-anchor=\"middle\" font-size=\"\(f(size))\">\(escape(text))</text>\n"
      let w = TextMetrics.width(text, size: size)
      boxes.append(Box(x: W - 12 - size * 0.22, y: top + plotH / 2 - w / 2, width: size, height: w))
    }
    let xTicks = (logX ? Ticks.logarithmic(x0, x1, count: 6) : Ticks.linear(x0, x1, count: 6)).filter { $0 >= x0 && $0 <= x1 }
    var xLabelBoxes: [(Double, Box)] = []
    for every in 1...max(1, xTicks.count) {
      xLabelBoxes = stride(from: 0, to: xTicks.count, by: every).map { i in
        let t = xTicks[i]
        var b = Box.text(Ticks.label(t), x: px(t), baseline: top + plotH + 16, size: 12, anchor: "middle")
        b.x = min(max(b.x, 1), W - 1 - b.width)  // kept on the canvas
        return (t, b)
      }
      if zip(xLabelBoxes, xLabelBoxes.dropFirst()).allSatisfy({ $0.1.x + $0.1.width + 6 <= $1.1.x }) { break }
    }
    for t in xTicks {
      tickSVG += "<line x1=\"\(f(px(t)))\" x2=\"\(f(px(t)))\" y1=\"\(f(top))\" y2=\"\(f(top + plotH))\" stroke=\"#F0F0F0\"/>\n"
    }
    for (t, b) in xLabelBoxes {
      tickSVG += "<text x=\"\(f(b.x + b.width / 2))\" y=\"\(f(top + plotH + 16))\" text-anchor=\"middle\">\(escape(Ticks.label(t)))</text>\n"
      boxes.append(b)
    }
    // Labels inside the plot: markers along the bottom (stacked upwards), regions along the top
    // (stacked downwards), points beside their dots; none overlaps another.
    var inside = LabelLayout(bounds: plot.inset(by: -2))
    var overlay = ""
    var regionSVG = ""
    for r in regions {
      let a = px(max(r.from, x0)), b = px(min(r.to, x1))
      regionSVG += "<rect x=\"\(f(a))\" y=\"\(f(top))\" width=\"\(f(max(b - a, 2)))\" height=\"\(f(plotH))\" fill=\"#D55E00\" fill-opacity=\"0.10\"/>\n"
      let candidates = (0..<8).flatMap { row -> [Box] in
        let base = top + 12 + Double(row) * 12
        return [.text(r.label, x: a + 3, baseline: base, size: 10), .text(r.label, x: b - 3, baseline: base, size: 10, anchor: "end")]
      }
      if !r.label.isEmpty, let spot = inside.place(candidates) {
        overlay += "<text x=\"\(f(spot.x))\" y=\"\(f(spot.y + 10 * 0.78))\" font-size=\"10\" fill=\"#8A3B00\">\(escape(r.label))</text>\n"
        boxes.append(spot)
      }
    }
    var markerSVG = ""
    for m in markers where m.x >= x0 && m.x <= x1 {
      let x = px(m.x)
      markerSVG += "<line x1=\"\(f(x))\" x2=\"\(f(x))\" y1=\"\(f(top))\" y2=\"\(f(top + plotH))\" stroke=\"#777\" stroke-dasharray=\"4 3\"/>\n"
      let candidates = (0..<12).flatMap { row -> [Box] in
        let base = top + plotH - 6 - Double(row) * 12
        return [.text(m.label, x: x + 3, baseline: base, size: 10), .text(m.label, x: x - 3, baseline: base, size: 10, anchor: "end")]
      }
      if !m.label.isEmpty, let spot = inside.place(candidates) {
        overlay += "<text x=\"\(f(spot.x))\" y=\"\(f(spot.y + 10 * 0.78))\" font-size=\"10\" fill=\"#555\">\(escape(m.label))</text>\n"
        boxes.append(spot)
      }
    }
    var pointSVG = ""
    for p in points where finite(p.x, logX) && finite(p.y, logY) {
      let (x, y) = (px(p.x), py(p.y))
      pointSVG += "<circle cx=\"\(f(x))\" cy=\"\(f(y))\" r=\"4\" fill=\"white\" stroke=\"#000\" stroke-width=\"1.6\"/>\n"
      let candidates = [1.0, 2.2, 3.6, 5.2].flatMap { d -> [Box] in
        [.text(p.label, x: x + 6, baseline: y - 6 * d, size: 11), .text(p.label, x: x - 6, baseline: y - 6 * d, size: 11, anchor: "end"),
         .text(p.label, x: x + 6, baseline: y + 4 + 6 * d, size: 11), .text(p.label, x: x - 6, baseline: y + 4 + 6 * d, size: 11, anchor: "end"),
         .text(p.label, x: x, baseline: y - 6 * d - 2, size: 11, anchor: "middle"), .text(p.label, x: x, baseline: y + 6 * d + 10, size: 11, anchor: "middle")]
      }
      inside.reserve(Box(x: x - 4, y: y - 4, width: 8, height: 8))
      if let spot = inside.place(candidates) {
        pointSVG += "<text x=\"\(f(spot.x))\" y=\"\(f(spot.y + 11 * 0.78))\" font-size=\"11\" fill=\"#000\">\(escape(p.label))</text>\n"
        boxes.append(spot)
      }
    }
    svg += regionSVG + tickSVG
    svg += "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(plotW))\" height=\"\(f(plotH))\" fill=\"none\" stroke=\"#444\"/>\n"
    svg += markerSVG
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
    svg += "<g clip-path=\"url(#\(clipID))\">\n"
    var crosses = ""
    let cross = Self.cross
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
      var dots: [String] = []
      for (x, y) in zip(s.x, s.y) {
        if finite(x, logX) && finite(y, yLog) {
          let point = "\(f(px(x))),\(f(pyOn(s.axis, y)))"
          segment.append(point)
          dots.append(point)
        } else {
          flush()
        }
      }
      flush()
      // Sparse series (evaluations, a grid) also get a marker at every point.
      if dots.count <= 40 {
        for point in dots {
          let p = point.split(separator: ",")
          svg += "<circle cx=\"\(p[0])\" cy=\"\(p[1])\" r=\"2.5\" fill=\"\(color)\"/>\n"
        }
      }
      // An × where the run diverged: at its last finite point, and at the top edge for each
      // x given in `diverged` (a grid cell that has no finite value to draw).
      if s.diverged.isEmpty, let k = Self.divergencePoint(s), finite(s.x[k], logX), finite(s.y[k], yLog) {
        crosses += cross(px(s.x[k]), pyOn(s.axis, s.y[k]), color)
      }
      for x in s.diverged where finite(x, logX) && x >= x0 && x <= x1 {
        crosses += cross(px(x), top + 9, color)
      }
    }
    svg += "</g>\n<defs><clipPath id=\"\(clipID)\"><rect x=\"\(f(left - 6))\" y=\"\(f(top - 6))\" width=\"\(f(plotW + 12))\" height=\"\(f(plotH + 12))\"/></clipPath></defs>\n"
    svg += crosses + pointSVG + overlay
    // Axis labels, shrunk to fit their side of the plot.
    let (xText, xSize) = Self.fit(xLabel, room: plotW, size: 12)
    svg += "<text x=\"\(f(left + plotW / 2))\" y=\"\(f(top + plotH + 34))\" text-anchor=\"middle\" font-size=\"\(f(xSize))\">\(escape(xText))</text>\n"
    boxes.append(.text(xText, x: left + plotW / 2, baseline: top + plotH + 34, size: xSize, anchor: "middle"))
    let (yText, ySize) = Self.fit(yLabel, room: plotH, size: 12)
    svg += "<text transform=\"translate(16 \(f(top + plotH / 2))) rotate(-90)\" text-anchor=\"middle\" font-size=\"\(f(ySize))\">\(escape(yText))</text>\n"
    let yw = TextMetrics.width(yText, size: ySize)
    boxes.append(Box(x: 16 - ySize * 0.78, y: top + plotH / 2 - yw / 2, width: ySize, height: yw))
    // Legend, in rows laid out by the entries' widths.
    let legend = Self.legendSVG(entries, rows, top: top + plotH + 50)
    svg += legend.svg + "</svg>\n"
    boxes += legend.boxes
    return (svg, boxes)
  }

  /// An × (a diverged run) centred on (`x`, `y`).
  static func cross(_ x: Double, _ y: Double, _ color: String) -> String {
    "<path d=\"M\(f(x - 5)) \(f(y - 5))L\(f(x + 5)) \(f(y + 5))M\(f(x - 5)) \(f(y + 5))L\(f(x + 5)) \(f(y - 5))\" stroke=\"\(color)\" stroke-width=\"2.4\" fill=\"none\"/>\n"
  }

  /// The legend's entries at `places` (from ``legendRows(_:left:right:)``), rows 18 px apart
  /// from baseline `top`: a line in the series' style, or the × key; and their text boxes.
  static func legendSVG(_ entries: [(name: String, color: String?, dash: String)], _ places: [(x: Double, row: Int)],
                        top: Double) -> (svg: String, boxes: [Box]) {
    var svg = ""
    var boxes: [Box] = []
    for (entry, place) in zip(entries, places) {
      let ly = top + Double(place.row) * 18
      if let color = entry.color {
        svg += "<line x1=\"\(f(place.x))\" x2=\"\(f(place.x + 26))\" y1=\"\(f(ly - 4))\" y2=\"\(f(ly - 4))\" stroke=\"\(color)\" stroke-width=\"2\"\(entry.dash.isEmpty ? "" : " stroke-dasharray=\"\(entry.dash)\"")/>\n"
      } else {
        svg += cross(place.x + 13, ly - 4, "#444")
      }
      svg += "<text x=\"\(f(place.x + 32))\" y=\"\(f(ly))\">\(escape(entry.name))</text>\n"
      boxes.append(.text(entry.name, x: place.x + 32, baseline: ly, size: 12))
    }
    return (svg, boxes)
  }

  func f(_ x: Double) -> String { Self.f(x) }

  /// A coordinate to one decimal, without a trailing ".0".
  static func f(_ x: Double) -> String {
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
