/// Multiplies the learning rate by `gamma` every `stepSize` steps.
///
/// ```
/// lr(k) = lr · gamma^⌊k / stepSize⌋
/// ```
/// Mirrors `torch.optim.lr_scheduler.StepLR` (closed form), `mlx.optimizers.step_decay` and
/// timm's `StepLRScheduler` without warmup.
public struct StepDecay<Scalar: ScheduleScalar>: LearningRateSchedule {
  /// The learning rate at step 0.
  public let lr: Scalar
  /// Steps between two decays; at least 1.
  public let stepSize: Int
  /// The factor applied at each decay.
  public let gamma: Scalar

  /// A step decay; `stepSize` must be at least 1.
  public init(lr: Scalar, stepSize: Int, gamma: Scalar = 0.1) {
    precondition(stepSize >= 1, "StepDecay needs stepSize ≥ 1 (got \(stepSize))")
    self.lr = lr
    self.stepSize = stepSize
    self.gamma = gamma
    self.powers = (0..<64).map { lr * Scalar.pow(gamma, Scalar($0)) }
  }

  /// `lr · gamma^i` for the first 64 decays (libm's `pow`, looked up instead of recomputed).
  @usableFromInline let powers: [Scalar]

  /// The learning rate used by update `step`.
  @_specialize(where Scalar == Double)
  @_specialize(where Scalar == Float)
  @inline(__always) @inlinable public func value(at step: Int) -> Scalar {
    let n = max(step, 0) / stepSize
    return n < 64 ? powers[n] : lr * Scalar.pow(gamma, Scalar(integer: n))
  }
}
