/// A schedule multiplied by a constant.
///
/// ```
/// lr(k) = factor · base(k)
/// ```
public struct Scaled<Base: LearningRateSchedule>: LearningRateSchedule {
  /// The scaled schedule.
  public var base: Base
  /// The constant factor.
  public var factor: Base.Scalar

  /// `factor` times `base`.
  public init(_ base: Base, by factor: Base.Scalar) {
    self.base = base
    self.factor = factor
  }

  /// The learning rate used by update `step`.
  @_specialize(where Base == AnySchedule<Double>)
  @_specialize(where Base == AnySchedule<Float>)
  @inline(__always) @inlinable public func value(at step: Int) -> Base.Scalar { factor * base.value(at: step) }

  /// Bulk evaluation through the base's bulk path.
  @_specialize(where Base == AnySchedule<Double>)
  @_specialize(where Base == AnySchedule<Float>)
  public func fill(_ buffer: UnsafeMutableBufferPointer<Base.Scalar>, from start: Int) {
    base.fill(buffer, from: start)
    for i in buffer.indices { buffer[i] *= factor }
  }
}
