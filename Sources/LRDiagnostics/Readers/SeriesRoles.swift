/// Finds the training and validation loss in logs that name them in their own way (`train/mse`,
/// `nll`, `recon_loss`, `val/mse`): used when no series has one of the usual names.
enum SeriesRoles {
  static let lossWords = ["loss", "mse", "mae", "rmse", "nll", "bce", "ce", "cross_entropy", "crossentropy",
                          "objective", "huber", "l1", "l2"]
  static let evalWords = ["val", "valid", "validation", "eval", "test", "dev"]

  /// The lowercase words of a metric name (`Loss/validation` → loss, validation).
  static func words(_ name: String) -> [String] {
    name.lowercased().split { !$0.isLetter && !$0.isNumber }.map(String.init)
  }

  /// A score for `name` as a loss (higher is better), or nil when it is not one.
  static func lossScore(_ name: String) -> Int? {
    var w = words(name)
    // Keras's W&B logger namespaces its per-epoch metrics: `epoch/loss` is a loss, not an epoch.
    if name.lowercased().hasPrefix("epoch/") { w.removeFirst() }
    guard let last = w.last else { return nil }
    if w.contains(where: { ["acc", "accuracy", "lr", "learning", "rate", "norm", "epoch", "step", "time", "runtime"].contains($0) }) {
      return nil
    }
    if w.contains("loss") { return 3 }
    if lossWords.contains(last) { return 2 }
    if w.contains(where: lossWords.contains) { return 1 }
    return nil
  }

  /// Whether `name` is a validation metric.
  static func isEval(_ name: String) -> Bool { words(name).contains(where: evalWords.contains) }

  /// Renames the best candidates to `loss` / `eval_loss` when those are missing, with a note.
  static func assign(_ log: inout TrainingLog) {
    let names = log.series.keys.sorted()
    func best(eval: Bool) -> String? {
      names.filter { $0 != "loss" && $0 != "eval_loss" && isEval($0) == eval && (log.series[$0]?.count ?? 0) > 0 }
        .compactMap { n in lossScore(n).map { (n, $0) } }
        .max { $0.1 != $1.1 ? $0.1 < $1.1 : $0.0.count > $1.0.count }?.0
    }
    if log.series["loss"] == nil, let name = best(eval: false) {
      log.series["loss"] = log.series.removeValue(forKey: name)
      log.notes.append("read '\(name)' as the training loss (--loss-key chooses another)")
    }
    if log.series["eval_loss"] == nil, let name = best(eval: true) {
      log.series["eval_loss"] = log.series.removeValue(forKey: name)
      log.notes.append("read '\(name)' as the validation loss")
    }
  }
}
