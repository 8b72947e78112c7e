/// Text widths for laying out chart labels before any browser sees them.
///
/// The widths are Helvetica's (Adobe's AFM, in thousandths of an em), which Arial and Liberation
/// Sans share, so they hold for the fonts an SVG's `Helvetica, Arial, sans-serif` resolves to.
/// Characters outside ASCII count as a full em (arrows, dashes, Greek), which errs on the wide
/// side; every width is padded by ``slack`` so that a fallback font does not make labels touch.
public enum TextMetrics {
  /// Helvetica advance widths for U+0020 … U+007E.
  static let ascii: [UInt16] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278,  // space … /
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556,  // 0 … ?
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778,  // @ … O
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556,  // P … _
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556,  // ` … o
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,  // p … ~
  ]
  /// The factor every width is multiplied by.
  public static let slack = 1.06

  /// The width in pixels of `text` set at `size` pixels (bold adds 6 %).
  public static func width(_ text: String, size: Double, bold: Bool = false) -> Double {
    var units = 0.0
    for scalar in text.unicodeScalars {
      let v = Int(scalar.value)
      if v >= 0x20 && v <= 0x7E {
        units += Double(ascii[v - 0x20])
      } else if v == 0xA0 || v == 0x2009 || v == 0x202F {
        units += 278
      } else if v >= 0x300 && v <= 0x36F {
        continue  // combining marks take no width
      } else {
        units += 1000
      }
    }
    return units / 1000 * size * slack * (bold ? 1.06 : 1)
  }
}
