/// Exponential decay, continuous or staircase, with an optional start step and floor.
///
/// ```
/// d = k − begin
/// p = d / period              (⌊d / period⌋ when staircase)
/// lr(k) = lr                  if d ≤ 0
///       = clip(lr · rate^p)   otherwise; clipped below by `bound` when rate < 1, above when rate > 1
/// ```
/// Mirrors `optax.exponential_decay`, `keras.optimizers.schedules.ExponentialDecay`,
/// `torch.optim.lr_scheduler.ExponentialLR` (`period = 1`) and `mlx.optimizers.exponential_decay`.
public struct ExponentialDecay<Scalar: ScheduleScalar>: LearningRateSchedule {
  /// The learning rate until `begin`.
  public var lr: Scalar
  /// The factor per `period` steps.
  public var rate: Scalar
  /// Steps per application of `rate`; positive.
  public var period: Scalar
  /// The step at which the decay starts.
  public var begin: Int
  /// Whether the exponent is floored to an integer.
  public var staircase: Bool
  /// A floor (rate < 1) or ceiling (rate > 1) for the learning rate, if any.
  public var bound: Scalar?

  /// An exponential decay.
  public init(lr: Scalar, rate: Scalar, period: Scalar = 1, begin: Int = 0,
              staircase: Bool = false, bound: Scalar? = nil) {
    self.lr = lr
    self.rate = rate
    self.period = period
    self.begin = begin
    self.staircase = staircase
    self.bound = bound
  }

  /// The learning rate used by update `step`.
  @_specialize(where Scalar == Double)
  @_specialize(where Scalar == Float)
  @inline(__always) @inlinable public func value(at step: Int) -> Scalar {
    let d = step.saturatingSubtract(begin)
    if d <= 0 { return lr }
    var p = Scalar(integer: d) / period
    if staircase { p = p.rounded(.down) }
    let v = lr * Scalar.pow(rate, p)
    guard let bound else { return v }
    return rate < 1 ? max(v, bound) : min(v, bound)
  }
}
