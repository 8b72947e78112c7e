/// A schedule precomputed over updates `0..<count`: a table lookup instead of the formula, for
/// callers that evaluate one schedule many times at random steps (a few ns per evaluation).
///
/// ```
/// lr(k) = table[k]        for 0 ≤ k < count   (table[k] = base.value(at: k), bit for bit)
/// lr(k) = base.value(at: k) otherwise
/// ```
/// Building costs one evaluation per step and `count` values of memory.
public struct Tabulated<Scalar: ScheduleScalar>: LearningRateSchedule {
  /// The precomputed values of updates `0..<table.count`.
  public let table: [Scalar]
  /// The schedule the table was computed from (used outside the table).
  public let base: any LearningRateSchedule<Scalar>

  /// Precomputes `base` over updates `0..<steps`.
  public init(_ base: some LearningRateSchedule<Scalar>, steps: Int) {
    precondition(steps >= 0, "Tabulated needs steps ≥ 0 (got \(steps))")
    self.base = base
    table = (0..<steps).map { base.value(at: $0) }
  }

  /// The learning rate used by update `step`.
  @inlinable public func value(at step: Int) -> Scalar {
    step >= 0 && step < table.count ? table[step] : base.value(at: step)
  }
}

extension LearningRateSchedule {
  /// This schedule precomputed over updates `0..<steps` (``Tabulated``).
  public func tabulated(steps: Int) -> Tabulated<Scalar> { Tabulated(self, steps: steps) }
}
