/// optax's schedule functions (`optax/schedules/_schedule.py`, `_join.py`) with optax's own
/// operation order, evaluated in float64 as optax does with `jax_enable_x64`.
indirect enum OptaxSchedule: LearningRateSchedule {
  case constant(Double)
  case polynomial(initial: Double, end: Double, power: Double, steps: Int, begin: Int)
  case piecewiseConstant(initial: Double, boundaries: [(Int, Double)])
  case exponential(initial: Double, steps: Int, rate: Double, begin: Int, staircase: Bool,
                   end: Double?)
  case cosineDecay(initial: Double, steps: Int, alpha: Double, exponent: Double)
  case piecewiseInterpolate(cosine: Bool, bounds: [Int], values: [Double])
  case join(schedules: [OptaxSchedule], boundaries: [Int])

  func value(at count: Int) -> Double {
    switch self {
    case .constant(let v):
      return v
    case .polynomial(let initial, let end, let power, let steps, let begin):
      if steps <= 0 { return initial }
      let c = min(max(count - max(begin, 0), 0), steps)
      let frac = 1 - Double(c) / Double(steps)
      return (initial - end) * Double.pow(frac, power) + end
    case .piecewiseConstant(let initial, let boundaries):
      var v = initial
      for (threshold, scale) in boundaries {
        let indicator: Double = threshold - count > 0 ? 1 : 0
        v = v * indicator + (1 - indicator) * scale * v
      }
      return v
    case .exponential(let initial, let steps, let rate, let begin, let staircase, let end):
      if steps <= 0 || rate == 0 { return initial }
      let decreased = count - max(begin, 0)
      var p = Double(decreased) / Double(steps)
      if staircase { p = p.rounded(.down) }
      var v = decreased <= 0 ? initial : initial * Double.pow(rate, p)
      if let end { v = rate < 1.0 ? max(v, end) : min(v, end) }
      return v
    case .cosineDecay(let initial, let steps, let alpha, let exponent):
      let c = min(Double(count), Double(steps))
      let cosine = 0.5 * (1 + Double.cos(Double.pi * c / Double(steps)))
      let decayed = (1 - alpha) * Double.pow(cosine, exponent) + alpha
      return initial * decayed
    case .piecewiseInterpolate(let cosine, let bounds, let values):
      var out = 0.0
      for i in 0..<(bounds.count - 1) where bounds[i] <= count && count < bounds[i + 1] {
        let size = max(bounds[i + 1] - bounds[i], 1)
        let pct = Double(count - bounds[i]) / Double(size)
        let (s, e) = (values[i], values[i + 1])
        out += cosine ? e + (s - e) / 2.0 * (Double.cos(Double.pi * pct) + 1) : (e - s) * pct + s
      }
      if bounds[bounds.count - 1] <= count { out += values[values.count - 1] }
      return out
    case .join(let schedules, let boundaries):
      var out = schedules[0].value(at: count)
      for (b, s) in zip(boundaries, schedules.dropFirst()) where count >= b {
        out = s.value(at: count - b)
      }
      return out
    }
  }

  /// `piecewise_interpolate_schedule(type, init, boundaries_and_scales)`: sorted boundaries,
  /// cumulative products of the scales as the knot values.
  static func interpolate(cosine: Bool, initial: Double, scales: [(Int, Double)]) -> OptaxSchedule {
    let sorted = scales.sorted { $0.0 < $1.0 }
    var values = [initial]
    for (_, s) in sorted { values.append(values[values.count - 1] * s) }
    return .piecewiseInterpolate(cosine: cosine, bounds: [0] + sorted.map(\.0), values: values)
  }
}
