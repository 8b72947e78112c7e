/// Small multiples: a grid of panels on shared axes with one legend, in one SVG (the way
/// matplotlib's `subplots(sharex=True, sharey=True)` figures are read).
///
/// Every panel keeps its own title; the y range (and the x range, when ``sharedX``) is the union
/// of the panels' data, so heights compare across panels. Series are styled by their position,
/// so give every panel the same series in the same order.
public struct SmallMultiples: Sendable {
  /// The panels, row by row.
  public var panels: [SVGChart]
  /// Panels per row.
  public var columns: Int
  /// The figure's title.
  public var title: String
  /// Size of one panel in pixels.
  public var panelWidth = 300, panelHeight = 230
  /// Whether the panels share the x range too.
  public var sharedX = true
  /// Whether the panels share the y range (off for panels of different quantities, such as a
  /// loss above its learning rate).
  public var sharedY = true
  /// Whether each panel keeps its own height (a tall loss panel over a short lr panel) instead of
  /// ``panelHeight``.
  public var keepsPanelHeights = false

  /// A grid of `panels`, `columns` per row.
  public init(panels: [SVGChart], columns: Int, title: String) {
    self.panels = panels
    self.columns = max(1, columns)
    self.title = title
  }

  /// The shared range of the panels' left-axis values (or x values).
  static func range(_ panels: [SVGChart], x: Bool, log: Bool) -> ClosedRange<Double>? {
    var lo = Double.infinity
    var hi = -Double.infinity
    for p in panels {
      for s in p.series where s.axis == .left {
        let values = x ? s.x : s.y + (s.band.map { $0.lower + $0.upper } ?? [])
        for v in values where v.isFinite && (!log || v > 0) {
          lo = min(lo, v)
          hi = max(hi, v)
        }
      }
      for q in p.points {
        let v = x ? q.x : q.y
        if v.isFinite && (!log || v > 0) { lo = min(lo, v); hi = max(hi, v) }
      }
    }
    return lo < hi ? lo...hi : nil
  }

  /// The panels as they are drawn: shared ranges, no legends of their own, the panel size.
  func preparedPanels() -> [SVGChart] {
    let logY = panels.first?.logY ?? false
    let logX = panels.first?.logX ?? false
    var y = sharedY ? Self.range(panels, x: false, log: logY) : nil
    // A linear shared range starts at 0 when the data are not far from it and ends on ticks, as
    // a single chart's does.
    if !logY, let r = y {
      let lo = r.lowerBound > 0 && r.lowerBound < 0.35 * r.upperBound ? 0 : r.lowerBound
      let (a, b) = Ticks.extendedToTicks(lo, r.upperBound)
      y = a...b
    }
    let x = sharedX ? Self.range(panels, x: true, log: logX) : nil
    return panels.map { p in
      var q = p
      q.showsLegend = false
      q.width = panelWidth
      if !keepsPanelHeights { q.height = panelHeight }
      if q.yRange == nil, let y { q.yRange = y }
      if q.xRange == nil, let x { q.xRange = x }
      return q
    }
  }

  /// The legend entries: the first panel's series (and the × key when any panel has one).
  func legend() -> [(name: String, color: String?, dash: String)] {
    var first = panels.first ?? SVGChart(series: [], title: "", xLabel: "", yLabel: "")
    first.series = panels.max { $0.series.count < $1.series.count }?.series ?? []
    var entries = first.series.count == 1
      ? [(name: first.series[0].name, color: Optional(SVGChart.palette[0]), dash: "")] : first.legendEntries().filter { $0.color != nil }
    if panels.contains(where: { p in p.series.contains { !$0.diverged.isEmpty || SVGChart.divergencePoint($0) != nil } }) {
      entries.append(("diverged", nil, ""))
    }
    return entries
  }

  /// The SVG document.
  public func render() -> String { layout().svg }

  /// The boxes of every text the figure draws (for tests of the layout).
  package func textBoxes() -> [Box] { layout().boxes }

  func layout() -> (svg: String, boxes: [Box]) {
    let prepared = preparedPanels()
    let rowsOfPanels = (prepared.count + columns - 1) / columns
    // Each row as tall as its tallest panel; rowTop[r] is where row r starts.
    var rowTop = [0.0]
    for r in 0..<rowsOfPanels {
      let tallest = prepared[(r * columns)..<min(prepared.count, (r + 1) * columns)].map(\.height).max() ?? panelHeight
      rowTop.append(rowTop[r] + Double(tallest))
    }
    let width = Double(columns * panelWidth)
    let entries = legend().map { e in (name: SVGChart.fit(e.name, room: width - 80, size: 12, minimum: 12).0, color: e.color, dash: e.dash) }
    let places = SVGChart.legendRows(entries.map(\.name), left: 20, right: width - 8)
    let legendRows = entries.isEmpty ? 0 : (places.map(\.row).max() ?? 0) + 1
    let head = 34.0
    let height = head + rowTop[rowsOfPanels] + Double(legendRows) * 18 + 10
    var boxes: [Box] = []
    func f(_ v: Double) -> String { SVGChart.f(v) }
    var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(f(width))\" height=\"\(f(height))\" viewBox=\"0 0 \(f(width)) \(f(height))\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\">\n"
    svg += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
    let (t, size) = SVGChart.fit(title, room: width - 8, size: 15, minimum: 10, bold: true)
    svg += "<text x=\"\(f(width / 2))\" y=\"22\" text-anchor=\"middle\" font-size=\"\(f(size))\" font-weight=\"bold\">\(escape(t))</text>\n"
    boxes.append(.text(t, x: width / 2, baseline: 22, size: size, anchor: "middle", bold: true))
    for (i, p) in prepared.enumerated() {
      let ox = Double((i % columns) * panelWidth)
      let oy = head + rowTop[i / columns]
      let (inner, innerBoxes) = p.layout()
      svg += "<svg x=\"\(f(ox))\" y=\"\(f(oy))\" width=\"\(p.width)\" height=\"\(p.height)\">\n"
      svg += inner.split(separator: "\n", omittingEmptySubsequences: false).dropFirst().joined(separator: "\n")
      boxes += innerBoxes.map { Box(x: $0.x + ox, y: $0.y + oy, width: $0.width, height: $0.height) }
    }
    let legendSVG = SVGChart.legendSVG(entries, places, top: head + rowTop[rowsOfPanels] + 14)
    svg += legendSVG.svg
    boxes += legendSVG.boxes
    svg += "</svg>\n"
    return (svg, boxes)
  }
}
