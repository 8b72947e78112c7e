/// Warmup-stable-decay ("trapezoidal"): ramp up, hold the peak, then a short decay to a floor.
///
/// ```
/// k < W:           start + (peak − start) · ramp(k / W)
/// k < W + S:       peak
/// k < W + S + D:   p = (k − W − S) / D;   floor + (peak − floor) · shape(p)
/// after:           floor
/// shape: linear 1 − p;  cosine ½(1 + cos πp);  sqrt 1 − √p;  exponential: peak·(floor/peak)^p
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
  public var peak: Scalar
  /// The learning rate at step 0.
  public var start: Scalar
  /// The learning rate after the decay.
  public var floor: Scalar
  /// Warmup steps W.
  public var warmup: Int
  /// Stable steps S.
  public var stable: Int
  /// Decay steps D.
  public var decay: Int
  /// The decay shape.
  public var shape: DecayShape
  /// The warmup ramp's shape.
  public var warmupShape: WarmupShape

  /// A warmup-stable-decay schedule.
  public init(peak: Scalar, warmup: Int, stable: Int, decay: Int, floor: Scalar = 0,
              start: Scalar = 0, shape: DecayShape = .sqrt, warmupShape: WarmupShape = .linear) {
    self.peak = peak
    self.start = start
    self.floor = floor
    self.warmup = max(warmup, 0)
    self.stable = max(stable, 0)
    self.decay = max(decay, 0)
    self.shape = shape
    self.warmupShape = warmupShape
  }

  /// Total steps W + S + D.
  public var steps: Int { warmup + stable + decay }

  /// The learning rate used by update `step`.
  @_specialize(where Scalar == Double)
  @_specialize(where Scalar == Float)
  @inlinable public func value(at step: Int) -> Scalar {
    let k = max(step, 0)
    if k < warmup {
      let x = Scalar(k) / Scalar(warmup)
      switch warmupShape {
      case .linear: return start + (peak - start) * Scalar(k) / Scalar(warmup)
      case .cosine: return start + (peak - start) * ((1 - Scalar.cos(Scalar.pi * x)) / 2)
      case .sqrt: return start + (peak - start) * (1 - (1 - x).squareRoot())
      }
    }
    if k < warmup + stable { return peak }
    if k >= steps { return floor }
    let p = Scalar(k - warmup - stable) / Scalar(decay)
    switch shape {
    case .linear: return floor + (peak - floor) * (1 - p)
    case .cosine: return floor + (peak - floor) * (1 + Scalar.cos(Scalar.pi * p)) / 2
    case .sqrt: return floor + (peak - floor) * (1 - p.squareRoot())
    case .exponential: return peak * Scalar.pow(floor / peak, p)
    }
  }
}
