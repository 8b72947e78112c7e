/// Cyclical learning rates (Smith 2017): a triangle wave between `lr` and `maxLR`.
///
/// ```
/// total = up + down,  ratio = up / total
/// cycle = ⌊1 + k / total⌋,   x = 1 + k / total − cycle
/// s = x / ratio  if x ≤ ratio,  else (x − 1)/(ratio − 1)
/// lr(k) = lr + (maxLR − lr) · s · scale
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
  public let lr: Scalar
  /// The high end of the wave (first cycle).
  public let maxLR: Scalar
  /// Steps rising.
  public let up: Scalar
  /// Steps falling.
  public let down: Scalar
  /// The amplitude policy.
  public let mode: Mode
  /// The per-step amplitude factor for `exponentialRange`.
  public let gamma: Scalar
  /// Momentum at the top of the lr wave, or nil when momentum is not driven.
  public let baseMomentum: Scalar?
  /// Momentum at the bottom of the lr wave.
  public let maxMomentum: Scalar

  /// A cyclic schedule; `down` defaults to `up`.
  public init(lr: Scalar, maxLR: Scalar, up: Scalar = 2000, down: Scalar? = nil,
              mode: Mode = .triangular, gamma: Scalar = 1, baseMomentum: Scalar? = 0.8,
              maxMomentum: Scalar = 0.9) {
    precondition(up > 0 && (down ?? up) > 0, "Cyclic needs positive up and down lengths")
    self.lr = lr
    self.maxLR = maxLR
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
  @inline(__always) public func wave(at step: Int) -> Scalar {
    let k = Scalar(integer: Swift.max(step, 0))
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
  @inline(__always) public func value(at step: Int) -> Scalar { lr + (maxLR - lr) * wave(at: step) }

  /// A cyclic schedule (the former spelling of ``init(lr:maxLR:up:down:mode:gamma:baseMomentum:maxMomentum:)``).
  @available(*, deprecated, renamed: "init(lr:maxLR:up:down:mode:gamma:baseMomentum:maxMomentum:)")
  public init(base: Scalar, max: Scalar, up: Scalar = 2000, down: Scalar? = nil,
              mode: Mode = .triangular, gamma: Scalar = 1, baseMomentum: Scalar? = 0.8,
              maxMomentum: Scalar = 0.9) {
    self.init(lr: base, maxLR: max, up: up, down: down, mode: mode, gamma: gamma, baseMomentum: baseMomentum,
              maxMomentum: maxMomentum)
  }

  /// The momentum (or β1) used by update `step`.
  @_specialize(where Scalar == Double)
  @_specialize(where Scalar == Float)
  @inline(__always) public func momentum(at step: Int) -> Scalar {
    guard let baseMomentum else { return maxMomentum }
    return maxMomentum - (maxMomentum - baseMomentum) * wave(at: step)
  }
}
