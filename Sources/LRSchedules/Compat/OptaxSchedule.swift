/// optax's schedule functions (`optax/schedules/_schedule.py`, `_join.py`) with optax's own
/// operation order, in JAX's arithmetic for the chosen precision: `Float` is JAX's default
/// (x64 off), `Double` is `jax_enable_x64`. Python numbers (the arguments) are combined in
/// double precision first, as Python does, and rounded to the array type where they meet the
/// count (JAX's weak typing); the count is an integer array, as in optax's optimizer state.
/// The value is what the optimizer applies: `jnp.asarray(schedule(count), S)`.
/// `join_schedules` (and the functions built on it) is a ``JoinedSchedule`` of these.
enum OptaxSchedule<S: ScheduleScalar>: LearningRateSchedule {
  case constant(Double)
  case polynomial(initial: Double, end: Double, power: Double, steps: Int, begin: Int)
  case piecewiseConstant(initial: Double, boundaries: [(Int, Double)])
  case exponential(initial: Double, steps: Int, rate: Double, begin: Int, staircase: Bool,
                   end: Double?)
  case cosineDecay(initial: Double, steps: Int, alpha: Double, exponent: Double)
  case piecewiseInterpolate(cosine: Bool, bounds: [Int], values: [S])

  /// `jnp.pi` in the array type: π rounded to nearest.
  static var pi: S { S(Double.pi) }

  @_specialize(where S == Float)
  @_specialize(where S == Double)
  @inline(__always) func value(at count: Int) -> S {
    switch self {
    case .constant(let v):
      return S(v)
    case .polynomial(let initial, let end, let power, let steps, let begin):
      if steps <= 0 { return S(initial) }
      let c = min(max(count.saturatingSubtract(max(begin, 0)), 0), steps)
      let frac = 1 - S(integer: c) / S(integer: steps)
      // pow(x, 1) is x exactly (every float32 in [0, 1] checked against glibc's powf; pow is
      // correctly rounded), so the common power 1 skips the call.
      return S(initial - end) * (power == 1 ? frac : S.pow(frac, S(power))) + S(end)
    case .piecewiseConstant(let initial, let boundaries):
      var v = S(initial)
      for (threshold, scale) in boundaries {
        let indicator: S = threshold > count ? 1 : 0  // optax: sign(threshold − count)
        v = v * indicator + (1 - indicator) * S(scale) * v
      }
      return v
    case .exponential(let initial, let steps, let rate, let begin, let staircase, let end):
      if steps <= 0 || rate == 0 { return S(initial) }
      let decreased = count.saturatingSubtract(max(begin, 0))
      var p = S(integer: decreased) / S(integer: steps)
      if staircase { p = p.rounded(.down) }
      var v = decreased <= 0 ? S(initial) : S(initial) * S.pow(S(rate), p)
      if let end { v = rate < 1.0 ? max(v, S(end)) : min(v, S(end)) }
      return v
    case .cosineDecay(let initial, let steps, let alpha, let exponent):
      let c = min(S(integer: count), S(integer: steps))
      let cosine = S(0.5) * (1 + S.cos(Self.pi * c / S(integer: steps)))
      let decayed = S(1 - alpha) * (exponent == 1 ? cosine : S.pow(cosine, S(exponent))) + S(alpha)
      return S(initial) * decayed
    case .piecewiseInterpolate(let cosine, let bounds, let values):
      // optax: indicator · interpolated + (bounds[-1] <= count) · values[-1], with
      // indicator[i] = bounds[i] <= count < bounds[i + 1]. The pieces are disjoint and none
      // holds a count at or past the last bound, so at most one term is not zero: the value is
      // 0 + that term (0 + −0 is +0, as the sum gives). bounds[1...] is sorted, so the piece is
      // the number of those bounds the count has reached, counted without a branch per piece
      // (at random steps the scan's branches were mispredicted); only bounds[0] may lie above
      // bounds[1] (a negative boundary), which leaves piece 0 empty.
      let last = bounds.count - 1
      if bounds[last] <= count { return 0 + values[last] }
      var i = 0
      for j in 1..<bounds.count { i &+= bounds[j] <= count ? 1 : 0 }
      if i == 0 && count < bounds[0] { return 0 }
      let size = max(bounds[i + 1].saturatingSubtract(bounds[i]), 1)
      let pct = S(integer: count.saturatingSubtract(bounds[i])) / S(integer: size)
      let (s, e) = (values[i], values[i + 1])
      return 0 + (cosine ? e + (s - e) / 2 * (S.cos(Self.pi * pct) + 1) : (e - s) * pct + s)
    }
  }

  /// `piecewise_interpolate_schedule(type, init, boundaries_and_scales)`: sorted boundaries,
  /// the cumulative product of `init` and the scales (in the array type) as the knot values.
  static func interpolate(cosine: Bool, initial: Double, scales: [(Int, Double)]) -> OptaxSchedule {
    let sorted = scales.sorted { $0.0 < $1.0 }
    var values = [S(initial)]
    for (_, s) in sorted { values.append(values[values.count - 1] * S(s)) }
    return .piecewiseInterpolate(cosine: cosine, bounds: [0] + sorted.map(\.0), values: values)
  }
}
