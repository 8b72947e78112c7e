#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The natural logarithm, from libm.
@inline(__always) func naturalLog(_ x: Double) -> Double { log(x) }

/// The largest step magnitude a log may carry: 2⁵³, past which doubles no longer hold every
/// integer. A step beyond it (a corrupted cell, a mis-keyed column) is not read as a step, so
/// that arithmetic on the steps that are read cannot overflow.
let maxLogStep = 1 << 53

/// `x` as a step read from a log: nil unless it is finite and within ±2⁵³.
func logStep(_ x: Double) -> Int? {
  x.isFinite && abs(x) <= Double(maxLogStep) ? Int(x) : nil
}

/// `x` rounded toward zero and clamped to ±2⁵³ (NaN as 0): for counts and lengths derived from
/// a log's values, which a corrupted log can make huge or non-finite.
func clampedInt(_ x: Double) -> Int {
  if x.isNaN { return 0 }
  return Int(min(max(x, -Double(maxLogStep)), Double(maxLogStep)))
}
