import LRSupport

/// The Hugging Face Trainer's console output (`python train.py > train.log 2>&1`): the
/// `{'loss': …, 'learning_rate': …, 'epoch': …}` lines its printer writes, among tqdm bars
/// and warnings.
///
/// transformers 5 writes each value as a quoted string of 4 significant digits
/// (`{'loss': '2.345', 'learning_rate': '4.9e-05', 'epoch': '0.1'}`), transformers 4 as a
/// number (the loss rounded to 4 decimals). The lines carry no step: it is `epoch × updates per epoch`, where the updates come
/// from the training bar's total (`0/150`, the first bar in the file) and the epochs from the
/// end-of-training summary (`{'train_runtime': …, 'epoch': '3'}`); training records are then
/// placed on the multiples of their logging interval. Without a bar (`disable_tqdm`) the
/// updates are the summary's `train_steps_per_second × train_runtime`, to their rounding.
/// Without a summary (a run killed or still running), each record's step is its index and a note
/// says so.
enum ConsoleLogReader {
  /// One printed dict: its keys in order with their numbers (nil where not a number).
  typealias Record = [(key: String, value: Double?)]

  /// The log, or nil when `text` holds fewer than two printed records with a loss.
  static func read(_ text: String, path: String, keys: KeyMapping) -> TrainingLog? {
    let bytes = Array(text.utf8)
    var records: [Record] = []
    var barTotal: Int?
    var i = 0
    while i < bytes.count {
      if bytes[i] == UInt8(ascii: "{"), i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "'"),
        let (record, end) = parseRecord(bytes, from: i)
      {
        records.append(record)
        i = end
        continue
      }
      if barTotal == nil, bytes[i] == UInt8(ascii: "/"), let total = barTotalAt(bytes, slash: i) { barTotal = total }
      i += 1
    }
    let losses = records.filter { r in r.contains { $0.key == "loss" || $0.key == "eval_loss" } }
    guard losses.count >= 2 else { return nil }

