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
    let cuts: [Float] = [0, Float(pct), Float(pct) + Float(1 - pct)]
    var idx = 0
    for i in cuts.indices where pos >= cuts[i] { idx = i }
    idx = min(idx, 1)
    let actual = Double((pos - cuts[idx]) / (cuts[idx + 1] - cuts[idx]))
    let (s, e) = idx == 0 ? (start, middle) : (middle, end)
    return s + (1 + Double.cos(Double.pi * (1 - actual))) * (e - s) / 2
  }
}
