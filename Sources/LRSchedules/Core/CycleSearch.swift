/// A sorted table of cycle starts with a direct index beside it: the cycle search of the restart
/// schedules (native `restarts`, PyTorch's `CosineAnnealingWarmRestarts`, timm's and Keras'
/// cycle tables) in a few loads and no unpredictable branch.
///
/// ```
/// answer(x) = the last i with starts[i] ≤ x                  (x ≥ starts[0])
/// key(x)    = max(0, bits(min(x, last)) >> (52 − M) − bits(1.0) >> (52 − M))   (≤ the last key)
/// i = first[key(x)];  i += (next[i] ≤ x);  while next[i] ≤ x { i += 1 }
/// ```
/// A key is the top `M` mantissa bits and the exponent of `x`: 2^M buckets per octave.
/// `first[b]` is the answer at the smallest `x` of bucket `b`, so it is never past the answer,
/// and the steps after it make the result exact. `M` is the smallest in 0…6 for which no bucket
/// holds more than one start above its smallest `x`; then the loop never runs, and the one
/// step is a compare and an add. At random steps the binary search it replaces
/// (``lastIndex(notAbove:in:)``, which the tests compare it with) mispredicted its last
/// few branches at every call.
@usableFromInline struct CycleSearch: Sendable {
  /// `next[i] = starts[i + 1]`, and +∞ after the last start.
  @usableFromInline let next: [Double]
  /// The answer at the smallest `x` of each bucket.
  @usableFromInline let first: [Int32]
  /// `52 − M`.
  @usableFromInline let shift: Int64
  /// `bits(1.0) >> shift`: the key of 1.
  @usableFromInline let base: Int
  /// The last start: above it the answer no longer changes.
  @usableFromInline let last: Double

  /// Indexes `starts`: ascending (repeats allowed), finite, at most `Int32.max` of them.
  init(starts: [Double]) {
    precondition(!starts.isEmpty && starts.count < Int(Int32.max), "CycleSearch needs 1…2³¹ − 2 starts")
    next = Array(starts.dropFirst()) + [.infinity]
    last = starts[starts.count - 1]
    // The answer at x, 0 below the first start (the smallest x of bucket 0 is −∞).
    func answer(_ x: Double) -> Int { x < starts[0] ? 0 : lastIndex(notAbove: x, in: starts) }
    var chosen: (shift: Int64, base: Int, first: [Int32])?
    for m in 0...6 {
      let shift = Int64(52 - m)
      let base = Int((1.0).bitPattern >> shift)
      let keys = max(0, Int(Int64(bitPattern: last.bitPattern) >> shift) - base) + 1
      // The smallest x of bucket b ≥ 1 is the double whose top bits are (b + base).
      let lowest: (Int) -> Double = { b in
        b == 0 ? -Double.infinity : Double(bitPattern: UInt64(b + base) << shift)
      }
      var first = [Int32](repeating: 0, count: keys)
      var single = true
      for b in 0..<keys {
        let i = answer(lowest(b))
        first[b] = Int32(i)
        if b + 1 < keys {
          let top = answer(lowest(b + 1).nextDown)
          if top - i > 1 { single = false }
        }
      }
      chosen = (shift, base, first)
      if single { break }
    }
    (shift, base, first) = chosen!
  }

  /// The integer starts an ``init(starts:)-([Int])`` table was built from (else empty).
  @usableFromInline var integers: [Int] = []

  /// Indexes integer starts: ascending (repeats allowed).
  init(starts: [Int]) {
    self.init(starts: starts.map(Double.init))
    integers = starts
  }

  /// The last index `i` with `starts[i] ≤ k` in an integer table; `k ≥ starts[0]`.
  ///
  /// Below 2⁵³ every comparison in `Double` is exact (a start past 2⁵³ rounds to at least 2⁵³,
  /// still above `k`); from there on it is the binary search on the integers.
  @inlinable @inline(__always)
  func index(notAbove k: Int) -> Int {
    if k < 1 << 53 { return index(notAbove: Double(integer: k)) }
    return lastIndex(notAbove: k, in: integers)
  }

  /// The last index `i` with `starts[i] ≤ x`; `x` is not below `starts[0]` and not NaN.
  @inlinable @inline(__always)
  func index(notAbove x: Double) -> Int {
    let q = min(x, last)
    // An arithmetic shift, so that a negative x (−0 included) gets a negative key, and 0.
    let key = min(max(0, Int(Int64(bitPattern: q.bitPattern) &>> shift) &- base), first.count - 1)
    return next.withUnsafeBufferPointer { next in
      var i = first.withUnsafeBufferPointer { Int($0[key]) }
      i &+= next[i] <= q ? 1 : 0
      while next[i] <= q { i &+= 1 }
      return i
    }
  }
}
