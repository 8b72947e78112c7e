/// fastai's `combined_cos(pct, start, middle, end)` at position `k / total_steps`: positions
/// and phase fractions in float32 (`combine_scheds` keeps its cut points in a float32 tensor),
/// the cosine itself (`SchedCos`) in float64.
struct FastaiCombinedCos: LearningRateSchedule {
  let total: Int
  let pct: Double
  let start: Double
  let middle: Double
  let end: Double

  func value(at step: Int) -> Double {
    let pos = Float(Double(integer: step) / Double(integer: total))
    // The cut points [0, pct, pct + (1 − pct)] as scalars (an array here was allocated at every
    // evaluation). fastai takes the last cut at or below `pos`, and the third phase does not
    // exist: any cut past the first means the second phase.
    let cut1 = Float(pct), cut2 = Float(pct) + Float(1 - pct)
    let second = pos >= cut1 || pos >= cut2
    let actual = second ? Double((pos - cut1) / (cut2 - cut1)) : Double((pos - 0) / (cut1 - 0))
    let (s, e) = second ? (middle, end) : (start, middle)
    return s + (1 + Double.cos(Double.pi * (1 - actual))) * (e - s) / 2
  }
}
