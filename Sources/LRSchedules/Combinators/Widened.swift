/// A `Float` schedule read as `Double`: the float32 peers' arithmetic, widened exactly.
///
/// ```
/// lr(k) = Double(base(k))
/// ```
public struct Widened: LearningRateSchedule {
  /// The float32 schedule.
  public let base: any LearningRateSchedule<Float>

  /// Widens `base`.
  public init(_ base: any LearningRateSchedule<Float>) { self.base = base }

  /// The learning rate used by update `step`, computed in `Float`.
  public func value(at step: Int) -> Double { Double(base.value(at: step)) }
}
