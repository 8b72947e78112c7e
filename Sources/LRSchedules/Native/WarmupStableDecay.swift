/// Warmup-stable-decay ("trapezoidal"): ramp up, hold the peak, then a short decay to a floor.
///
/// ```
/// k < W:           start + (lr − start) · ramp(k / W)
/// k < W + S:       lr
/// k < W + S + D:   p = (k − W − S) / D;   floor + (lr − floor) · shape(p)
/// after:           floor
/// shape: linear 1 − p;  cosine ½(1 + cos πp);  sqrt 1 − √p;  exponential: lr·(floor/lr)^p
/// ramp:  linear x;  cosine ½(1 − cos πx);  1-sqrt 1 − √(1 − x)
/// ```
/// Mirrors transformers' `get_wsd_schedule` (which starts the warmup at the floor) and timm's
/// `WSDLRScheduler`; the 1-sqrt cooldown is the one Hägele et al. (arXiv 2405.18392) recommend.
public struct WarmupStableDecay<Scalar: ScheduleScalar>: LearningRateSchedule {
  /// The shape of the final decay.
  public enum DecayShape: String, Sendable, CaseIterable {
    /// Straight line to the floor.
    case linear
    /// Half cosine to the floor.
    case cosine
    /// `1 − √p`: fast at first, then slow.
    case sqrt = "1-sqrt"
    /// Geometric interpolation; needs a positive floor.
    case exponential
  }

  /// The shape of the warmup ramp.
  public enum WarmupShape: String, Sendable, CaseIterable {
    /// A straight line.
    case linear
    /// A half cosine, flat at both ends.
    case cosine
    /// `1 − √(1 − x)`, steep at first.
    case sqrt = "1-sqrt"
  }

  /// The plateau learning rate.
  public let lr: Scalar
  /// The learning rate at step 0.
  public let start: Scalar
  /// The learning rate after the decay.
  public let floor: Scalar
  /// Warmup steps W.
  public let warmup: Int
  /// Stable steps S.
  public let stable: Int
  /// Decay steps D.
  public let decay: Int
  /// The decay shape.
  public let shape: DecayShape
  /// The warmup ramp's shape.
  public let warmupShape: WarmupShape

  /// A warmup-stable-decay schedule.
  public init(lr: Scalar, warmup: Int, stable: Int, decay: Int, floor: Scalar = 0,
              start: Scalar = 0, shape: DecayShape = .sqrt, warmupShape: WarmupShape = .linear) {
    precondition(warmup >= 0 && stable >= 0 && decay >= 0,
                 "WarmupStableDecay needs non-negative phase lengths (got \(warmup), \(stable), \(decay))")
    self.lr = lr
    self.start = start
    self.floor = floor
    self.warmup = warmup
    self.stable = stable
    self.decay = decay
    self.shape = shape
    self.warmupShape = warmupShape
  }

  /// A warmup-stable-decay schedule (the former spelling of ``init(lr:warmup:stable:decay:floor:start:shape:warmupShape:)``).
  @available(*, deprecated, renamed: "init(lr:warmup:stable:decay:floor:start:shape:warmupShape:)")
  public init(peak: Scalar, warmup: Int, stable: Int, decay: Int, floor: Scalar = 0,
              start: Scalar = 0, shape: DecayShape = .sqrt, warmupShape: WarmupShape = .linear) {
    self.init(lr: peak, warmup: warmup, stable: stable, decay: decay, floor: floor, start: start, shape: shape,
              warmupShape: warmupShape)
  }

  /// Total steps W + S + D.
  public var steps: Int { warmup + stable + decay }

  /// The learning rate used by update `step`.
  @_specialize(where Scalar == Double)
  @_specialize(where Scalar == Float)
  @inline(__always) @inlinable public func value(at step: Int) -> Scalar {
    let k = max(step, 0)
    if k < warmup {
      let x = Scalar(integer: k) / Scalar(integer: warmup)
      switch warmupShape {
      case .linear: return start + (lr - start) * Scalar(integer: k) / Scalar(integer: warmup)
      case .cosine: return start + (lr - start) * ((1 - Scalar.cos(Scalar.pi * x)) / 2)
      case .sqrt: return start + (lr - start) * (1 - (1 - x).squareRoot())
      }
    }
    if k < warmup + stable { return lr }
    if k >= steps { return floor }
    let p = Scalar(integer: k - warmup - stable) / Scalar(integer: decay)
    switch shape {
    case .linear: return floor + (lr - floor) * (1 - p)
    case .cosine: return floor + (lr - floor) * (1 + Scalar.cos(Scalar.pi * p)) / 2
    case .sqrt: return floor + (lr - floor) * (1 - p.squareRoot())
    case .exponential: return lr * Scalar.pow(floor / lr, p)
    }
  }
}
