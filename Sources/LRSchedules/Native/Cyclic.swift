/// Cyclical learning rates (Smith 2017): a triangle wave between `base` and `max`.
///
/// ```
/// total = up + down,  ratio = up / total
/// cycle = ⌊1 + k / total⌋,   x = 1 + k / total − cycle
/// s = x / ratio  if x ≤ ratio,  else (x − 1)/(ratio − 1)
/// lr(k) = base + (max − base) · s · scale
/// scale = 1 (triangular), 1 / 2^(cycle−1) (triangular2), gamma^k (exponentialRange)
/// momentum(k) = maxMomentum − (maxMomentum − baseMomentum) · s · scale
/// ```
/// Mirrors `torch.optim.lr_scheduler.CyclicLR`.
public struct Cyclic<Scalar: ScheduleScalar>: LearningRateSchedule {
  /// How the amplitude changes from cycle to cycle.
  public enum Mode: String, Sendable, CaseIterable {
    /// Constant amplitude.
    case triangular
    /// Amplitude halved each cycle.
    case triangular2
    /// Amplitude multiplied by `gamma` each step.
    case exponentialRange = "exp_range"
  }

  /// The low end of the wave.
  public var base: Scalar
  /// The high end of the wave (first cycle).
  public var max: Scalar
  /// Steps rising.
  public var up: Scalar
  /// Steps falling.
  public var down: Scalar
  /// The amplitude policy.
  public var mode: Mode
  /// The per-step amplitude factor for `exponentialRange`.
  public var gamma: Scalar
  /// Momentum at the top of the lr wave, or nil when momentum is not driven.
  public var baseMomentum: Scalar?
  /// Momentum at the bottom of the lr wave.
  public var maxMomentum: Scalar

  /// A cyclic schedule; `down` defaults to `up`.
  public init(base: Scalar, max: Scalar, up: Scalar = 2000, down: Scalar? = nil,
              mode: Mode = .triangular, gamma: Scalar = 1, baseMomentum: Scalar? = 0.8,
              maxMomentum: Scalar = 0.9) {
    self.base = base
    self.max = max
    self.up = up
    self.down = down ?? up
    self.mode = mode
    self.gamma = gamma
    self.baseMomentum = baseMomentum
    self.maxMomentum = maxMomentum
  }

  /// The position in the wave (0 at the bottom, 1 at the top) times the amplitude scale.
  @_specialize(where Scalar == Double)
  @_specialize(where Scalar == Float)
  public func wave(at step: Int) -> Scalar {
    let k = Scalar(Swift.max(step, 0))
    let total = up + down
    let ratio = up / total
    let cycle = (1 + k / total).rounded(.down)
    let x = 1 + k / total - cycle
    let s = x <= ratio ? x / ratio : (x - 1) / (ratio - 1)
    let scale: Scalar
    switch mode {
    case .triangular: scale = 1
    case .triangular2: scale = 1 / Scalar.pow(2, cycle - 1)
    case .exponentialRange: scale = Scalar.pow(gamma, k)
    }
    return s * scale
  }

  /// The learning rate used by update `step`.
  @_specialize(where Scalar == Double)
  @_specialize(where Scalar == Float)
  public func value(at step: Int) -> Scalar { base + (max - base) * wave(at: step) }

  /// The momentum (or β1) used by update `step`.
  @_specialize(where Scalar == Double)
  @_specialize(where Scalar == Float)
  public func momentum(at step: Int) -> Scalar {
    guard let baseMomentum else { return maxMomentum }
    return maxMomentum - (maxMomentum - baseMomentum) * wave(at: step)
  }
}
