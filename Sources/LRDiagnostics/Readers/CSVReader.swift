/// CSV logs: PyTorch Lightning's `metrics.csv` (sparse rows, a header rewritten or repeated
/// after a resume) and generic CSV with a step column, comma- or tab-separated. Cells `nan`, `inf`, `-inf` are numbers.
enum CSVReader {
  static func split(_ line: Substring, separator: Character = ",") -> [String] {
    var out: [String] = []
    var field = ""
    var quoted = false
    var i = line.startIndex
    while i < line.endIndex {
      let c = line[i]
      if quoted {
        if c == "\"" {
          let next = line.index(after: i)
          if next < line.endIndex && line[next] == "\"" {
            field.append("\"")
            i = next
          } else {
            quoted = false
          }
        } else {
          field.append(c)
        }
      } else if c == "\"" {
        quoted = true
      } else if c == separator {
        out.append(field)
        field = ""
      } else if c != "\r" {
        field.append(c)
      }
      i = line.index(after: i)
    }
    out.append(field)
    return out
  }

  static func number(_ cell: String) -> Double? {
    let t = trimmed(cell).lowercased()
    switch t {
    case "nan": return .nan
    case "inf", "infinity", "+inf": return .infinity
    case "-inf", "-infinity": return -.infinity
    default: return Double(t)
    }
  }

  /// Reads CSV text whose header names a step column.
  static func read(_ text: String, path: String, keys: KeyMapping) -> TrainingLog? {
    var log = TrainingLog(format: "generic-csv", path: path)
    var header: [String]?
    var stepColumn: Int?
    var ragged = 0
    var nonNumeric = 0
    var headers = 0
    var implicitStep = 0
    var lastStep: Int?
    /// Step-like columns other than the one chosen (W&B's `_step` beside `train/global_step`).
    var otherSteps = Set<Int>()
    var syncedStep = false
    // Python's csv module ends lines with \r\n (one Character in Swift): split on any newline.
    let lines = text.split(whereSeparator: \.isNewline)
    // Tab-separated (DVCLive's files, `df.to_csv(sep="\t")`) when the first line has tabs and no commas.
    let first = lines.first { !trimmed($0).isEmpty }
    let separator: Character = first.map { $0.contains("\t") && !$0.contains(",") } == true ? "\t" : ","
    for line in lines {
      if trimmed(line).isEmpty { continue }
      let cells = split(line, separator: separator)
      // A header: mostly non-numeric cells, naming a step column (again after a resume).
      let numericCells = cells.filter { !$0.isEmpty && number($0) != nil }.count
      // An epoch column is the step of per-epoch logs (Keras' CSVLogger) when there is no step.
      // Step columns are ranked on header lines only, not on every data row.
      let ranked = numericCells == 0 ? cells.indices.compactMap { i in keys.stepRank(cells[i]).map { (i, $0) } } : []
      if numericCells == 0, let s = ranked.max(by: { $0.1 != $1.1 ? $0.1 < $1.1 : $0.0 > $1.0 })?.0
        ?? (keys.step == nil ? cells.firstIndex(where: { $0.lowercased() == "epoch" }) : nil)
      {
        header = cells
        stepColumn = s
        otherSteps = Set(ranked.map(\.0)).subtracting([s])
        syncedStep = keys.stepRank(cells[s]) == 2
        headers += 1
        continue
      }
      guard let header, let stepColumn else {
        if numericCells == 0 && headers == 0 { return nil }  // a header without a step column
        continue
      }
      if cells.count != header.count { ragged += 1 }
      let step: Int
      if stepColumn < cells.count, let x = number(cells[stepColumn]), let s = logStep(x) {
        step = s
      } else if syncedStep, let last = lastStep {
        // A W&B export's row without the integration's step metric: its last value (step_sync).
        step = last
      } else {
        step = implicitStep
      }
      implicitStep = step + 1
      lastStep = step
      for (i, cell) in cells.enumerated() where i != stepColumn && !otherSteps.contains(i) && i < header.count && !cell.isEmpty {
        guard let x = number(cell) else {
          nonNumeric += 1
          continue
        }
        log.add(keys.canonical(header[i]), step: step, value: x)
      }
    }
    guard headers > 0 else { return nil }
    if let header, header.contains(where: { $0 == "epoch" }) && header.contains(where: { $0 == "step" }) {
      log.format = "lightning-csv"
    }
    if headers > 1 { log.notes.append("the file holds \(headers) headers (a resumed run); read by column name") }
    if ragged > 0 { log.notes.append("\(ragged) row(s) with a different number of cells than the header") }
    if nonNumeric > 0 { log.notes.append("\(nonNumeric) cell(s) that are not numbers were skipped") }
    return log
  }
}

/// `s` without leading and trailing spaces, tabs and carriage returns.
func trimmed<S: StringProtocol>(_ s: S) -> String {
  var a = s.startIndex
  var b = s.endIndex
  while a < b, s[a] == " " || s[a] == "\t" || s[a] == "\r" { a = s.index(after: a) }
  while b > a {
    let p = s.index(before: b)
    guard s[p] == " " || s[p] == "\t" || s[p] == "\r" else { break }
    b = p
  }
  return String(s[a..<b])
}
