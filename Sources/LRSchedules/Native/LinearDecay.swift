/// Straight-line interpolation from `lr` to `end` over `steps`, then `end`.
///
/// ```
/// lr(k) = lr + (end − lr) · min(k, T) / T
/// ```
/// Mirrors `optax.linear_schedule`, `mlx.optimizers.linear_schedule` and the decay half of
/// transformers' `get_linear_schedule_with_warmup`.
public struct LinearDecay<Scalar: ScheduleScalar>: LearningRateSchedule {
  /// The learning rate at step 0.
  public var lr: Scalar
  /// The learning rate from step `steps` on.
  public var end: Scalar
  /// Steps of the ramp; positive.
  public var steps: Int

  /// A linear ramp (down or up).
  public init(lr: Scalar, end: Scalar = 0, steps: Int) {
    self.lr = lr
    self.end = end
    self.steps = max(steps, 1)
  }

  /// The learning rate used by update `step`.
  @_specialize(where Scalar == Double)
  @_specialize(where Scalar == Float)
  @inline(__always) @inlinable public func value(at step: Int) -> Scalar {
    lr + (end - lr) * (Scalar(integer: min(max(step, 0), steps)) / Scalar(integer: steps))
  }

  /// Bulk evaluation: one multiply-add per point.
  @_specialize(where Scalar == Double)
  @_specialize(where Scalar == Float)
  public func fill(_ buffer: UnsafeMutableBufferPointer<Scalar>, from start: Int) {
    let slope = (end - lr) / Scalar(steps)
    for i in buffer.indices {
      let k = start + i
      buffer[i] = k >= steps ? end : (k <= 0 ? lr : lr + slope * Scalar(integer: k))
    }
  }
}
