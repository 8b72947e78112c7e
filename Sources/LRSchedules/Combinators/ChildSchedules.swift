/// A composite's children, called without reference counting: each child lives in a class
/// instance, and an evaluation reaches it through an unretained reference that the composite
/// keeps alive.
///
/// Read out of an array, a child existential is copied and its box retained and released
/// around every call (11–21 % of a `sequence` evaluation's samples); here the call opens it
/// in place.
@usableFromInline final class ChildSchedules<Scalar: ScheduleScalar>: Sendable {
  /// One child, immutable.
  @usableFromInline final class Holder: Sendable {
    @usableFromInline let schedule: any LearningRateSchedule<Scalar>
    init(_ schedule: any LearningRateSchedule<Scalar>) { self.schedule = schedule }
  }

  /// The strong references that keep the children alive.
  let holders: [Holder]
  /// The same references, unretained: what an evaluation reads.
  @usableFromInline let references: [Unmanaged<Holder>]

  /// Holds `schedules`.
  init(_ schedules: [any LearningRateSchedule<Scalar>]) {
    holders = schedules.map(Holder.init)
    references = holders.map { Unmanaged.passUnretained($0) }
  }

  /// Child `i`'s value at `step`.
  @inlinable @inline(__always)
  func value(_ i: Int, at step: Int) -> Scalar {
    references[i]._withUnsafeGuaranteedRef { $0.schedule.value(at: step) }
  }
}
