import LRSupport
import LRDiagnostics
import LRSchedules
import LRTraining

/// The outcome of one training run in an experiment: its curves, summary and diagnosis.
public struct RunResult: Sendable {
  /// The run's identity in the experiment (e.g. `compare/cosine/seed1`).
  public var id: String
  /// Labels that place the run in its grid (`schedule`, `warmup`, `norm`, `lr`, `batch`, `seed`).
  public var labels: [String: String]
  /// The learning rate of every update.
  public var lr: [Double]
  /// The training loss of every update.
  public var loss: [Double]
  /// Evaluations: (update index, validation loss, accuracy).
  public var evals: [(step: Int, loss: Double, accuracy: Double?)]
  /// `completed` or `diverged`.
  public var status: String
  /// The diagnosis of the run's log.
  public var verdicts: [Verdict]
  /// Wall-clock seconds.
  public var seconds: Double

  /// The last validation loss.
  public var finalEvalLoss: Double? { evals.last?.loss }
  /// The lowest validation loss.
  public var bestEvalLoss: Double? { evals.map(\.loss).filter(\.isFinite).min() }
  /// The last validation accuracy.
  public var finalAccuracy: Double? { evals.last?.accuracy ?? nil }

  /// The mean training loss of the last `fraction` of the run (a noise-robust "final loss").
  public func finalTrainLoss(fraction: Double = 0.1) -> Double {
    let tail = loss.suffix(max(1, Int(Double(loss.count) * fraction)))
    return tail.reduce(0, +) / Double(tail.count)
  }

  /// The first update whose running-mean training loss (window 10) is at or below `target`.
  public func stepsToReach(_ target: Double) -> Int? {
    var sum = 0.0
    for (i, l) in loss.enumerated() {
      sum += l
      if i >= 10 { sum -= loss[i - 10] }
      if i >= 9 && sum / 10 <= target { return i }
    }
    return nil
  }

  /// The result as JSON (for `results.json` and shard files). Strict JSON: a non-finite loss
  /// or lr (a diverged run) is written as null, and `status` says why.
  package var json: JSONValue {
    .object([
      ("id", .string(id)),
      ("labels", .object(labels.keys.sorted().map { ($0, .string(labels[$0]!)) })),
      ("status", .string(status)), ("seconds", .double(seconds)),
      ("lr", .array(lr.map { .double($0) })), ("loss", .array(loss.map { .double($0) })),
      ("evals", .array(evals.map { e in
        .object([("step", .int(e.step)), ("loss", .double(e.loss)), ("accuracy", e.accuracy.map { .double($0) } ?? .null)])
      })),
      ("verdicts", .array(verdicts.map { v in
        .object([("kind", .string(v.kind.rawValue)), ("start_step", .int(v.startStep)), ("end_step", .int(v.endStep)),
                 ("confidence", .double(v.confidence)), ("evidence", .string(v.evidence)), ("advice", .string(v.advice))])
      })),
    ])
  }

  /// Reads a result written by ``json``.
  package init?(json: JSONValue) {
    guard case .string(let id)? = json["id"], case .object(let labelPairs)? = json["labels"],
      case .string(let status)? = json["status"]
    else { return nil }
    func numbers(_ v: JSONValue?) -> [Double] {
      guard case .array(let items)? = v else { return [] }
      return items.map { if case .number(let x, _) = $0 { return x } else { return .nan } }
    }
    self.id = id
    self.labels = Dictionary(uniqueKeysWithValues: labelPairs.compactMap { k, v in
      if case .string(let s) = v { return (k, s) } else { return nil }
    })
    self.status = status
    if case .number(let s, _)? = json["seconds"] { seconds = s } else { seconds = 0 }
    lr = numbers(json["lr"])
    loss = numbers(json["loss"])
    evals = []
    if case .array(let items)? = json["evals"] {
      for e in items {
        guard case .number(let s, _)? = e["step"] else { continue }
        // A non-finite loss is written as null (strict JSON): read it back as NaN.
        var l = Double.nan
        if case .number(let x, _)? = e["loss"] { l = x }
        var acc: Double?
        if case .number(let a, _)? = e["accuracy"] { acc = a }
        evals.append((Int(s), l, acc))
      }
    }
    verdicts = []
    if case .array(let items)? = json["verdicts"] {
      for v in items {
        guard case .string(let k)? = v["kind"], let kind = Verdict.Kind(rawValue: k),
          case .number(let a, _)? = v["start_step"], case .number(let b, _)? = v["end_step"],
          case .number(let c, _)? = v["confidence"], case .string(let ev)? = v["evidence"],
          case .string(let ad)? = v["advice"]
        else { continue }
        verdicts.append(Verdict(kind: kind, startStep: Int(a), endStep: Int(b), confidence: c, evidence: ev, advice: ad))
      }
    }
  }

  /// A result.
  public init(id: String, labels: [String: String], lr: [Double], loss: [Double],
              evals: [(step: Int, loss: Double, accuracy: Double?)], status: String,
              verdicts: [Verdict], seconds: Double) {
    self.id = id
    self.labels = labels
    self.lr = lr
    self.loss = loss
    self.evals = evals
    self.status = status
    self.verdicts = verdicts
    self.seconds = seconds
  }
}
