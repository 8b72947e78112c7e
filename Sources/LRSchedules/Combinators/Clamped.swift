/// A schedule kept within `[lower, upper]`.
///
/// ```
/// lr(k) = min(max(base(k), lower), upper)
/// ```
public struct Clamped<Base: LearningRateSchedule>: LearningRateSchedule {
  /// The clamped schedule.
  public var base: Base
  /// The floor.
  public var lower: Base.Scalar
  /// The ceiling.
  public var upper: Base.Scalar

  /// `base`, clamped to `lower...upper`.
  public init(_ base: Base, lower: Base.Scalar = 0, upper: Base.Scalar = .infinity) {
    self.base = base
    self.lower = lower
    self.upper = upper
  }

  /// The learning rate used by update `step`.
  @_specialize(where Base == AnySchedule<Double>)
  @_specialize(where Base == AnySchedule<Float>)
  @inline(__always) @inlinable public func value(at step: Int) -> Base.Scalar {
    min(max(base.value(at: step), lower), upper)
  }

  /// Bulk evaluation through the base's bulk path.
  @_specialize(where Base == AnySchedule<Double>)
  @_specialize(where Base == AnySchedule<Float>)
  public func fill(_ buffer: UnsafeMutableBufferPointer<Base.Scalar>, from start: Int) {
    base.fill(buffer, from: start)
    for i in buffer.indices { buffer[i] = min(max(buffer[i], lower), upper) }
  }
}
