/// Every threshold the detectors use, named in one place.
///
/// The values were chosen on the tuning half of the labelled corpus
/// (`Tests/LRDiagnosticsTests/Corpus/real`, split by a hash of the case name before any tuning)
/// and the older corpus of framework logs; the held-out half is never used to choose them.
/// Sizes are measured against the run's own scales: the **noise** (a robust spread of
/// `log(loss)` around its running median) and the **progress** (start level minus best level).
public struct DiagnosisThresholds: Sendable, Equatable {
  /// A spike's peak is at least this many robust standard deviations of the local log-noise
  /// above the running median.
  public var spikeNoiseMultiple = 4.0
  /// …and at least this fraction of the run's progress above it.
  public var spikeProgressFraction = 0.3
  /// …and at least this factor above it.
  public var spikeRatio = 1.3
  /// A spike has recovered when the loss comes back within this fraction of its height.
  public var spikeRecoveryFraction = 0.2
  /// Events above the thresholds that are more common than this fraction of the points are the
  /// run's noise, not spikes.
  public var spikeMaxRate = 0.01

  /// Collapse needs real progress first: the best level at least this fraction below the start.
  public var collapseMinProgress = 0.3
  /// The loss has collapsed when its running median returns to within this fraction of the
  /// progress from the start (or to the chance level) …
  public var collapseReturnFraction = 0.1
  /// … and stays there (this fraction of the remaining points) …
  public var collapsePersistence = 0.9
  /// … for at least this fraction of the run, sitting still (a robust spread of `log(loss)`
  /// below this) unless it sits far above its start.
  public var collapseMinLength = 0.1
  public var collapseStillness = 0.35
  /// Explosion: a point this many times the first loss, with the run ending no lower than its
  /// first value, is a diverged run.
  public var explosionFactor = 100.0
  /// Blow-up without NaN: the final level above this multiple of the start …
  public var blowUpOverStart = 1.5
  /// … and this multiple of the best level.
  public var blowUpOverBest = 3.0

  /// Warmup: the early peak is at least this fraction above the first logged loss …
  public var warmupRise = 0.15
  /// … and this many robust standard deviations of the early log-noise above the running median …
  public var warmupNoiseMultiple = 4.0
  /// … while the lr is at least this fraction of its peak (no warmup, or one already over).
  public var warmupLRFraction = 0.5
  /// The early window: this fraction of the logged points (at least 5).
  public var earlyFraction = 0.1

  /// Stagnation: the end of the run is less than this fraction below the start (the tuning
  /// runs: stagnant ones at most 7 % lower, healthy ones at least 24 %).
  public var stagnationImprovement = 0.15

  /// Oscillation: the median jump between consecutive window medians of the second half, in
  /// natural-log units (0.35 ≈ a factor of 1.4 from one window to the next) …
  public var oscillationRoughness = 0.35
  /// … or the last quarter's running median sits this fraction of the progress above the best
  /// level (and 1.5× above it) …
  public var oscillationAboveBest = 0.3
  /// … while the lr ends at least this fraction of its peak (no decay).
  public var oscillationLRFraction = 0.3

  /// A run that learned nothing yet logs a large loss: an accuracy that stays within this range …
  /// (chosen on the Keras and fastai runs of `Corpus/text`; see `CollapseDetector`)
  public var guessAccuracyRange = 0.05
  /// … at a median no higher than this (wrong at least half the time, all run long) …
  public var guessAccuracyMax = 0.5
  /// … while the second half's median loss is more than this multiple of `−ln(accuracy)`, the
  /// cross-entropy of a constant guess that scores that accuracy, is a run that blew up before
  /// its first logged point.
  public var guessLossRatio = 3.0
  /// A classifier (a log with an accuracy) whose training or validation loss sits above this in
  /// its second half has blown-up logits: a mean cross-entropy of 20 gives the true class a
  /// probability of e⁻²⁰ on average, whatever the accuracy (chosen on the runs of
  /// `Corpus/blowup`, checked on `Corpus/blowup-fresh`).
  public var classifierLossCeiling = 20.0

  /// Overfitting: the last validation loss is at least this fraction above its minimum.
  public var overfittingRise = 0.05
  /// … and this fraction of the evaluations after the minimum lie 3 % above it.
  public var overfittingAboveFraction = 0.6

  /// The thresholds LRKit uses.
  public static let standard = DiagnosisThresholds()

  /// Thresholds; start from ``standard`` and change fields.
  public init() {}
}
