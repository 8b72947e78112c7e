import LRSupport
import LRSchedules

/// Readers for JSON-based logs: LRKit's `log.jsonl`, generic JSONL, Hugging Face's
/// `trainer_state.json` and Sacred's `metrics.json`. Python's `NaN` and `Infinity` literals are read as the numbers they mean.
enum JSONReaders {
  /// One JSON object per line; a torn or garbage line is skipped and noted.
  static func jsonl(_ bytes: [UInt8], path: String, keys: KeyMapping) -> TrainingLog {
    var log = TrainingLog(format: "generic-jsonl", path: path)
    var lrkit = false
    var bad = 0
    var firstBad: Int?
    var lineNumber = 0
    var start = 0
    var implicitStep = 0
    var syncedStep: Int?
    // MMEngine's vis_data/scalars.json: training records carry `iter` and `step` (and `epoch`); its
    // validation and test records only `step`, which is then the epoch (0 when training counts
    // iterations), and use the same names (`loss`).
    var mmTrainStep: Int?
    var mmEvaluations = 0
    while start < bytes.count {
      var end = start
      while end < bytes.count && bytes[end] != 0x0A { end += 1 }
      lineNumber += 1
      let line = Array(bytes[start..<end])
      start = end + 1
      if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
      guard let value = try? JSONValue.parse(bytes: line, allowNonFinite: true), case .object(let pairs) = value else {
        bad += 1
        if firstBad == nil { firstBad = lineNumber }
        continue
      }
      // The best-ranked step key of the row (`train/global_step` over W&B's `_step`); a row
      // without the W&B integration's step metric after rows with it takes its last value.
      var step: Int?
      var rank = -1
      for (k, v) in pairs {
        guard let r = keys.stepRank(k), r > rank, case .number(let x, _) = v, let s = logStep(x) else { continue }
        step = s
        rank = r
      }
      if rank == 2 {
        syncedStep = step
      } else if rank < 2, let synced = syncedStep {
        step = synced
      }
      if value["grad_norm"] != nil && value["lr"] != nil && value["step"] != nil { lrkit = true }
      if keys.step == nil, value["iter"] != nil, step != nil, value["step"] != nil {
        mmTrainStep = step
      } else if keys.step == nil, let train = mmTrainStep, value["iter"] == nil, value["step"] != nil {
        // An evaluation: at the training step before it, its metrics as validation metrics.
        mmEvaluations += 1
        for (k, v) in pairs where k != "step" {
          if case .number(let x, _) = v { log.add(keys.canonical("val/" + k), step: train, value: x) }
        }
        continue
      }
      let s = step ?? implicitStep
      implicitStep = s + 1
      if case .string("diverged")? = value["event"] {
        log.notes.append("the run stopped at step \(s): diverged (\(value["cause"].map { $0.serialized() } ?? "no cause"))")
        log.add("diverged_event", step: s, value: 1)
        continue
      }
      for (k, v) in pairs where !keys.isStep(k) {
        if case .number(let x, _) = v { log.add(keys.canonical(k), step: s, value: x) }
      }
    }
    if lrkit { log.format = "lrkit-jsonl" }
    if mmEvaluations > 0 {
      log.format = "mmengine-scalars"
      log.notes.append("MMEngine's scalars.json logs \(mmEvaluations) evaluation record(s) with the epoch as their step: "
        + "read as validation metrics at the training step logged before each")
    }
    if bad > 0 { log.notes.append("skipped \(bad) line(s) that are not JSON objects (first at line \(firstBad!))") }
    return log
  }

  /// Sacred's `metrics.json` (`FileStorageObserver`, from `_run.log_scalar(name, value, step)`):
  /// `{"name": {"steps": [...], "values": [...], "timestamps": [...]}, ...}`. Nil when no member
  /// has that shape.
  static func sacredMetrics(_ root: JSONValue, path: String, keys: KeyMapping) -> TrainingLog? {
    guard case .object(let members) = root else { return nil }
    var log = TrainingLog(format: "sacred-metrics", path: path)
    var found = false
    var uneven: [String] = []
    for (name, member) in members {
      guard case .array(let steps)? = member["steps"], case .array(let values)? = member["values"] else { continue }
      found = true
      if steps.count != values.count { uneven.append(name) }
      let canonical = keys.canonical(name)
      for (s, v) in zip(steps, values) {
        guard case .number(let x, _) = s, let step = logStep(x), case .number(let value, _) = v else { continue }
        log.add(canonical, step: step, value: value)
      }
    }
    guard found else { return nil }
    if !uneven.isEmpty {
      log.notes.append("\(uneven.joined(separator: ", ")): fewer steps than values or the reverse; read the pairs up to the shorter list")
    }
    return log
  }

  /// Hugging Face `trainer_state.json`: the `log_history` list.
  static func trainerState(_ root: JSONValue, path: String, keys: KeyMapping) -> TrainingLog? {
    guard case .array(let history)? = root["log_history"] else { return nil }
    var log = TrainingLog(format: "hf-trainer-state", path: path)
    for entry in history {
      guard case .object(let pairs) = entry, case .number(let x, _)? = entry["step"], let s = logStep(x) else { continue }
      let isSummary = entry["train_runtime"] != nil
      for (k, v) in pairs where k != "step" && k != "epoch" {
        guard case .number(let x, _) = v else { continue }
        if isSummary { continue }  // the end-of-training summary (train_loss is a run mean)
        log.add(keys.canonical(k), step: s, value: x)
      }
      if case .number(let e, _)? = entry["epoch"], !isSummary { log.add("epoch", step: s, value: e) }
    }
    if let logging = root["logging_steps"], case .number(let n, _) = logging, n > 1 {
      log.notes.append("the Trainer logs the mean loss of every \(clampedInt(n)) steps: spikes shorter than that are averaged away")
    }
    log.notes.append("transformers filters NaN/Inf losses from its logged mean by default (logging_nan_inf_filter)")
    return log
  }
}
