/// The product of schedules: each factor multiplies the learning rate.
///
/// ```
/// lr(k) = Π schedules[i](k)
/// ```
/// With factors written relative to 1 (e.g. `Scaled`), this is PyTorch's
/// `ChainedScheduler` of multiplicative schedulers.
public struct ProductSchedule<Scalar: ScheduleScalar>: LearningRateSchedule {
  /// The factors.
  public let schedules: [any LearningRateSchedule<Scalar>]

  /// The product of `schedules`.
  public init(_ schedules: [any LearningRateSchedule<Scalar>]) { self.schedules = schedules }

  /// The learning rate used by update `step`.
  @_specialize(where Scalar == Double)
  @_specialize(where Scalar == Float)
  @inline(__always) public func value(at step: Int) -> Scalar {
    var v: Scalar = 1
    for s in schedules { v *= s.value(at: step) }
    return v
  }
}
