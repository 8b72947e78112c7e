/// Hyperbolic-tangent decay from `lr` to `floor` over `steps`.
///
/// ```
/// r = min(k, T) / T
/// lr(k) = floor + ½ (lr − floor) · (1 − tanh(lower · (1 − r) + upper · r))
/// ```
/// With the defaults `lower = −7`, `upper = 3` the value at `k = 0` is 0.9999992 · lr, as in
/// timm's `TanhLRScheduler` (Hsueh et al. 2019).
public struct TanhDecay<Scalar: ScheduleScalar>: LearningRateSchedule {
  /// The nominal starting learning rate.
  public var lr: Scalar
  /// The learning rate approached at the end.
  public var floor: Scalar
  /// Decay steps T; positive.
  public var steps: Int
  /// The tanh argument at the start.
  public var lower: Scalar
  /// The tanh argument at the end.
  public var upper: Scalar

  /// A tanh decay.
  public init(lr: Scalar, floor: Scalar = 0, steps: Int, lower: Scalar = -7, upper: Scalar = 3) {
    self.lr = lr
    self.floor = floor
    self.steps = max(steps, 1)
    self.lower = lower
    self.upper = upper
  }

  /// The learning rate used by update `step`.
  @_specialize(where Scalar == Double)
  @_specialize(where Scalar == Float)
  @inline(__always) @inlinable public func value(at step: Int) -> Scalar {
    let r = Scalar(integer: min(max(step, 0), steps)) / Scalar(integer: steps)
    return floor + 0.5 * (lr - floor) * (1 - Scalar.tanh(lower * (1 - r) + upper * r))
  }
}
