/// Schedules one after another: schedule `i` runs from milestone `i − 1` and sees its own
/// step 0 there.
///
/// ```
/// i = number of milestones ≤ k
/// lr(k) = schedules[i](k − milestones[i − 1])      (k itself for i = 0)
/// ```
/// Mirrors `optax.join_schedules`, `mlx.optimizers.join_schedules` and
/// `torch.optim.lr_scheduler.SequentialLR`.
public struct SequenceSchedule<Scalar: ScheduleScalar>: LearningRateSchedule {
  /// The schedules, in order.
  public let schedules: [any LearningRateSchedule<Scalar>]
  /// The steps at which the next schedule takes over; one fewer than `schedules`, ascending.
  public let milestones: [Int]

  /// A sequence; `milestones.count` must be `schedules.count − 1`.
  public init(_ schedules: [any LearningRateSchedule<Scalar>], milestones: [Int]) {
    precondition(!schedules.isEmpty && milestones.count == schedules.count - 1,
                 "SequenceSchedule needs one milestone fewer than schedules")
    precondition(zip(milestones, milestones.dropFirst()).allSatisfy { $0 <= $1 },
                 "SequenceSchedule milestones must be ascending: \(milestones)")
    self.schedules = schedules
    self.milestones = milestones
    children = ChildSchedules(schedules)
  }

  /// `schedules`, called without retaining them.
  @usableFromInline let children: ChildSchedules<Scalar>

  /// The learning rate used by update `step`.
  @_specialize(where Scalar == Double)
  @_specialize(where Scalar == Float)
  @inline(__always) public func value(at step: Int) -> Scalar {
    let i = countAtOrBelow(milestones, step)
    return children.value(i, at: i == 0 ? step : step - milestones[i - 1])
  }

  /// Bulk evaluation, segment by segment through each schedule's bulk path.
  @_specialize(where Scalar == Double)
  @_specialize(where Scalar == Float)
  public func fill(_ buffer: UnsafeMutableBufferPointer<Scalar>, from start: Int) {
    var i = 0
    while i < buffer.count {
      let k = start + i
      let idx = countAtOrBelow(milestones, k)
      let segmentEnd = idx < milestones.count ? milestones[idx] : Int.max
      let len = min(buffer.count - i, segmentEnd.saturatingSubtract(k))
      let offset = idx == 0 ? 0 : milestones[idx - 1]
      schedules[idx].fill(UnsafeMutableBufferPointer(rebasing: buffer[i..<i + len]),
                          from: k - offset)
      i += len
    }
  }
}
