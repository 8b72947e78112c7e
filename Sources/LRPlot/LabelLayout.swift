/// A rectangle on the canvas (a text's box, a plot area).
public struct Box: Sendable, Equatable {
  /// Left, top, width and height in pixels.
  public var x: Double, y: Double, width: Double, height: Double

  /// A box.
  public init(x: Double, y: Double, width: Double, height: Double) {
    self.x = x
    self.y = y
    self.width = width
    self.height = height
  }

  /// The box of a text line whose baseline starts at (`x`, `baseline`), anchored like SVG's
  /// `text-anchor` (`start`, `middle` or `end`).
  public static func text(_ s: String, x: Double, baseline: Double, size: Double, anchor: String = "start",
                          bold: Bool = false) -> Box {
    let w = TextMetrics.width(s, size: size, bold: bold)
    let left = anchor == "middle" ? x - w / 2 : anchor == "end" ? x - w : x
    // Ascent ≈ 0.75 em above the baseline, descent ≈ 0.22 em below it.
    return Box(x: left, y: baseline - size * 0.78, width: w, height: size * 1.0)
  }

  /// Whether the two boxes share area (touching edges do not count).
  public func overlaps(_ o: Box) -> Bool {
    x < o.x + o.width && o.x < x + width && y < o.y + o.height && o.y < y + height
  }

  /// Whether `o` lies inside this box.
  public func contains(_ o: Box) -> Bool {
    o.x >= x - 0.5 && o.y >= y - 0.5 && o.x + o.width <= x + width + 0.5 && o.y + o.height <= y + height + 0.5
  }

  /// The box grown by `d` on every side.
  public func inset(by d: Double) -> Box { Box(x: x - d, y: y - d, width: width + 2 * d, height: height + 2 * d) }
}

/// Places labels so that none overlaps another: each label tries its candidate positions in
/// order and takes the first that is free and inside the bounds.
struct LabelLayout {
  /// Where labels may go.
  var bounds: Box
  /// Boxes already taken.
  private(set) var taken: [Box] = []

  init(bounds: Box) { self.bounds = bounds }

  /// Marks a box as taken (a tick label, the title).
  mutating func reserve(_ b: Box) { taken.append(b) }

  /// Whether `b` is free and inside the bounds.
  func fits(_ b: Box) -> Bool { bounds.contains(b) && !taken.contains { $0.overlaps(b.inset(by: 1)) } }

  /// The first candidate that fits, taken; nil when none does.
  mutating func place(_ candidates: [Box]) -> Box? {
    guard let b = candidates.first(where: fits) else { return nil }
    taken.append(b)
    return b
  }
}
