/// `mlx.optimizers` schedules (`schedulers.py`) in float32 with MLX's operation order; Python
/// scalars combined before they meet the step are computed in double, as Python does.
indirect enum MLXSchedule: LearningRateSchedule {
  case exponential(initial: Float, rate: Float)
  case step(initial: Float, rate: Float, size: Int)
  case cosine(initial: Double, steps: Int, end: Double)
  case linear(initial: Double, end: Double, steps: Int)
  case join(schedules: [MLXSchedule], boundaries: [Int])

  func value(at step: Int) -> Float {
    switch self {
    case .exponential(let initial, let rate):
      return initial * Float.pow(rate, Float(step))
    case .step(let initial, let rate, let size):
      return initial * Float.pow(rate, Float(floorDiv(step, size)))
    case .cosine(let initial, let steps, let end):
      let s = Float(min(step, steps))
      let decay = 0.5 * (1.0 + Float.cos(Float(Double.pi / Double(steps)) * s))
      return Float(end) + decay * Float(initial - end)
    case .linear(let initial, let end, let steps):
      let s = Float(min(step, steps))
      return s * Float((end - initial) / Double(steps)) + Float(initial)
    case .join(let schedules, let boundaries):
      // MLX evaluates every child whose boundary has passed and keeps the last; the children
      // are pure, so only that one is computed (the same number).
      var chosen = 0
      var offset = 0
      for (i, b) in boundaries.prefix(schedules.count - 1).enumerated() where step >= b {
        chosen = i + 1
        offset = b
      }
      return schedules[chosen].value(at: step - offset)
    }
  }
}
