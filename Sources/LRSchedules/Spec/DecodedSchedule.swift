/// What a spec decodes to: the learning-rate schedule, the momentum schedule where the spec
/// drives one, the metric-driven plateau rule where there is one, and what the command line
/// needs to draw and check it.
public struct DecodedSchedule: Sendable {
  /// The spec's `type`.
  public var type: String
  /// The learning rate as a pure function of the step (for plateau specs: before any cut).
  public var lr: any LearningRateSchedule<Double>
  /// Momentum or Adam's β1, for specs that drive it (one-cycle, cyclic).
  public var momentum: MomentumSchedule?
  /// The metric-driven rule, for plateau specs.
  public var plateau: PlateauRule?
  /// The step at which warmup ends, if the spec has a warmup.
  public var warmupSteps: Int?
  /// The schedule's natural length, used when no step count is given.
  public var totalSteps: Int?
  /// The step count beyond which the peer refuses to produce a learning rate.
  public var stepLimit: StepLimit?
  /// A limit found only by replaying the peer's objects (PyTorch composites): the limit, if
  /// any, within the first `steps` updates.
  var replayLimit: (@Sendable (_ steps: Int) -> StepLimit?)?
  /// Likely mistakes that are accepted, each naming its field.
  public var warnings: [String] = []

  /// A decoded schedule.
  public init(type: String, lr: any LearningRateSchedule<Double>,
              momentum: MomentumSchedule? = nil, plateau: PlateauRule? = nil,
              warmupSteps: Int? = nil, totalSteps: Int? = nil, stepLimit: StepLimit? = nil,
              warnings: [String] = []) {
    self.type = type
    self.lr = lr
    self.momentum = momentum
    self.plateau = plateau
    self.warmupSteps = warmupSteps
    self.totalSteps = totalSteps
    self.stepLimit = stepLimit
    self.warnings = warnings
  }

  /// Whether the learning rate depends on reported metrics.
  public var needsMetrics: Bool { plateau != nil }

  /// Where the peer refuses to go on within the first `steps` updates, if it does: the number
  /// of updates it can serve and why ("Tried to step N times…").
  public func limit(within steps: Int) -> StepLimit? {
    if let limit = stepLimit, steps > limit.steps { return limit }
    if let replayLimit, let limit = replayLimit(steps), steps > limit.steps { return limit }
    return nil
  }

  /// The learning rates (and momenta) of updates `0..<steps`.
  ///
  /// - Parameters:
  ///   - steps: the number of updates to draw.
  ///   - metrics: for plateau specs, the metric reported after update `k` at index `k`; at least
  ///     `steps − 1` values.
  /// - Throws: `stepOutOfRange` where the peer refuses, `missingField("metrics")` when a plateau
  ///   spec gets too few metrics.
  public func curve(steps: Int, metrics: [Double]? = nil) throws(ScheduleError) -> Curve {
    if let limit = limit(within: steps) {
      throw .stepOutOfRange(field: limit.field, step: limit.steps, reason: limit.reason)
    }
    let n = max(steps, 0)
    var lrs: [Double]
    if let plateau {
      guard let metrics, metrics.count >= n - 1 else {
        throw .invalidValue(
          field: "metrics", value: "\(metrics?.count ?? 0) values",
          reason: "\(type) changes the learning rate from metrics: \(n) steps need \(max(n - 1, 0)) "
            + "metric values (the metric reported after each update)")
      }
      var driven = PlateauSchedule(
        AnySchedule(lr), controller: plateau.controller, factor: plateau.factor, minLR: plateau.minLR,
        eps: plateau.eps, start: plateau.start)
      lrs = []
      lrs.reserveCapacity(n)
      for k in 0..<n {
        lrs.append(driven.value(at: k))
        if k < metrics.count { driven.observe(metrics[k], after: k) }
      }
    } else {
      lrs = lr.values(steps: n)
    }
    return Curve(lr: lrs, momentum: momentum?.values(steps: n))
  }
}

/// Learning rates (and momenta) of consecutive updates starting at 0.
public struct Curve: Sendable, Equatable {
  /// `lr[k]` is the learning rate of update `k`.
  public var lr: [Double]
  /// `momentum[k]` is the momentum or β1 of update `k`, for schedules that drive it; nil where
  /// the schedule leaves the optimizer's own value.
  public var momentum: [Double?]?

  /// A curve.
  public init(lr: [Double], momentum: [Double?]? = nil) {
    self.lr = lr
    self.momentum = momentum
  }
}

/// The parameters of a metric-driven plateau rule.
public struct PlateauRule: Sendable {
  /// The improvement tracker in its initial state.
  public var controller: PlateauController
  /// The factor per reduction.
  public var factor: Double
  /// The lowest learning rate a reduction reaches.
  public var minLR: Double
  /// Reductions smaller than this are skipped.
  public var eps: Double
  /// Metrics reported before this update are ignored.
  public var start: Int

  /// A plateau rule.
  public init(controller: PlateauController, factor: Double, minLR: Double, eps: Double,
              start: Int) {
    self.controller = controller
    self.factor = factor
    self.minLR = minLR
    self.eps = eps
    self.start = start
  }
}

/// A peer's refusal to go past a number of updates (PyTorch's OneCycleLR: "Tried to step …").
public struct StepLimit: Sendable, Equatable {
  /// The most updates the schedule can serve.
  public var steps: Int
  /// The field that sets the limit.
  public var field: String
  /// The peer's reason.
  public var reason: String

  /// A step limit.
  public init(steps: Int, field: String, reason: String) {
    self.steps = steps
    self.field = field
    self.reason = reason
  }
}
