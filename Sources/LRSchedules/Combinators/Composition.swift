/// Fluent composition: the combinators as methods, so a schedule reads in the order it runs.
///
/// ```swift
/// let schedule = CosineAnnealing<Double>(lr: 3e-4, floor: 3e-5, steps: 9500)
///   .warmup(500)                       // Warmup(…, steps: 500)
///   .scaled(by: 2)                     // Scaled(…, by: 2)
///   .clamped(to: 1e-5...1e-3)          // Clamped(…, lower: 1e-5, upper: 1e-3)
/// ```
extension LearningRateSchedule {
  /// This schedule behind a warmup of `steps` updates (``Warmup``).
  public func warmup(_ steps: Int, start: Scalar = 0, placement: Warmup<Self>.Placement = .prefix,
                     shape: Warmup<Self>.Shape = .linear) -> Warmup<Self> {
    Warmup(self, steps: steps, start: start, placement: placement, shape: shape)
  }

  /// This schedule times a constant factor (``Scaled``).
  public func scaled(by factor: Scalar) -> Scaled<Self> { Scaled(self, by: factor) }

  /// This schedule kept inside `range` (``Clamped``).
  public func clamped(to range: ClosedRange<Scalar>) -> Clamped<Self> {
    Clamped(self, lower: range.lowerBound, upper: range.upperBound)
  }

  /// This schedule until update `milestone`, then `next` from its own step 0
  /// (``SequenceSchedule``).
  public func then(_ next: some LearningRateSchedule<Scalar>, at milestone: Int) -> SequenceSchedule<Scalar> {
    SequenceSchedule([self, next], milestones: [milestone])
  }

  /// The schedule as a function of the update index, for APIs that take one (MLX Swift's
  /// optimizers, closures in training loops).
  public var function: @Sendable (Int) -> Scalar {
    let schedule = self
    return { schedule.value(at: $0) }
  }
}

extension LearningRateSchedule where Scalar == Double {
  /// The schedule as an `(Int) -> Float` function, for frameworks whose learning rate is a
  /// `Float` (the value is computed in `Double`, then rounded once).
  public var floatFunction: @Sendable (Int) -> Float {
    let schedule = self
    return { Float(schedule.value(at: $0)) }
  }
}
