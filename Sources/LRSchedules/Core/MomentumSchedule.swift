/// Momentum (SGD) or Adam's β1 as a schedule drives it, update by update (one-cycle and
/// cyclic schedules); nil at the updates where the schedule leaves the optimizer's own value
/// alone, as PyTorch does outside a cycling scheduler's part of a `SequentialLR`.
///
/// ```
/// momentum(k) = driven value of update k, or nil (the optimizer's configured momentum / β1)
/// ```
public struct MomentumSchedule: Sendable {
  @usableFromInline let evaluate: @Sendable (Int) -> Double?

  /// A momentum schedule from a closure returning nil where momentum is not driven.
  public init(_ evaluate: @escaping @Sendable (Int) -> Double?) { self.evaluate = evaluate }

  /// A momentum schedule driven at every update.
  public init<S: LearningRateSchedule>(driving schedule: S) where S.Scalar == Double {
    evaluate = { schedule.value(at: $0) }
  }

  /// The momentum (or β1) of update `step`, or nil where the optimizer's own value applies.
  @inlinable public func value(at step: Int) -> Double? { evaluate(step) }

  /// The momenta of updates `0..<steps`.
  public func values(steps: Int) -> [Double?] { (0..<max(steps, 0)).map(evaluate) }
}
