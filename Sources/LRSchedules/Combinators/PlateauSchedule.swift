/// Any schedule under a plateau controller: the learning rate is cut by `factor` whenever the
/// reported metric stops improving. Put a warmup in front and metrics are only watched once it
/// is over — warmup followed by plateau, which PyTorch cannot compose.
///
/// ```
/// lr(k) = base(k) · s          (s starts at 1)
/// metric reported after update k ≥ start, controller says reduce:
///   old = base(k+1) · s,  new = max(old · factor, minLR)
///   if old − new > eps: s = new / base(k+1)
/// ```
/// With a constant base this is `torch.optim.lr_scheduler.ReduceLROnPlateau`.
public struct PlateauSchedule<Base: LearningRateSchedule>: Sendable where Base.Scalar == Double {
  /// The schedule being scaled.
  public var base: Base
  /// The improvement tracker.
  public var controller: PlateauController
  /// The factor applied at each reduction; in (0, 1).
  public var factor: Double
  /// The learning rate never goes below this through a reduction.
  public var minLR: Double
  /// Reductions smaller than this are skipped.
  public var eps: Double
  /// Metrics reported after updates before `start` are ignored (e.g. during warmup).
  public var start: Int
  /// The current multiplier on `base`.
  public private(set) var scale: Double = 1
  /// How many reductions have happened.
  public private(set) var reductions = 0

  /// A plateau-controlled schedule.
  public init(_ base: Base, controller: PlateauController = PlateauController(),
              factor: Double = 0.1, minLR: Double = 0, eps: Double = 1e-8, start: Int = 0) {
    self.base = base
    self.controller = controller
    self.factor = factor
    self.minLR = minLR
    self.eps = eps
    self.start = start
  }

  /// The mutable part (controller state, scale, reductions), for saving and restoring.
  public var state: (controller: (best: Double, badCount: Int, cooldownCounter: Int), scale: Double, reductions: Int) {
    get { (controller.state, scale, reductions) }
    set {
      controller.state = newValue.controller
      scale = newValue.scale
      reductions = newValue.reductions
    }
  }

  /// The learning rate update `step` uses, given the metrics observed so far.
  @_specialize(where Base == AnySchedule<Double>)
  @inline(__always) public func value(at step: Int) -> Double { base.value(at: step) * scale }

  /// Records the metric reported after update `step`.
  public mutating func observe(_ metric: Double, after step: Int) {
    guard step >= start, controller.observe(metric) else { return }
    let next = base.value(at: step + 1)
    guard next != 0 else { return }
    let old = next * scale
    let new = max(old * factor, minLR)
    if old - new > eps {
      scale = new / next
      reductions += 1
    }
  }
}
