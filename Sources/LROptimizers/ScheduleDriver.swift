import LRSchedules

/// Applies a schedule to the parameter groups, one optimizer update at a time: the learning
/// rate of every group (one schedule scaled per group, or a schedule per group), momentum or β1
/// for schedules that drive it, and the plateau controller fed with reported metrics — warmup
/// followed by plateau included.
///
/// It counts updates itself (`step` is the 0-based index of the next update, DESIGN.md's
/// convention): ask ``hyperparameters()`` for update `step`, apply it, call ``advance()``.
public struct ScheduleDriver: Sendable {
  /// The schedule shared by the groups (scaled by each group's `lrScale`).
  public let schedule: DecodedSchedule
  /// Schedules that replace the shared one for some groups (index → schedule).
  public let groupSchedules: [Int: DecodedSchedule]
  /// Each group's learning-rate scale.
  public let scales: [Double]
  /// The index of the next update.
  public private(set) var step = 0
  var plateau: PlateauSchedule<AnySchedule<Double>>?

  /// A driver for `groups` following `schedule`.
  public init(schedule: DecodedSchedule, groups: [ParameterGroup],
              groupSchedules: [Int: DecodedSchedule] = [:]) {
    self.schedule = schedule
    self.groupSchedules = groupSchedules
    self.scales = groups.map(\.lrScale)
    if let rule = schedule.plateau {
      plateau = PlateauSchedule(AnySchedule(schedule.lr), controller: rule.controller,
                                factor: rule.factor, minLR: rule.minLR, eps: rule.eps,
                                start: rule.start)
    }
  }

  /// The learning rate of the shared schedule for update `step` (before group scales).
  public var learningRate: Double {
    plateau?.value(at: step) ?? schedule.lr.value(at: step)
  }

  /// Each group's learning rate and driven momentum for the next update.
  public func hyperparameters() -> [Optimizer.GroupStep] {
    let shared = learningRate
    let momentum = schedule.momentum?.value(at: step)
    return scales.enumerated().map { i, scale in
      if let own = groupSchedules[i] {
        return Optimizer.GroupStep(lr: own.lr.value(at: step) * scale,
                                   momentum: own.momentum?.value(at: step) ?? momentum)
      }
      return Optimizer.GroupStep(lr: shared * scale, momentum: momentum)
    }
  }

  /// Marks the update as done.
  public mutating func advance() { step += 1 }

  /// Reports the metric measured after the last completed update (for plateau schedules; a
  /// no-op otherwise).
  public mutating func report(metric: Double) {
    guard step > 0 else { return }
    plateau?.observe(metric, after: step - 1)
  }

  /// Whether the schedule reacts to reported metrics.
  public var usesMetrics: Bool { plateau != nil }

  /// The plateau state (best metric, bad count, cooldown, scale, reductions), if any.
  public var plateauState: (controller: (best: Double, badCount: Int, cooldownCounter: Int), scale: Double, reductions: Int)? {
    plateau?.state
  }

  mutating func restore(step: Int, plateau state: (controller: (best: Double, badCount: Int, cooldownCounter: Int), scale: Double, reductions: Int)?) {
    self.step = step
    if let state { plateau?.state = state }
  }
}
