/// The schedule of "Attention Is All You Need" (Vaswani et al. 2017, §5.3).
///
/// ```
/// n = max(k, 1)
/// lr(k) = scale · d_model^-0.5 · min(n^-0.5, n · W^-1.5)
/// ```
/// The peak, `scale · (d_model · W)^-0.5`, is at `k = W`: 6.99e-4 for d_model 512 and
/// W = 4000. Step 0 uses `n = 1`, as the Annotated Transformer's `LambdaLR` does.
public struct NoamDecay<Scalar: ScheduleScalar>: LearningRateSchedule {
  /// The model width d_model.
  public var modelDimension: Scalar
  /// Warmup steps W.
  public var warmup: Int
  /// A constant factor (1 in the paper).
  public var scale: Scalar

  /// A Noam schedule.
  public init(modelDimension: Scalar, warmup: Int, scale: Scalar = 1) {
    self.modelDimension = modelDimension
    self.warmup = max(warmup, 1)
    self.scale = scale
  }

  /// The learning rate used by update `step`.
  @_specialize(where Scalar == Double)
  @_specialize(where Scalar == Float)
  @inline(__always) @inlinable public func value(at step: Int) -> Scalar {
    let n = Scalar(integer: max(step, 1))
    let w = Scalar(integer: warmup)
    let rise = n / (w * w.squareRoot())
    let fall = 1 / n.squareRoot()
    return scale / modelDimension.squareRoot() * min(fall, rise)
  }
}
