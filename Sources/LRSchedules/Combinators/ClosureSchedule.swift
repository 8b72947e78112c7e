/// A schedule given by a closure, for formulas LRKit does not name (and for porting mlx-swift's
/// `(Int) -> Float` schedules unchanged).
///
/// ```
/// lr(k) = body(k)
/// ```
/// Mirrors `torch.optim.lr_scheduler.LambdaLR` (with the base lr folded into the closure).
public struct ClosureSchedule<Scalar: ScheduleScalar>: LearningRateSchedule {
  /// The formula.
  public let body: @Sendable (Int) -> Scalar

  /// A schedule computing `body(step)`.
  public init(_ body: @escaping @Sendable (Int) -> Scalar) { self.body = body }

  /// The learning rate used by update `step`.
  @_specialize(where Scalar == Double)
  @_specialize(where Scalar == Float)
  @inline(__always) public func value(at step: Int) -> Scalar { body(step) }
}
