#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Robust statistics shared by the detectors.
enum Statistics {
  /// The median (NaN for no values).
  static func median(_ x: some Collection<Double>) -> Double {
    guard !x.isEmpty else { return .nan }
    let s = x.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
  }

  /// The median absolute deviation from `center`, scaled by 1.4826 (a standard deviation for
  /// normal data).
  static func spread(_ x: some Collection<Double>, around center: Double) -> Double {
    1.4826 * median(x.map { abs($0 - center) })
  }

  /// The median of each centered window of `width` points (shorter at the ends).
  static func centeredMedian(_ x: [Double], width: Int) -> [Double] {
    let h = width / 2
    return x.indices.map { i in median(x[max(0, i - h)..<min(x.count, i + h + 1)]) }
  }

  /// The least-squares slope of `y` against its index.
  static func slope(_ y: [Double]) -> Double {
    let n = Double(y.count)
    let mx = (n - 1) / 2
    let my = y.reduce(0, +) / n
    var num = 0.0
    var den = 0.0
    for (i, v) in y.enumerated() {
      num += (Double(i) - mx) * (v - my)
      den += (Double(i) - mx) * (Double(i) - mx)
    }
    return den > 0 ? num / den : 0
  }

  /// `log(max(x, 1e-12))`: losses can reach 0.
  static func safeLog(_ x: Double) -> Double { log(max(x, 1e-12)) }
}

extension Statistics {
  /// `e^x`, from libm.
  static func exp(_ x: Double) -> Double {
    #if canImport(Glibc)
      Glibc.exp(x)
    #else
      Darwin.exp(x)
    #endif
  }
}
