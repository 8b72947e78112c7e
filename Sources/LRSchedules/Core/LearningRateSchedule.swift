/// A learning-rate schedule: the learning rate as a pure function of the step.
///
/// `step` is the 0-based index of an optimizer update and `value(at: k)` is the learning rate
/// update `k` uses. Evaluating step 10 000 does not need steps 0..9 999; resuming is evaluating
/// at the saved step. Every peer library is translated onto this convention once, in its
/// compatibility layer.
public protocol LearningRateSchedule<Scalar>: Sendable {
  /// The floating-point type the schedule computes in.
  associatedtype Scalar: ScheduleScalar
  /// The learning rate used by optimizer update `step` (0-based). Any `Int` may be asked,
  /// `Int.min` and `Int.max` included: offsets from the step saturate instead of trapping.
  func value(at step: Int) -> Scalar
  /// Writes `value(at: start + i)` into `buffer[i]` for every `i`.
  ///
  /// `start` may be any `Int` as long as the last step, `start + buffer.count − 1`, is one too.
  ///
  /// The default evaluates point by point. Every peer translation's bulk path gives
  /// `value(at:)`'s bits. Two native families use a faster bulk path: `CosineAnnealing`
  /// (cosines by angle addition) and `LinearDecay` (one slope). In float64 their values differ
  /// from `value(at:)` by at most 4 ulps of the schedule's peak, which near a cosine's trough is
  /// many ulps of the value itself (measured on random specs; the tests allow 1e-13 absolute
  /// for learning rates ≤ 2).
  func fill(_ buffer: UnsafeMutableBufferPointer<Scalar>, from start: Int)
}

extension LearningRateSchedule {
  /// The learning rate used by optimizer update `step`; same as `value(at:)`.
  @inlinable public func callAsFunction(_ step: Int) -> Scalar { value(at: step) }

  /// Evaluates point by point.
  @inlinable public func fill(_ buffer: UnsafeMutableBufferPointer<Scalar>, from start: Int) {
    for i in buffer.indices { buffer[i] = value(at: start + i) }
  }

  /// The learning rates of updates `0..<steps`.
  public func values(steps: Int) -> [Scalar] {
    values(in: 0..<max(steps, 0))
  }

  /// The learning rates of the updates in `range`.
  public func values(in range: Range<Int>) -> [Scalar] {
    [Scalar](unsafeUninitializedCapacity: range.count) { buffer, count in
      fill(buffer, from: range.lowerBound)
      count = range.count
    }
  }
}
