/// Multiplies the learning rate by `gamma` at each milestone.
///
/// ```
/// lr(k) = lr · gamma^(number of milestones m with m ≤ k)
/// ```
/// The decay takes effect **at** `k == m` (PyTorch's convention; timm applies it at `m − 1`,
/// Keras' piecewise schedule at `m + 1`). Repeated milestones stack. Mirrors
/// `torch.optim.lr_scheduler.MultiStepLR`.
public struct MultiStepDecay<Scalar: ScheduleScalar>: LearningRateSchedule {
  /// The learning rate before the first milestone.
  public let lr: Scalar
  /// The steps at which the decay applies, sorted ascending.
  public let milestones: [Int]
  /// The factor applied at each milestone.
  public let gamma: Scalar

  /// A multi-step decay; milestones are sorted for you.
  public init(lr: Scalar, milestones: [Int], gamma: Scalar = 0.1) {
    self.lr = lr
    self.milestones = milestones.sorted()
    self.gamma = gamma
    self.levels = (0...milestones.count).map { lr * Scalar.pow(gamma, Scalar($0)) }
  }

  /// `lr · gamma^i` after `i` milestones.
  @usableFromInline let levels: [Scalar]

  /// The learning rate used by update `step`.
  @_specialize(where Scalar == Double)
  @_specialize(where Scalar == Float)
  @inline(__always) @inlinable public func value(at step: Int) -> Scalar {
    levels[countAtOrBelow(milestones, step)]
  }
}

/// The number of elements of the sorted array `sorted` that are `≤ x` (Python's `bisect_right`).
@inlinable func countAtOrBelow(_ sorted: [Int], _ x: Int) -> Int {
  var lo = 0
  var hi = sorted.count
  while lo < hi {
    let mid = (lo + hi) / 2
    if sorted[mid] <= x { lo = mid + 1 } else { hi = mid }
  }
  return lo
}
