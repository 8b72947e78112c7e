/// `mlx.optimizers` schedules (`schedulers.py`) in float32 with MLX's operation order; Python
/// scalars combined before they meet the step are computed in double, as Python does.
/// `join_schedules` is a ``JoinedSchedule`` of these.
enum MLXSchedule: LearningRateSchedule {
  case exponential(initial: Float, rate: Float)
  case step(initial: Float, rate: Float, size: Int)
  /// `end + 0.5 · (1 + cos(scale · min(step, steps))) · range`, with the float32 constants
  /// `scale = π / steps`, `end` and `range = init − end` rounded once, where the schedule is
  /// built (the same numbers MLX's Python scalars round to at every call).
  case cosineDecay(scale: Float, steps: Int, end: Float, range: Float)
  /// `min(step, steps) · slope + initial`, `slope = (end − init) / steps` rounded once.
  case linearRamp(slope: Float, initial: Float, steps: Int)

  /// `cosine_decay(init, decay_steps, end)`.
  static func cosine(initial: Double, steps: Int, end: Double) -> MLXSchedule {
    .cosineDecay(scale: Float(Double.pi / Double(steps)), steps: steps, end: Float(end), range: Float(initial - end))
  }

  /// `linear_schedule(init, end, steps)`.
  static func linear(initial: Double, end: Double, steps: Int) -> MLXSchedule {
    .linearRamp(slope: Float((end - initial) / Double(steps)), initial: Float(initial), steps: steps)
  }

  func value(at step: Int) -> Float {
    switch self {
    case .exponential(let initial, let rate):
      return initial * Float.pow(rate, Float(integer: step))
    case .step(let initial, let rate, let size):
      return initial * Float.pow(rate, Float(integer: floorDiv(step, size)))
    case .cosineDecay(let scale, let steps, let end, let range):
      let decay = 0.5 * (1.0 + Float.cos(scale * Float(integer: min(step, steps))))
      return end + decay * range
    case .linearRamp(let slope, let initial, let steps):
      return Float(integer: min(step, steps)) * slope + initial
    }
  }
}
