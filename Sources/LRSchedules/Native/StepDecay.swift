/// Multiplies the learning rate by `gamma` every `stepSize` steps.
///
/// ```
/// lr(k) = lr · gamma^⌊k / stepSize⌋
/// ```
/// Mirrors `torch.optim.lr_scheduler.StepLR` (closed form), `mlx.optimizers.step_decay` and
/// timm's `StepLRScheduler` without warmup.
public struct StepDecay<Scalar: ScheduleScalar>: LearningRateSchedule {
  /// The learning rate at step 0.
  public var lr: Scalar
  /// Steps between two decays; at least 1.
  public var stepSize: Int
  /// The factor applied at each decay.
  public var gamma: Scalar

  /// A step decay; `stepSize` must be at least 1.
  public init(lr: Scalar, stepSize: Int, gamma: Scalar = 0.1) {
    self.lr = lr
    self.stepSize = max(stepSize, 1)
    self.gamma = gamma
  }

  /// The learning rate used by update `step`.
  @_specialize(where Scalar == Double)
  @_specialize(where Scalar == Float)
  @inlinable public func value(at step: Int) -> Scalar {
    lr * Scalar.pow(gamma, Scalar(max(step, 0) / stepSize))
  }
}
