/// Inverse-time decay.
///
/// ```
/// p = k / period              (⌊k / period⌋ when staircase)
/// lr(k) = lr / (1 + rate · p)
/// ```
/// Mirrors `keras.optimizers.schedules.InverseTimeDecay`.
public struct InverseTimeDecay<Scalar: ScheduleScalar>: LearningRateSchedule {
  /// The learning rate at step 0.
  public var lr: Scalar
  /// The decay rate per `period`.
  public var rate: Scalar
  /// Steps per unit of decay; positive.
  public var period: Scalar
  /// Whether `p` is floored.
  public var staircase: Bool

  /// An inverse-time decay.
  public init(lr: Scalar, rate: Scalar, period: Scalar = 1, staircase: Bool = false) {
    self.lr = lr
    self.rate = rate
    self.period = period
    self.staircase = staircase
  }

  /// The learning rate used by update `step`.
  @_specialize(where Scalar == Double)
  @_specialize(where Scalar == Float)
  @inline(__always) @inlinable public func value(at step: Int) -> Scalar {
    var p = Scalar(integer: max(step, 0)) / period
    if staircase { p = p.rounded(.down) }
    return lr / (1 + rate * p)
  }
}
