import LRSchedules

/// An optimizer and the schedule that drives it, advanced together: one call per update, the
/// step counted once.
///
/// ```swift
/// var opt = try ScheduledOptimizer(.adam(.adamw, betas: (0.9, 0.95)), parameterCount: n,
///                                  schedule: try ScheduleSpec.decode(text: spec))
/// for batch in batches {
///   var grads = computeGradients(params, batch)
///   let report = try opt.update(parameters: &params, gradients: &grads, clipNorm: 1.0)
/// }
/// ```
public struct ScheduledOptimizer: Sendable {
  /// The update rule and its state.
  public internal(set) var optimizer: Optimizer
  /// The schedule and its position.
  public internal(set) var driver: ScheduleDriver

  /// Creates both; `groups` default to one group holding every parameter.
  public init(_ configuration: OptimizerConfiguration, parameterCount: Int,
              schedule: DecodedSchedule, groups: [ParameterGroup]? = nil,
              groupSchedules: [Int: DecodedSchedule] = [:]) throws(OptimizerError) {
    optimizer = try Optimizer(configuration, parameterCount: parameterCount, groups: groups)
    for (i, _) in groupSchedules where i < 0 || i >= optimizer.groups.count {
      throw .invalidGroups(reason: "a schedule names group \(i) of \(optimizer.groups.count)")
    }
    driver = ScheduleDriver(schedule: schedule, groups: optimizer.groups, groupSchedules: groupSchedules)
  }

  /// What one update did.
  public struct Report: Sendable, Equatable {
    /// The index of the update (0-based).
    public var step: Int
    /// The learning rate of each group.
    public var learningRates: [Double]
    /// The driven momentum or β1, if the schedule drives one.
    public var momentum: Double?
    /// The gradient norm before clipping, when clipping was asked for.
    public var gradientNorm: Double?
  }

  /// The index of the next update.
  public var step: Int { driver.step }

  /// Applies update `step`: optional clipping, the scheduled hyperparameters, the update rule;
  /// then advances the schedule.
  public mutating func update(parameters: inout [Float], gradients: inout [Float],
                              clipNorm: Double? = nil) throws(OptimizerError) -> Report {
    var norm: Double?
    if let clipNorm {
      guard gradients.count == optimizer.parameterCount else {
        throw .shapeMismatch(what: "gradients", expected: optimizer.parameterCount, found: gradients.count)
      }
      norm = clipGradientNorm(&gradients, maxNorm: clipNorm)
    }
    let h = driver.hyperparameters()
    try optimizer.step(parameters: &parameters, gradients: gradients, hyperparameters: h)
    let report = Report(step: driver.step, learningRates: h.map(\.lr), momentum: h.first?.momentum,
                        gradientNorm: norm)
    driver.advance()
    return report
  }

  /// Reports the metric measured after the last update (plateau schedules).
  public mutating func report(metric: Double) { driver.report(metric: metric) }
}
