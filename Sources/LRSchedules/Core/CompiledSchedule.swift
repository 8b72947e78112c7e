/// A schedule reduced to two closures specialised for its concrete type: what the spec decoder
/// hands out, so that evaluating a decoded schedule costs one indirect call instead of a chain
/// of generic witness calls.
public struct CompiledSchedule<Scalar: ScheduleScalar>: LearningRateSchedule {
  @usableFromInline let evaluate: @Sendable (Int) -> Scalar
  @usableFromInline let bulk: @Sendable (UnsafeMutableBufferPointer<Scalar>, Int) -> Void

  /// Compiles `schedule`.
  @inlinable
  public init<S: LearningRateSchedule>(_ schedule: S) where S.Scalar == Scalar {
    if let already = schedule as? CompiledSchedule<Scalar> {
      self = already
      return
    }
    evaluate = { schedule.value(at: $0) }
    bulk = { schedule.fill($0, from: $1) }
  }

  /// The learning rate used by update `step`.
  @inlinable public func value(at step: Int) -> Scalar { evaluate(step) }

  /// Bulk evaluation through the compiled schedule's own bulk path.
  @inlinable public func fill(_ buffer: UnsafeMutableBufferPointer<Scalar>, from start: Int) {
    bulk(buffer, start)
  }
}
