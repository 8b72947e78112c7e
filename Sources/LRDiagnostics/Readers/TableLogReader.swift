import LRSupport

/// Training logs printed as a whitespace-aligned table: a header of column names, one of them the
/// step or epoch, then one row per record, as fastai's `Learner.fit` prints outside a notebook.
///
/// ```
/// epoch     train_loss  valid_loss  accuracy  time
/// 0         1.600819    0.761846    0.764310  00:00
/// 1         0.653817    0.451194    0.858586  00:00
/// ```
///
/// The step is the value of the first column named `epoch`, `step`, `iter`, `iteration` or
/// `global_step` (`--step-key` names another), `n` where it is written `n/N`; a cell that is not
/// a number (`00:00`, fastai's `#na#`) is skipped. A new header starts a new table.
enum TableLogReader {
  static let stepColumns: Set<String> = ["epoch", "step", "steps", "iter", "iteration", "global_step", "_step"]

  /// The log, or nil when `text` holds no table of at least two rows with a loss or lr column.
  static func read(_ text: String, path: String, keys: KeyMapping) -> TrainingLog? {
    var header: [String]?
    var stepColumn = 0
    var rows: [(step: Int, cells: [(Int, Double)])] = []
    var columns: [String] = []
    var columnIndex: [String: Int] = [:]
    var columnOf: [Int] = []  // header position → interned column
    for raw in text.utf8.split(omittingEmptySubsequences: true, whereSeparator: { $0 == 0x0A || $0 == 0x0D }) {
      let tokens = words(Array(raw))
      guard tokens.count >= 2 else { continue }
      if tokens.allSatisfy(isName), let s = tokens.firstIndex(where: { isStepColumn($0, keys: keys) }) {
        header = tokens
        stepColumn = s
        columnOf = tokens.map { name in
          if let k = columnIndex[name] { return k }
          columnIndex[name] = columns.count
          columns.append(name)
          return columns.count - 1
        }
        continue
      }
      guard let header, tokens.count >= header.count,
        let stepValue = number(tokens[stepColumn], fraction: true), stepValue == stepValue.rounded(),
        let step = logStep(stepValue)
      else { continue }
      var cells: [(Int, Double)] = []
      for i in header.indices where i != stepColumn {
        if let v = number(tokens[i], fraction: false) { cells.append((columnOf[i], v)) }
      }
      if !cells.isEmpty { rows.append((step, cells)) }
    }
    guard rows.count >= 2 else { return nil }
    let names = columns.map { keys.canonical($0) }
    let present = Set(rows.flatMap { $0.cells.map { names[$0.0] } })
    guard present.contains(where: { ["loss", "eval_loss", "lr"].contains($0) || SeriesRoles.lossScore($0) != nil })
    else { return nil }
    var log = TrainingLog(format: "text-table", path: path)
    for r in rows {
      for (k, v) in r.cells { log.add(names[k], step: r.step, value: v) }
    }
    log.notes.append("read a printed table of \(rows.count) rows, its step column '\(header.map { $0[stepColumn] } ?? "")'")
    return log
  }

  /// Whether `name` is the table's step column.
  static func isStepColumn(_ name: String, keys: KeyMapping) -> Bool {
    if let step = keys.step {
      if name == step { keys.used.step = true }
      return name == step
    }
    return stepColumns.contains(name.lowercased())
  }

  /// A column name: a letter or `_`, then letters, digits, `_`, `.`, `/` or `-`.
  static func isName(_ token: String) -> Bool {
    guard let first = token.utf8.first, TextLogReader.isLetter(first) else { return false }
    return token.utf8.allSatisfy(TextLogReader.isWordByte) && TextLogReader.nonFinite(token) == nil
  }

  /// A cell's number (`nan` and `inf` included; with `fraction`, `n` of `n/N`); nil for other text.
  static func number(_ token: String, fraction: Bool) -> Double? {
    var t = Substring(token)
    if fraction, let slash = t.firstIndex(of: "/") { t = t[..<slash] }
    if let v = TextLogReader.nonFinite(String(t.drop { $0 == "-" })) { return t.hasPrefix("-") ? -v : v }
    guard let first = t.utf8.first, TextLogReader.isDigit(first) || first == UInt8(ascii: "-")
      || first == UInt8(ascii: "+") || first == UInt8(ascii: ".")
    else { return nil }
    return Double(t)
  }

  /// The whitespace-separated words of a line, colour codes skipped.
  static func words(_ raw: [UInt8]) -> [String] {
    // Spaces, tabs and control characters separate the cells.
    TextLogReader.withoutColourCodes(raw).split { $0 <= 0x20 }.map { String(decoding: $0, as: UTF8.self) }
  }
}
