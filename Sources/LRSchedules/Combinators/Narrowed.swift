/// A `Double` schedule evaluated and then rounded to another scalar type: how a `float32`
/// composite sees a child decoded in `Double`.
///
/// ```
/// lr(k) = S(base(k))
/// ```
struct Narrowed<S: ScheduleScalar>: LearningRateSchedule {
  let base: any LearningRateSchedule<Double>

  init(_ base: any LearningRateSchedule<Double>) { self.base = base }

  /// `base` seen as a schedule of `S`: itself when `S` is `Double` (one wrapper less on every
  /// evaluation, the same numbers), else narrowed.
  static func wrap(_ base: any LearningRateSchedule<Double>) -> any LearningRateSchedule<S> {
    if let same = base as? any LearningRateSchedule<S> { return same }
    return Narrowed(base)
  }

  @_specialize(where S == Double)
  @_specialize(where S == Float)
  @inline(__always) func value(at step: Int) -> S { S(base.value(at: step)) }

  func fill(_ buffer: UnsafeMutableBufferPointer<S>, from start: Int) {
    if S.self == Double.self {
      buffer.withMemoryRebound(to: Double.self) { base.fill($0, from: start) }
      return
    }
    for i in buffer.indices { buffer[i] = S(base.value(at: start + i)) }
  }
}
