/// ``Widened`` over a schedule whose type is known where it is built (the float32 peer
/// translations): the same value, `Double(base(k))`, without the existential hop, so that the
/// compiler specialises `base` for `Float` inside the call.
///
/// ```
/// lr(k) = Double(base(k))
/// ```
struct ConcreteWidened<Base: LearningRateSchedule>: LearningRateSchedule where Base.Scalar == Float {
  /// The float32 schedule.
  let base: Base

  /// Widens `base`.
  init(_ base: Base) { self.base = base }

  /// The learning rate used by update `step`, computed in `Float`.
  @inline(__always) func value(at step: Int) -> Double { Double(base.value(at: step)) }
}
