/// A type-erased schedule, so that decoded schedules of any family compose with the generic
/// combinators (`Warmup<AnySchedule<Double>>`, …).
public struct AnySchedule<Scalar: ScheduleScalar>: LearningRateSchedule {
  /// The wrapped schedule.
  public let base: any LearningRateSchedule<Scalar>

  /// Erases the type of `base`.
  public init(_ base: any LearningRateSchedule<Scalar>) {
    if let already = base as? AnySchedule<Scalar> {
      self = already
    } else {
      self.base = base
    }
  }

  /// The learning rate used by update `step`.
  @inlinable public func value(at step: Int) -> Scalar { base.value(at: step) }

  /// Bulk evaluation through the wrapped schedule's bulk path.
  @inlinable public func fill(_ buffer: UnsafeMutableBufferPointer<Scalar>, from start: Int) {
    base.fill(buffer, from: start)
  }
}
