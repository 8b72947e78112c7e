/// Polynomial decay from `lr` to `end` over `steps`, optionally cycling.
///
/// ```
/// s = min(k, T)                  T' = T
/// cycle: s = k,  T' = T · max(1, ⌈k / T⌉)
/// lr(k) = (lr − end) · (1 − s / T')^power + end
/// ```
/// Cycling stretches the horizon to the next multiple of `T` (Keras semantics). Mirrors
/// `keras.optimizers.schedules.PolynomialDecay`, `optax.polynomial_schedule` (with
/// `begin`), `torch.optim.lr_scheduler.PolynomialLR` (`end = 0`).
public struct PolynomialDecay<Scalar: ScheduleScalar>: LearningRateSchedule {
  /// The learning rate at step `begin`.
  public var lr: Scalar
  /// The learning rate from `begin + steps` on.
  public var end: Scalar
  /// Decay steps T; positive.
  public var steps: Int
  /// The exponent.
  public var power: Scalar
  /// Whether to cycle by stretching the horizon.
  public var cycle: Bool
  /// The step at which the decay starts; `lr` is held before it.
  public var begin: Int

  /// A polynomial decay.
  public init(lr: Scalar, end: Scalar = 0, steps: Int, power: Scalar = 1, cycle: Bool = false,
              begin: Int = 0) {
    self.lr = lr
    self.end = end
    self.steps = max(steps, 1)
    self.power = power
    self.cycle = cycle
    self.begin = max(begin, 0)
  }

  /// The learning rate used by update `step`.
  @_specialize(where Scalar == Double)
  @_specialize(where Scalar == Float)
  @inline(__always) @inlinable public func value(at step: Int) -> Scalar {
    let k = max(step.saturatingSubtract(begin), 0)
    var horizon = Scalar(integer: steps)
    var s = min(k, steps)
    if cycle {
      s = k
      // steps · ⌈k / steps⌉, at least steps (in floating point once it passes Int.max).
      let cycles = max(1, k / steps + (k % steps == 0 ? 0 : 1))
      let (product, overflow) = steps.multipliedReportingOverflow(by: cycles)
      horizon = overflow ? Scalar(integer: steps) * Scalar(integer: cycles) : Scalar(integer: product)
    }
    // At least 0: past 2^24 (float32) or 2^53 steps, s and the horizon round, and s / horizon
    // can pass 1 (a negative base would make pow NaN).
    let frac = max(1 - Scalar(integer: s) / horizon, 0)
    return (lr - end) * (power == 1 ? frac : Scalar.pow(frac, power)) + end
  }
}
