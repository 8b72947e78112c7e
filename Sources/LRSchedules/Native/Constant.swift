/// The same learning rate at every step.
///
/// ```
/// lr(k) = value
/// ```
/// Mirrors `optax.constant_schedule`, transformers' `get_constant_schedule` and
/// `torch.optim.lr_scheduler.ConstantLR` with `factor=1`.
public struct Constant<Scalar: ScheduleScalar>: LearningRateSchedule {
  /// The learning rate.
  public var lr: Scalar

  /// A constant schedule at `lr`.
  public init(lr: Scalar) { self.lr = lr }

  /// Returns `lr`.
  @_specialize(where Scalar == Double)
  @_specialize(where Scalar == Float)
  @inline(__always) @inlinable public func value(at step: Int) -> Scalar { lr }

  /// Fills the buffer with `lr`.
  @_specialize(where Scalar == Double)
  @_specialize(where Scalar == Float)
  public func fill(_ buffer: UnsafeMutableBufferPointer<Scalar>, from start: Int) {
    buffer.update(repeating: lr)
  }
}
