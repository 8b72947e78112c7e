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

  /// An optimizer at a constant learning rate `lr`, as `torch.optim.AdamW(params, lr=…)`.
  public init(_ configuration: OptimizerConfiguration, parameterCount: Int, lr: Double,
              groups: [ParameterGroup]? = nil) throws(OptimizerError) {
    guard lr.isFinite, lr >= 0 else {
      throw .invalidHyperparameter(field: "lr", value: lr, reason: "must be a finite number ≥ 0")
    }
    try self.init(configuration, parameterCount: parameterCount,
                  schedule: DecodedSchedule(type: "constant", lr: Constant(lr: lr)), groups: groups)
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
  ///
  /// - Throws: `shapeMismatch` for buffers of the wrong size; `scheduleEnded` past the end of a
  ///   schedule that refuses to go on (PyTorch's OneCycleLR raises there too) — nothing changes
  ///   then.
  public mutating func update(parameters: inout [Float], gradients: inout [Float],
                              clipNorm: Double? = nil) throws(OptimizerError) -> Report {
    try checkScheduleServes()
    var norm: Double?
    if let clipNorm {
      guard gradients.count == optimizer.parameterCount else {
        throw .shapeMismatch(what: "gradients", expected: optimizer.parameterCount, found: gradients.count)
      }
      norm = clipGradientNorm(&gradients, maxNorm: clipNorm)
    }
    return try apply(parameters: &parameters, gradients: gradients, norm: norm)
  }

  /// Applies update `step` with the gradients as given (no clipping), then advances the
  /// schedule.
  public mutating func update(parameters: inout [Float], gradients: [Float]) throws(OptimizerError)
    -> Report
  {
    try checkScheduleServes()
    return try apply(parameters: &parameters, gradients: gradients, norm: nil)
  }

  func checkScheduleServes() throws(OptimizerError) {
    let k = driver.step
    for schedule in [driver.schedule] + Array(driver.groupSchedules.values) {
      if let limit = schedule.limit(within: k + 1) {
        throw .scheduleEnded(step: k, reason: "\(limit.reason) (field '\(limit.field)')")
      }
    }
  }

  mutating func apply(parameters: inout [Float], gradients: [Float], norm: Double?)
    throws(OptimizerError) -> Report
  {
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