    func number(_ r: Record, _ key: String) -> Double? { r.first { $0.key == key }?.value ?? nil }
    let summary = records.last { r in r.contains { $0.key == "train_runtime" } }
    var log = TrainingLog(format: "hf-console", path: path)
    var perEpoch: Double?
    var approximate = false
    if let summary, let epochs = number(summary, "epoch"), epochs > 1e-9, epochs < 1e9 {
      if let total = barTotal {
        perEpoch = Double(total) / epochs
      } else if let rate = number(summary, "train_steps_per_second"), let runtime = number(summary, "train_runtime"),
        rate * runtime >= 1, rate * runtime < 1e12
      {
        // No bar (disable_tqdm): the summary's rate × runtime is the number of updates, to its rounding.
        perEpoch = (rate * runtime).rounded() / epochs
        approximate = true
      }
    }
    // The logging interval of the training records, from their epochs.
    var interval: Int?
    if let perEpoch {
      let trainSteps = records.filter { number($0, "loss") != nil }.compactMap { number($0, "epoch") }
        .map { $0 * perEpoch }
      let gaps = zip(trainSteps.dropFirst(), trainSteps).map { $0 - $1 }.filter { $0 > 0.5 }.sorted()
      if !gaps.isEmpty {
        let l = gaps[gaps.count / 2].rounded()
        if l >= 1, l < 1e12, trainSteps.allSatisfy({ abs($0 - ($0 / l).rounded() * l) <= max(1, 0.02 * l) }) {
          interval = Int(l)
        }
      }
    }
    if let p = perEpoch, !(p.isFinite && p < 1e12) { perEpoch = nil }
    var index = 0
    for r in records where !r.contains(where: { $0.key == "train_runtime" }) {
      let epoch = number(r, "epoch")
      var step = index
      if let perEpoch, let epoch, let estimate = logStep((epoch * perEpoch).rounded()) {
        step = estimate
        let multiple = (epoch * perEpoch / Double(interval ?? 1)).rounded()
        if let interval, number(r, "loss") != nil, multiple >= 1, let snapped = logStep(multiple * Double(interval)) {
          step = snapped
        }
      }
      index += 1
      for (key, value) in r where key != "epoch" {
        if let value { log.add(keys.canonical(key), step: step, value: value) }
      }
      if let epoch { log.add("epoch", step: step, value: epoch) }
    }
    if perEpoch == nil {
      log.notes.append("the console log does not say its updates per epoch (no training bar or no end-of-training "
        + "summary): each record's step is its index")
    } else {
      log.notes.append("steps come from each record's epoch × \(Int(perEpoch!.rounded())) updates per epoch"
        + (approximate ? " (from the summary's train_steps_per_second × train_runtime: approximate)" : "")
        + (interval.map { ", training records every \($0) updates" } ?? ""))
    }
    if records.contains(where: { r in r.contains { $0.key == "loss" && $0.value != nil } }),
      text.contains("'loss': '")
    {
      log.notes.append("transformers 5 prints 4 significant digits: the values are rounded")
    }
    log.notes.append("transformers filters NaN/Inf losses from its logged mean by default (logging_nan_inf_filter)")
    return log
  }

  /// The total of a tqdm bar whose `/` is at `slash` (` 12/150 [`), if it is one.
  static func barTotalAt(_ b: [UInt8], slash: Int) -> Int? {
    func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
    var s = slash - 1
    guard s >= 0, isDigit(b[s]) else { return nil }
    while s >= 0, isDigit(b[s]) { s -= 1 }
    guard s >= 0, b[s] == UInt8(ascii: " ") || b[s] == UInt8(ascii: "|") else { return nil }
    var e = slash + 1
    var total = 0
    while e < b.count, isDigit(b[e]), total < 1 << 40 {
      total = total * 10 + Int(b[e] - 0x30)
      e += 1
    }
    guard e > slash + 1, e + 1 < b.count, b[e] == UInt8(ascii: " "), b[e + 1] == UInt8(ascii: "[") else { return nil }
    return total > 0 ? total : nil
  }

  /// A Python dict of strings to numbers (or quoted numbers) starting at `start`: the record and
  /// the index after its `}`; nil when it is not one (a nested value, an unterminated line).
  static func parseRecord(_ b: [UInt8], from start: Int) -> (Record, Int)? {
    var record: Record = []
    var i = start + 1
    func skipSpaces() { while i < b.count, b[i] == 0x20 { i += 1 } }
    func quoted() -> String? {
      guard i < b.count, b[i] == UInt8(ascii: "'") else { return nil }
      let s = i + 1
      var e = s
      while e < b.count, b[e] != UInt8(ascii: "'"), b[e] != 0x0A, b[e] != 0x0D { e += 1 }
      guard e < b.count, b[e] == UInt8(ascii: "'") else { return nil }
      i = e + 1
      return String(decoding: b[s..<e], as: UTF8.self)
    }
    while i < b.count {
      skipSpaces()
      guard let key = quoted() else { return nil }
      skipSpaces()
      guard i < b.count, b[i] == UInt8(ascii: ":") else { return nil }
      i += 1
      skipSpaces()
      var text: String
      if let q = quoted() {
        text = q
      } else {
        let s = i
        while i < b.count, b[i] != UInt8(ascii: ","), b[i] != UInt8(ascii: "}"), b[i] != 0x0A, b[i] != 0x0D { i += 1 }
        text = String(decoding: b[s..<i], as: UTF8.self).trimmingSpaces()
      }
      record.append((key, pythonNumber(text)))
      skipSpaces()
      guard i < b.count else { return nil }
      if b[i] == UInt8(ascii: "}") { return (record, i + 1) }
      guard b[i] == UInt8(ascii: ",") else { return nil }
      i += 1
    }
    return nil
  }

  /// A number as Python prints one (`nan`, `inf`, `-inf` included; `tensor(2.3)` read as 2.3).
  static func pythonNumber(_ text: String) -> Double? {
    var t = Substring(text)
    if t.hasPrefix("tensor("), t.hasSuffix(")") { t = t.dropFirst(7).dropLast().prefix { $0 != "," } }
    switch t.lowercased() {
    case "nan": return .nan
    case "inf", "infinity": return .infinity
    case "-inf", "-infinity": return -.infinity
    default: return Double(t)
    }
  }
}

extension String {
  /// Without leading and trailing spaces.
  fileprivate func trimmingSpaces() -> String {
    String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
  }
}
