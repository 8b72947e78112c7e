/// Tick positions and labels for chart axes.
public enum Ticks {
  /// About `count` "nice" ticks (1, 2, 2.5, 5 × 10ⁿ) covering `lower...upper`.
  ///
  /// ```
  /// step = nice((upper − lower) / count);  ticks = k · step for ⌈lower/step⌉ ≤ k ≤ ⌊upper/step⌋
  /// ```
  public static func linear(_ lower: Double, _ upper: Double, count: Int = 5) -> [Double] {
    guard lower.isFinite, upper.isFinite, upper > lower, count > 0 else {
      return lower.isFinite ? [lower] : []
    }
    let raw = (upper - lower) / Double(count)
    let magnitude = pow10(floorLog10(raw))
    let fraction = raw / magnitude
    let nice: Double = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 2.5 ? 2.5 : fraction <= 5 ? 5 : 10
    let step = nice * magnitude
    let first = (lower / step).rounded(.up)
    let last = (upper / step).rounded(.down)
    guard last >= first, last - first < 1000 else { return [lower, upper] }
    return stride(from: first, through: last, by: 1).map { $0 * step }
  }

  /// `lower...upper` widened to the nice ticks just outside it (about `count` of them), so that
  /// a linear axis is labelled at both ends of its data.
  public static func extendedToTicks(_ lower: Double, _ upper: Double, count: Int = 5) -> (Double, Double) {
    var (lo, hi) = (lower, upper)
    let ticks = linear(lo, hi, count: count)
    if ticks.count >= 2 {
      let step = ticks[1] - ticks[0]
      if let last = ticks.last, last < hi { hi = last + step }
      if let first = ticks.first, first > lo { lo = first - step }
    }
    return (lo, hi)
  }

  /// Ticks for a log axis covering `lower...upper` (both positive): powers of ten, thinned to at
  /// most `count + 1`; over less than two decades also 2 and 5 × 10ⁿ, then every digit × 10ⁿ,
  /// so that a narrow range still gets at least three labelled ticks (matplotlib's LogLocator
  /// with subs).
  public static func logarithmic(_ lower: Double, _ upper: Double, count: Int = 6) -> [Double] {
    guard lower > 0, upper > lower else { return lower > 0 ? [lower] : [] }
    // The powers of ten inside the range: 10^a … 10^b.
    var a = Int(floorLog10(lower))
    if pow10(Double(a)) < lower * (1 - 1e-12) { a += 1 }
    let b = Int(floorLog10(upper))
    if b - a >= 2 {
      let every = max(1, (b - a + count) / max(count, 1))
      return stride(from: a, through: b, by: every).map { pow10(Double($0)) }
    }
    let lo = Int(floorLog10(lower))
    for subs in [[1.0, 2, 5], [1.0, 2, 3, 4, 5, 6, 7, 8, 9]] {
      var ticks: [Double] = []
      for e in lo...b {
        for m in subs {
          let t = Double(label(m * pow10(Double(e)))) ?? m * pow10(Double(e))
          if t >= lower * (1 - 1e-12) && t <= upper * (1 + 1e-12) { ticks.append(t) }
        }
      }
      if ticks.count >= 3 { return ticks }
    }
    return linear(lower, upper, count: 3)
  }

  /// A short label: up to 3 significant digits, exponent form for very small or large values.
  public static func label(_ x: Double) -> String {
    if x == 0 { return "0" }
    guard x.isFinite else { return x.isNaN ? "nan" : x > 0 ? "inf" : "-inf" }
    let a = abs(x)
    if a >= 1e-3 && a < 1e5 { return fixedLabel(x) }
    let e = Int(floorLog10(a))
    // The mantissa x / 10^e; below ~1e-290 both are scaled up first, so that 10^e (a product of
    // tens) does not underflow to 0.
    let shift = e < -290 ? 30 : 0
    var m = fixed((x * pow10(Double(shift))) / pow10(Double(e + shift)), digits: 2)
    while m.hasSuffix("0") { m.removeLast() }
    if m.hasSuffix(".") { m.removeLast() }
    if m == "10" || m == "-10" {
      // x rounds up to the next power of ten. That power is labelled directly, not through
      // `label` again: 10^(e+1) built from repeated products can sit just below itself, where
      // the recursion would find the same e forever.
      let p = pow10(Double(e + 1))
      if p >= 1e-3 && p < 1e5 { return fixedLabel(x < 0 ? -p : p) }
      return "\(x < 0 ? "-" : "")1e\(e + 1)"
    }
    return "\(m)e\(e)"
  }

  /// `x` (with 1e-3 ≤ |x| < 1e5) to 3 significant digits, trailing zeros dropped.
  static func fixedLabel(_ x: Double) -> String {
    var s = fixed(x, digits: max(0, 2 - Int(floorLog10(abs(x)))))
    if s.contains(".") {
      while s.hasSuffix("0") { s.removeLast() }
      if s.hasSuffix(".") { s.removeLast() }
    }
    return s
  }

  /// `x` with exactly `digits` digits after the point, rounded half away from zero.
  static func fixed(_ x: Double, digits: Int) -> String {
    let scale = pow10(Double(digits))
    let scaled = (abs(x) * scale).rounded()
    guard scaled < 9e15 else { return "\(x)" }
    var whole = String(Int(scaled))
    if digits > 0 {
      while whole.count <= digits { whole = "0" + whole }
      whole.insert(".", at: whole.index(whole.endIndex, offsetBy: -digits))
    }
    return (x < 0 && scaled != 0 ? "-" : "") + whole
  }

  static func floorLog10(_ x: Double) -> Double {
    var e = 0.0
    var v = x
    if v <= 0 || !v.isFinite { return 0 }
    while v >= 10 { v /= 10; e += 1 }
    while v < 1 { v *= 10; e -= 1 }
    return e
  }

  static func pow10(_ e: Double) -> Double {
    var r = 1.0
    let n = Int(abs(e))
    for _ in 0..<n { r *= 10 }
    return e < 0 ? 1 / r : r
  }
}
