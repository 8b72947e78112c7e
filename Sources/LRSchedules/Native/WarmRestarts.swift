/// Cosine annealing with warm restarts (SGDR, Loshchilov & Hutter 2017).
///
/// ```
/// cycle i has length L_i = T0 · m^i and starts at S_i = T0 · (m^i − 1)/(m − 1)  (S_i = i·T0 if m = 1)
/// i, t: the cycle containing k and the offset in it (found exactly, without the floating-log trap)
/// lr(k) = floor + (lr · decay^i − floor) · ½ (1 + cos(π t / L_i))      i < cycleLimit
///       = floor                                                         otherwise
/// ```
/// `multiplier` may be fractional (timm's `cycle_mul`); PyTorch's
/// `CosineAnnealingWarmRestarts` allows integers only. Mirrors that class, timm's
/// `CosineLRScheduler` cycles and Keras' `CosineDecayRestarts`.
public struct WarmRestarts<Scalar: ScheduleScalar>: LearningRateSchedule {
  /// The peak of the first cycle.
  public let lr: Scalar
  /// The learning rate at the bottom of each cycle.
  public let floor: Scalar
  /// Length of the first cycle, T0; positive.
  public let period: Int
  /// Cycle-length multiplier m; at least 1.
  public let multiplier: Scalar
  /// Peak multiplier per cycle.
  public let peakDecay: Scalar
  /// Number of cycles before the learning rate stays at `floor`; nil for unlimited.
  public let cycleLimit: Int?

  /// Warm restarts.
  public init(lr: Scalar, floor: Scalar = 0, period: Int, multiplier: Scalar = 1,
              peakDecay: Scalar = 1, cycleLimit: Int? = nil) {
    self.lr = lr
    self.floor = floor
    self.period = max(period, 1)
    self.multiplier = max(multiplier, 1)
    self.peakDecay = peakDecay
    self.cycleLimit = cycleLimit
    // Cycle starts (and lengths) up to ~2^53 steps, so that finding the cycle is a binary
    // search instead of a floating logarithm.
    var starts: [Scalar] = []
    var lengths: [Scalar] = []
    if self.multiplier != 1 {
      let t0 = Scalar(self.period)
      var i = 0
      while i < 4096 {
        let start = t0 * (Scalar.pow(self.multiplier, Scalar(i)) - 1) / (self.multiplier - 1)
        guard start.isFinite, start < 9.0e15 else { break }
        starts.append(start)
        lengths.append(t0 * Scalar.pow(self.multiplier, Scalar(i)))
        i += 1
      }
    }
    self.starts = starts
    self.lengths = lengths
    search = starts.isEmpty ? nil : CycleSearch(starts: starts.map { Double($0) })
    // Each cycle's peak, `lr · decay^i`, computed once (the same expression, so the same bits).
    let cycles = self.multiplier != 1 ? starts.count : 4096
    peaks = peakDecay == 1 ? [] : (0..<cycles).map { lr * Scalar.pow(peakDecay, Scalar($0)) }
  }

  /// `lr · peakDecay^i` for the first cycles (empty when `peakDecay` is 1).
  @usableFromInline let peaks: [Scalar]

  /// Precomputed cycle starts S_i and lengths L_i (multiplier ≠ 1).
  @usableFromInline let starts: [Scalar]
  @usableFromInline let lengths: [Scalar]
  /// The index over `starts` that finds a step's cycle (multiplier ≠ 1).
  @usableFromInline let search: CycleSearch?

  /// The cycle index, the offset into it and its length at `step`.
  @_specialize(where Scalar == Double)
  @_specialize(where Scalar == Float)
  @inline(__always) public func cycle(at step: Int) -> (index: Int, offset: Scalar, length: Scalar) {
    let k = max(step, 0)
    if multiplier == 1 {
      let i = k / period
      return (i, Scalar(integer: k - i * period), Scalar(integer: period))
    }
    let x = Scalar(integer: k)
    // Every start is exact as a Double, and so is x: the same comparisons as in `Scalar`.
    let lo = search.unsafelyUnwrapped.index(notAbove: Double(x))
    return (lo, x - starts[lo], lengths[lo])
  }

  /// The learning rate used by update `step`.
  @_specialize(where Scalar == Double)
  @_specialize(where Scalar == Float)
  @inline(__always) @inlinable public func value(at step: Int) -> Scalar {
    let (i, t, length) = cycle(at: step)
    if let cycleLimit, i >= cycleLimit { return floor }
    let peak = peakDecay == 1 ? lr : i < peaks.count ? peaks[i] : lr * Scalar.pow(peakDecay, Scalar(integer: i))
    return floor + (peak - floor) * (1 + Scalar.cos(Scalar.pi * t / length)) / 2
  }
}
