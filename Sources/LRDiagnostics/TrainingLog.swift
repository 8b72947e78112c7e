/// A training log read from any framework, reduced to named series of (step, value) points.
///
/// Canonical names: `loss` (training loss), `lr`, `grad_norm`, `eval_loss`, `eval_accuracy`;
/// other metrics keep their own names.
public struct TrainingLog: Sendable {
  /// One metric over steps.
  public struct Series: Sendable, Equatable {
    /// Steps, in the order logged (ascending after ``TrainingLog/normalized()``).
    public var steps: [Int] = []
    /// Values (may be NaN or infinite: a diverged run logs them).
    public var values: [Double] = []

    /// An empty series.
    public init() {}

    /// Appends one point.
    public mutating func append(_ step: Int, _ value: Double) {
      steps.append(step)
      values.append(value)
    }

    /// The number of points.
    public var count: Int { steps.count }
  }

  /// The format the log was read as (`lrkit-jsonl`, `hf-trainer-state`, `lightning-csv`,
  /// `tensorboard`, `wandb`, `dvclive`, `sacred-metrics`, `generic-csv`, `generic-jsonl`, `hf-console`, `keras-console`, `text`, `text-table`).
  public var format: String
  /// The file or directory read.
  public var path: String
  /// The series by name.
  public var series: [String: Series] = [:]
  /// What was skipped or could not be read (partial reads say so here).
  public var notes: [String] = []
  /// The loss of a model that has learned nothing, `ln(classes)`, when the run says how many
  /// classes (or tokens) it predicts: a Hugging Face model's `config.json`, or `--classes`.
  public var chanceLoss: Double?

  /// A log of `format` read from `path`.
  public init(format: String, path: String) {
    self.format = format
    self.path = path
  }

  /// Points dropped by ``add(_:step:value:)`` because their step was beyond ±2⁵³.
  var stepsOutOfRange = 0

  /// Adds a point to the series `name`; a step beyond ±2⁵³ (a corrupted record: no run is that
  /// long) is dropped, counted, and reported by ``normalized()`` in ``notes``.
  public mutating func add(_ name: String, step: Int, value: Double) {
    guard step >= -maxLogStep && step <= maxLogStep else {
      stepsOutOfRange += 1
      return
    }
    series[name, default: Series()].append(step, value)
  }

  /// Takes `other`'s notes, and its count of dropped steps, when its points are merged in.
  mutating func takeNotes(of other: TrainingLog) {
    notes += other.notes
    stepsOutOfRange += other.stepsOutOfRange
  }

  /// The series sorted by step; for repeated steps the last logged value wins.
  public func normalized() -> TrainingLog {
    var out = self
    if stepsOutOfRange > 0 {
      out.notes.append("skipped \(stepsOutOfRange) point(s) whose step is beyond ±2^53 (not a real step: a corrupted record)")
      out.stepsOutOfRange = 0
    }
    for (name, s) in series {
      // Logs are almost always in step order already: then one pass drops repeated steps.
      var order = Array(s.steps.indices)
      if zip(s.steps, s.steps.dropFirst()).contains(where: { $0 > $1 }) {
        order.sort { s.steps[$0] != s.steps[$1] ? s.steps[$0] < s.steps[$1] : $0 < $1 }
      }
      var sorted = Series()
      sorted.steps.reserveCapacity(order.count)
      sorted.values.reserveCapacity(order.count)
      for i in order {
        if let last = sorted.steps.last, last == s.steps[i] {
          sorted.values[sorted.values.count - 1] = s.values[i]
        } else {
          sorted.append(s.steps[i], s.values[i])
        }
      }
      out.series[name] = sorted
    }
    return out
  }
}

/// Why a log could not be read.
public enum LogError: Error, Equatable, Sendable, CustomStringConvertible {
  /// The path does not exist or cannot be read.
  case unreadable(path: String, reason: String)
  /// No reader recognises the content.
  case unrecognized(path: String, reason: String)
  /// The content is recognised but holds no usable training metric.
  case empty(path: String, reason: String)
  /// A key the user named (`--loss-key` and the like) is not in the log.
  case missingKey(path: String, option: String, key: String, present: [String])
  /// A document still being written (read again later).
  case incomplete(path: String)

  /// One line naming the file and the problem.
  public var description: String {
    switch self {
    case .unreadable(let p, let r): "'\(p)': \(r)"
    case .unrecognized(let p, let r): "'\(p)': not a training log LRKit can read (\(r))"
    case .empty(let p, let r): "'\(p)': \(r)"
    case .incomplete(let p): "'\(p)': the file is being written (incomplete)"
    case .missingKey(let p, let option, let key, let present):
      "'\(p)': \(option) '\(key)' is not in the log; series present: "
        + (present.isEmpty ? "none" : present.joined(separator: ", "))
    }
  }
}
