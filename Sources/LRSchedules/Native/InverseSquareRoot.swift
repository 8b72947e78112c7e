/// Linear warmup to `lr`, then decay with the inverse square root of the step.
///
/// ```
/// lr(k) = lr · k / W                          k < W
///       = lr / sqrt((k + τ − W) / τ)          k ≥ W      (τ = timescale, default W or 10 000)
/// ```
/// Equals `lr` at `k = W`. Mirrors transformers' `get_inverse_sqrt_schedule`. For the original
/// Transformer form see ``NoamDecay``.
public struct InverseSquareRoot<Scalar: ScheduleScalar>: LearningRateSchedule {
  /// The peak learning rate, reached at the end of warmup.
  public var lr: Scalar
  /// Warmup steps.
  public var warmup: Int
  /// The decay timescale τ.
  public var timescale: Scalar

  /// An inverse-sqrt schedule; `timescale` defaults to `warmup`, or 10 000 without warmup.
  public init(lr: Scalar, warmup: Int, timescale: Scalar? = nil) {
    self.lr = lr
    self.warmup = max(warmup, 0)
    self.timescale = timescale ?? Scalar(warmup > 0 ? warmup : 10_000)
  }

  /// The learning rate used by update `step`.
  @_specialize(where Scalar == Double)
  @_specialize(where Scalar == Float)
  @inline(__always) @inlinable public func value(at step: Int) -> Scalar {
    if step < warmup { return lr * Scalar(integer: step) / Scalar(integer: max(1, warmup)) }
    let shift = Scalar(integer: step) + timescale - Scalar(integer: warmup)
    return lr / (shift / timescale).squareRoot()
  }
}
