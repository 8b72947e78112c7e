extension Int {
  /// `self − other`, held at `Int.min`/`Int.max` instead of overflowing.
  ///
  /// A schedule may be asked for any step, `Int.min` and `Int.max` included; offsets such as
  /// `step − begin` saturate there (every peer clamps such a difference to its range anyway)
  /// instead of trapping.
  @inlinable @inline(__always)
  func saturatingSubtract(_ other: Int) -> Int {
    let (difference, overflow) = subtractingReportingOverflow(other)
    return overflow ? (other > 0 ? .min : .max) : difference
  }

  /// `self + other`, held at `Int.min`/`Int.max` instead of overflowing.
  @inlinable @inline(__always)
  func saturatingAdd(_ other: Int) -> Int {
    let (sum, overflow) = addingReportingOverflow(other)
    return overflow ? (other > 0 ? .max : .min) : sum
  }
}
