/// The metric-driven part of ReduceLROnPlateau: tracks the best metric and decides when the
/// learning rate should be cut.
///
/// ```
/// better(a, best): min/rel a < best·(1 − thr);  min/abs a < best − thr
///                  max/rel a > best·(1 + thr);  max/abs a > best + thr
/// after each metric: better → best = a, bad = 0;  else bad += 1
///                    in cooldown: cooldown −= 1, bad = 0
///                    bad > patience → reduce, cooldown = cooldownSteps, bad = 0
/// ```
/// The first reduction comes after `patience + 1` non-improving metrics, as in
/// `torch.optim.lr_scheduler.ReduceLROnPlateau`.
public struct PlateauController: Sendable, Equatable {
  /// Whether lower or higher metrics are better.
  public enum Mode: String, Sendable, CaseIterable {
    /// Lower is better (a loss).
    case min
    /// Higher is better (an accuracy).
    case max
  }

  /// How `threshold` is applied.
  public enum ThresholdMode: String, Sendable, CaseIterable {
    /// Relative to the best value.
    case rel
    /// In the metric's units.
    case abs
  }

  /// Whether lower or higher metrics are better.
  public var mode: Mode
  /// Non-improving metrics tolerated before a reduction.
  public var patience: Int
  /// The minimum improvement that counts.
  public var threshold: Double
  /// How `threshold` is applied.
  public var thresholdMode: ThresholdMode
  /// Metrics ignored after a reduction.
  public var cooldown: Int

  /// The best metric so far.
  public private(set) var best: Double
  /// Consecutive non-improving metrics.
  public private(set) var badCount = 0
  /// Metrics left in the current cooldown.
  public private(set) var cooldownCounter = 0

  /// A controller with PyTorch's defaults.
  public init(mode: Mode = .min, patience: Int = 10, threshold: Double = 1e-4,
              thresholdMode: ThresholdMode = .rel, cooldown: Int = 0) {
    self.mode = mode
    self.patience = patience
    self.threshold = threshold
    self.thresholdMode = thresholdMode
    self.cooldown = cooldown
    self.best = mode == .min ? .infinity : -.infinity
  }

  /// The mutable part, for saving and restoring.
  public var state: (best: Double, badCount: Int, cooldownCounter: Int) {
    get { (best, badCount, cooldownCounter) }
    set { (best, badCount, cooldownCounter) = newValue }
  }

  /// Whether `metric` improves on `best`.
  public func isBetter(_ metric: Double) -> Bool {
    switch (mode, thresholdMode) {
    case (.min, .rel): metric < best * (1 - threshold)
    case (.min, .abs): metric < best - threshold
    case (.max, .rel): metric > best * (threshold + 1)
    case (.max, .abs): metric > best + threshold
    }
  }

  /// Records one metric; returns true when the learning rate should be reduced now.
  public mutating func observe(_ metric: Double) -> Bool {
    if isBetter(metric) {
      best = metric
      badCount = 0
    } else {
      badCount += 1
    }
    if cooldownCounter > 0 {
      cooldownCounter -= 1
      badCount = 0
    }
    if badCount > patience {
      cooldownCounter = cooldown
      badCount = 0
      return true
    }
    return false
  }
}
