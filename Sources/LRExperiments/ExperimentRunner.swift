import Dispatch
import Foundation
import LRDiagnostics
import LRTraining

/// One run of an experiment grid: an id, its labels and the training configuration.
public struct PlannedRun: Sendable {
  /// Unique id (`warmup/post-ln/lr=0.003/warmup=0/seed=1`).
  public var id: String
  /// Grid coordinates.
  public var labels: [String: String]
  /// What to train.
  public var config: TrainConfig

  /// A planned run.
  public init(id: String, labels: [String: String], config: TrainConfig) {
    self.id = id
    self.labels = labels
    self.config = config
  }
}

/// Runs independent training runs: a deterministic share of them (`--shard I/N`), several at a
/// time on the local cores, each one a pure function of its configuration.
public struct ExperimentRunner: Sendable {
  /// This process's shard: runs whose index ≡ `index` (mod `count`).
  public var shard: (index: Int, count: Int) = (0, 1)
  /// Runs at once.
  public var parallel: Int = 2

  /// A runner.
  public init(shard: (index: Int, count: Int) = (0, 1), parallel: Int = 2) {
    self.shard = shard
    self.parallel = parallel
  }

  /// The runs this shard owns.
  public func mine(_ runs: [PlannedRun]) -> [PlannedRun] {
    runs.enumerated().filter { $0.offset % shard.count == shard.index }.map(\.element)
  }

  /// Trains `runs` (this shard's share), calling `progress` as each finishes.
  public func run(_ runs: [PlannedRun], progress: @escaping @Sendable (RunResult, Int, Int) -> Void = { _, _, _ in })
    throws -> [RunResult]
  {
    let todo = mine(runs)
    let box = ResultBox(count: todo.count)
    let workers = max(1, min(parallel, todo.count))
    // Runs in parallel each use one thread for their matrix products.
    let previousThreads = GEMM.threads
    GEMM.threads = workers > 1 ? 1 : previousThreads
    defer { GEMM.threads = previousThreads }
    DispatchQueue.concurrentPerform(iterations: workers) { w in
      var i = w
      while i < todo.count {
        let result = Self.execute(todo[i])
        box.set(i, result)
        progress(result.0 ?? RunResult(id: todo[i].id, labels: todo[i].labels, lr: [], loss: [], evals: [], status: "failed", verdicts: [], seconds: 0), box.done(), todo.count)
        i += workers
      }
    }
    return try box.results()
  }

  static func execute(_ run: PlannedRun) -> (RunResult?, Error?) {
    let start = Date()
    do {
      let trainer = try Trainer(config: run.config, run: nil)
      var lr: [Double] = []
      var loss: [Double] = []
      var evals: [(Int, Double, Double?)] = []
      let summary = try trainer.train(progress: { r in
        lr.append(r.lr)
        loss.append(r.loss)
        if let e = r.evalLoss { evals.append((r.step, e, r.evalAccuracy)) }
      })
      var log = TrainingLog(format: "lrkit", path: run.id)
      for (k, v) in loss.enumerated() {
        log.add("loss", step: k, value: v)
        log.add("lr", step: k, value: lr[k])
      }
      if summary.status == .diverged {
        log.add("loss", step: loss.count, value: .nan)
        log.add("diverged_event", step: loss.count, value: 1)
      }
      for e in evals { log.add("eval_loss", step: e.0, value: e.1) }
      let verdicts = Diagnoser.diagnose(log.normalized())
      return (RunResult(id: run.id, labels: run.labels, lr: lr, loss: loss, evals: evals,
                        status: summary.status.rawValue, verdicts: verdicts,
                        seconds: Date().timeIntervalSince(start)), nil)
    } catch {
      return (nil, error)
    }
  }
}

/// Results filled in by several workers.
final class ResultBox: @unchecked Sendable {
  private let lock = NSLock()
  private var items: [(RunResult?, Error?)]
  private var finished = 0

  init(count: Int) { items = Array(repeating: (nil, nil), count: count) }

  func set(_ i: Int, _ r: (RunResult?, Error?)) {
    lock.lock()
    items[i] = r
    finished += 1
    lock.unlock()
  }

  func done() -> Int {
    lock.lock()
    defer { lock.unlock() }
    return finished
  }

  func results() throws -> [RunResult] {
    lock.lock()
    defer { lock.unlock() }
    return try items.map { r, e in
      if let e { throw e }
      return r!
    }
  }
}
