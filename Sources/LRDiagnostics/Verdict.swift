/// One finding about a training curve: what, where, how sure, the numbers behind it, and what to
/// change.
public struct Verdict: Sendable, Equatable {
  /// The kinds of finding.
  public enum Kind: String, Sendable, CaseIterable {
    /// NaN/Inf, or the loss blowing up past where it started.
    case diverged
    /// Sudden jumps of the loss (count, positions, whether it recovered).
    case spikes
    /// Little progress from the initial loss: the learning rate is too low.
    case stagnation
    /// Dispersion without a trend at the end: no decay, or the learning rate too high late.
    case oscillation
    /// Validation loss rising while the training loss falls.
    case overfitting
    /// Instability in the first steps: warmup too short or missing.
    case warmup
    /// Nothing wrong.
    case healthy
    /// The log has no loss series to judge (the evidence lists the series it has).
    case noLoss = "no_loss"
  }

  /// What was found.
  public var kind: Kind
  /// The first step of the problem region.
  public var startStep: Int
  /// The last step of the problem region.
  public var endStep: Int
  /// How sure, 0 to 1.
  public var confidence: Double
  /// The numbers that support it.
  public var evidence: String
  /// What to change, in plain words.
  public var advice: String
  /// The learning rate at the problem, when the log has it.
  public var lr: Double?

  /// A verdict.
  public init(kind: Kind, startStep: Int, endStep: Int, confidence: Double, evidence: String,
              advice: String, lr: Double? = nil) {
    self.kind = kind
    self.startStep = startStep
    self.endStep = endStep
    self.confidence = confidence
    self.evidence = evidence
    self.advice = advice
    self.lr = lr
  }
}
