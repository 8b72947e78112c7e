import LRSupport

/// Plain-text training logs that print one record per line: a step and named numbers, in the
/// forms training scripts print them.
///
/// ```
/// iter 120: loss 1.9436, time 51.23ms, mfu 1.02%                 nanoGPT
/// step 250: train loss 1.8012, val loss 1.9377                   nanoGPT (evaluation)
/// step   12/50 | train loss 4.114523 | norm 1.2034 | lr 6.00e-04  llm.c (train_gpt2.py)
/// s:12 trl:4.114523                                              llm.c (its main.log)
/// Step 12 | loss:4.1145 lr:2e-05 grad_norm:1.5                   torchtune (DiskLogger)
/// epoch 001:  100 / 1000 loss=9.21, lr=0.0005, num_updates=100   fairseq
/// Epoch 3/10                                                     Keras model.fit
///  40/100 ━━━━━━━━━━━━━━━━ 0s 3ms/step - accuracy: 0.91 - loss: 0.2637
/// Epoch 2:  45%|████▌     | 45/100 [00:01<00:02, v_num=0, train_loss=0.512]   Lightning (tqdm)
/// ```
///
/// A value is a number preceded by a label of up to three words, joined to it by spaces, `:`
/// or `=`; labels of several words are joined with `_` (`train loss` → `train_loss`); llm.c's
/// `trl`, `tel` and `norm` and fairseq's `gnorm` are the training loss, validation loss and gradient norm. The step
/// is the value labelled `step`, `iter`, `iteration`, `global_step`, `num_updates` or `update`
/// (`--step-key` names another); without one, a line with an epoch (`Epoch 2`, or Keras's
/// `Epoch 3/10` header on the line before) and a progress fraction `n/N` is at step
/// `(epoch − first epoch) × N + n`. Lines without a step are not records. A tqdm bar's line at
/// `0/N` (its reset at an epoch's end, still showing the old values) is not one either, and a
/// validation value that a bar keeps showing on every later line counts where it changes.
///
/// Keras prints each training metric as its running mean since the start of the epoch: the
/// training losses are turned back into the mean over the updates since the previous point
/// (`(n₂·m₂ − n₁·m₁) / (n₂ − n₁)`), over intervals of at least a tenth of the epoch so far so that
/// the 4 printed decimals cannot make a spike.
enum TextLogReader {
  /// One labelled number of a line; `total` is the `N` of `label n/N`.
  struct Pair {
    var label: [String]
    var value: Double
    var total: Int?
  }

  /// One line's numbers: its labelled pairs, and its first unlabelled fraction `n/N`.
  struct Line {
    var pairs: [Pair] = []
    var fraction: (Int, Int)?
    var startsWithFraction = false
    /// A tqdm bar (`45%|████▌     | 45/100 [`): its `n` counts the updates done.
    var isBar = false
  }

  /// One record of the log: its step and its values, by the index of their name.
  struct Record {
    var step: Int
    var values: [(name: Int, value: Double)]
    /// A Keras progress line: its epoch and its position in it, for the running means.
    var keras: (epoch: Int, n: Int)?
    /// A progress bar's line (an epoch and `n/N`), which repeats its last values until they change.
    var bar = false
  }

  static let stepWords: Set<String> = ["step", "steps", "global_step", "iter", "iters", "iteration", "num_updates",
                                       "update", "updates", "_step"]

  /// The log, or nil when `text` holds fewer than two lines with a step and a loss or lr.
  static func read(_ text: String, path: String, keys: KeyMapping) -> TrainingLog? {
    var records: [Record] = []
    var names: [String] = []
    var nameIndex: [String: Int] = [:]
    // Keras's `Epoch 3/10` header: the epoch of the progress lines after it.
    var epoch: Int?
    var firstEpoch: Int?
    var kerasLines = 0
    var mmPerEpoch: Int?
    var mmLastTrain: Int?
    var mmLines = 0
    for raw in text.utf8.split(omittingEmptySubsequences: true, whereSeparator: { $0 == 0x0A || $0 == 0x0D }) {
      let bytes = Array(raw)
      let line = parse(bytes)
      guard !line.pairs.isEmpty || line.fraction != nil else { continue }
      if isKerasHeader(line) {
        epoch = Int(line.pairs[0].value)
        continue
      }
      var step: Int?
      var used: Set<Int> = []
      var prefix = ""
      let mm = mmEngine(bytes)
      if let mm {
        // MMEngine's LoggerHook: `Epoch(train) [3][20/47]` (1-based epochs) or `Iter(train) [120/1000]`;
        // a validation or test line is at the end of its epoch, or after the last training line.
        if mm.mode == "train" {
          step = mm.epoch.map { ($0 - 1) * mm.total + mm.n } ?? mm.n
          if mm.epoch != nil { mmPerEpoch = mm.total }
          mmLastTrain = step
        } else {
          step = mm.epoch.flatMap { e in mmPerEpoch.map { e * $0 } } ?? mmLastTrain
          prefix = mm.mode + "/"
        }
        if step != nil { mmLines += 1 }
      }
      for (i, pair) in line.pairs.enumerated() where isStep(pair, index: i, keys: keys) {
        guard pair.value == pair.value.rounded(), let s = logStep(pair.value) else { continue }
        step = s
        used.insert(i)
        break
      }
      var keras: (Int, Int)?
      var bar = false
      if step == nil, mm == nil, let (n, total) = line.fraction, total > 0 {
        // An epoch on this line (`Epoch 2: … 45/100`, `Train: 2 [ 45/100`), or Keras's header before it.
        var e: Int?
        if let i = line.pairs.firstIndex(where: { ["epoch", "train"].contains($0.label.last!.lowercased()) && $0.total == nil }),
          line.pairs[i].value == line.pairs[i].value.rounded(), abs(line.pairs[i].value) < 1e9
        {
          e = Int(line.pairs[i].value)
          used.insert(i)
        } else if line.startsWithFraction, let context = epoch {
          e = context
          keras = (context, n)
        }
        // At a bar's position 0 nothing has run in the epoch yet: its reset line repeats old values
        // (timm's `Train: 2 [ 0/100` is its first batch, done).
        if let e, n > 0 || !line.isBar {
          bar = keras == nil
          let first = keras != nil ? 1 : min(firstEpoch ?? e, e)
          if keras == nil { firstEpoch = first }
          step = logStep(Double(e - first) * Double(total) + Double(n))
        }
      }
      guard let step else { continue }
      if keras != nil { kerasLines += 1 }
      var values: [(Int, Double)] = []
      for (i, pair) in line.pairs.enumerated() where !used.contains(i) {
        let n = prefix + name(pair.label)
        if let k = nameIndex[n] {
          values.append((k, pair.value))
        } else {
          nameIndex[n] = names.count
          values.append((names.count, pair.value))
          names.append(n)
        }
      }
      if !values.isEmpty { records.append(Record(step: step, values: values, keras: keras, bar: bar)) }
    }
    guard records.count >= 2 else { return nil }

    // Names: the most frequent name of each role takes it (nanoGPT prints `loss` every iteration
    // and `train loss` at each evaluation); the others keep their own names.
    var counted = [Int](repeating: 0, count: names.count)
    for r in records { for (k, _) in r.values { counted[k] += 1 } }
    let counts = Dictionary(uniqueKeysWithValues: zip(names, counted))
    // A label that is the role's own name (`loss`) always owns it.
    var roleOwner: [String: String] = [:]
    for (n, c) in counts.sorted(by: { $0.key < $1.key }) {
      let role = canonical(n, keys: keys, probe: true)
      guard role != n else { continue }
      if counts[role] != nil && canonical(role, keys: keys, probe: true) == role { continue }
      if let owner = roleOwner[role], counts[owner]! >= c { continue }
      roleOwner[role] = n
    }
    func finalName(_ n: String) -> String {
      let role = canonical(n, keys: keys, probe: true)
      if role == n { return n }
      return roleOwner[role] == n ? canonical(n, keys: keys, probe: false) : n
    }
    let finalNames = names.map(finalName)
    let named = Set(finalNames)
    guard named.contains(where: { ["loss", "eval_loss", "lr"].contains($0) || SeriesRoles.lossScore($0) != nil })
    else { return nil }

    var log = TrainingLog(format: kerasLines > 0 ? "keras-console" : mmLines > 0 ? "mmengine-log" : "text", path: path)
    var deaveraged = 0
    // Keras: the previous point of each running mean in the current epoch (n, mean).
    var previous: [String: (epoch: Int, n: Int, mean: Double)] = [:]
    // A progress bar's postfix keeps the last validation values on every later line (Lightning):
    // an evaluation is the line where its value changes.
    var lastEval: [String: Double] = [:]
    for r in records {
      for (k, value) in r.values {
        let name = finalNames[k]
        if r.bar, name == "eval_loss" || SeriesRoles.isEval(name) {
          if let last = lastEval[name], last == value || (last.isNaN && value.isNaN) { continue }
          lastEval[name] = value
        }
        if let (e, at) = r.keras, isRunningMean(name) {
          // The mean over the updates since the previous point of this epoch. A point less than
          // a tenth of the epoch so far after it is skipped, as are a repeated line (Keras prints
          // an epoch's last line again with the validation metrics) and one out of order.
          let before = previous[name].flatMap { $0.epoch == e ? $0 : nil }
          let n1 = Double(before?.n ?? 0)
          let n2 = Double(at)
          if n2 - n1 < 0.1 * n2 { continue }
          var mean = value
          if let before, value.isFinite, before.mean.isFinite {
            mean = (n2 * value - n1 * before.mean) / (n2 - n1)
            deaveraged += 1
          }
          previous[name] = (e, at, value)
          log.add(name, step: r.step, value: mean)
        } else {
          log.add(name, step: r.step, value: value)
        }
      }
    }
    if kerasLines > 0 {
      log.notes.append("Keras prints running means over each epoch: the training loss is read back as the mean "
        + "over the updates since the previous point (points at least a tenth of an epoch apart); other training "
        + "metrics are as printed")
      if deaveraged == 0 { log.notes.removeLast() }
    } else {
      log.notes.append("read \(records.count) text lines with a step and named values")
    }
    return log
  }

  /// MMEngine's `Epoch(train) [3][20/47]` or `Iter(val) [50/100]` in `line`: the mode, the
  /// epoch (nil for iteration-based training), and the position `n/N`.
  static func mmEngine(_ b: [UInt8]) -> (mode: String, epoch: Int?, n: Int, total: Int)? {
    func find(_ word: String) -> Int? {
      let w = Array(word.utf8)
      guard b.count >= w.count else { return nil }
      for i in 0...(b.count - w.count) where b[i] == w[0] && b[i..<(i + w.count)].elementsEqual(w) {
        if i == 0 || !isWordByte(b[i - 1]) { return i + w.count }
      }
      return nil
    }
    guard let open = find("Epoch(") ?? find("Iter(") else { return nil }
    let byEpoch = open >= 6 && b[open - 6] == UInt8(ascii: "E")
    var i = open
    var mode: [UInt8] = []
    while i < b.count, isLetter(b[i]) { mode.append(b[i]); i += 1 }
    guard i < b.count, b[i] == UInt8(ascii: ")"), !mode.isEmpty else { return nil }
    i += 1
    func bracket() -> (Int, Int?)? {
      while i < b.count, b[i] == 0x20 { i += 1 }
      guard i < b.count, b[i] == UInt8(ascii: "[") else { return nil }
      i += 1
      while i < b.count, b[i] == 0x20 { i += 1 }
      let (n, integer, end) = b.indices.contains(i) && isDigit(b[i]) ? number(b, from: i) : (0, false, i)
      guard integer, n < 1e12 else { return nil }
      i = end
      var total: Int?
      if i < b.count, b[i] == UInt8(ascii: "/") {
        i += 1
        let (t, tInteger, tEnd) = b.indices.contains(i) && isDigit(b[i]) ? number(b, from: i) : (0, false, i)
        guard tInteger, t >= 1, t < 1e12 else { return nil }
        total = Int(t)
        i = tEnd
      }
      guard i < b.count, b[i] == UInt8(ascii: "]") else { return nil }
      i += 1
      return (Int(n), total)
    }
    guard let first = bracket() else { return nil }
    let m = String(decoding: mode, as: UTF8.self)
    if byEpoch, first.1 == nil, let (n, total) = bracket(), let total { return (m, first.0, n, total) }
    if !byEpoch, let total = first.1 { return (m, nil, first.0, total) }
    return nil
  }

  /// Whether `line` is Keras's `Epoch 3/10` header.
  static func isKerasHeader(_ line: Line) -> Bool {
    line.pairs.count == 1 && line.pairs[0].label == ["Epoch"] && line.pairs[0].total != nil && line.fraction == nil
      && line.pairs[0].value >= 1 && line.pairs[0].value < 1e9 && line.pairs[0].value == line.pairs[0].value.rounded()
  }

  /// Whether a Keras training value is a running mean LRKit turns back: the training losses.
  static func isRunningMean(_ name: String) -> Bool {
    name == "loss" || (!SeriesRoles.isEval(name) && SeriesRoles.lossScore(name) != nil && name != "eval_loss")
  }

  /// Whether `pair` (the `index`-th of its line) is the step.
  static func isStep(_ pair: Pair, index: Int, keys: KeyMapping) -> Bool {
    let joined = name(pair.label)
    if let step = keys.step {
      let match = joined == step || joined == step.split(separator: " ").joined(separator: "_")
      if match { keys.used.step = true }
      return match
    }
    if pair.label.count == 1, pair.label[0] == "s", index == 0 { return true }  // llm.c's main.log
    return stepWords.contains(pair.label.last!.lowercased())
  }

  /// The series name of a label: its words joined with `_`, llm.c's `trl`/`tel` spelled out.
  static func name(_ label: [String]) -> String {
    if label.count == 1 {
      switch label[0] {
      case "trl": return "train_loss"
      case "tel": return "val_loss"
      case "norm", "gnorm": return "grad_norm"
      default: break
      }
    }
    return label.joined(separator: "_")
  }

  /// The canonical name of `n`; an override written with spaces (`--loss-key "train loss"`)
  /// matches the joined name. With `probe`, overrides are not marked as used.
  static func canonical(_ n: String, keys: KeyMapping, probe: Bool) -> String {
    func spaced(_ s: String?) -> String? { s.map { $0.split(separator: " ").joined(separator: "_") } }
    if let l = spaced(keys.loss), l == n {
      if !probe { keys.used.loss = true }
      return "loss"
    }
    if let l = spaced(keys.lr), l == n {
      if !probe { keys.used.lr = true }
      return "lr"
    }
    return probe ? KeyMapping(loss: keys.loss, lr: keys.lr, step: nil).canonical(n) : keys.canonical(n)
  }

  // MARK: - One line

  static func isLetter(_ c: UInt8) -> Bool { (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7A || c == 0x5F }
  static func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
  static func isWordByte(_ c: UInt8) -> Bool {
    isLetter(c) || isDigit(c) || c == UInt8(ascii: ".") || c == UInt8(ascii: "/") || c == UInt8(ascii: "-")
  }

  /// The labelled numbers of one line (ANSI colour codes skipped).
  static func parse(_ raw: [UInt8]) -> Line {
    let b = withoutColourCodes(raw)
    var line = Line()
    line.isBar = zip(b, b.dropFirst()).contains { $0 == UInt8(ascii: "%") && $1 == UInt8(ascii: "|") }
    var words: [String] = []
    // What lies between the last word and here: only spaces and at most one `:` or `=`.
    var joinable = false
    var links = 0
    var sawToken = false
    var i = 0
    while i < b.count {
      let c = b[i]
      if isLetter(c) {
        var e = i
        while e < b.count, isWordByte(b[e]) { e += 1 }
        // A trailing `.`, `/` or `-` is punctuation, not the word's.
        while e > i + 1, [UInt8(ascii: "."), UInt8(ascii: "/"), UInt8(ascii: "-")].contains(b[e - 1]) { e -= 1 }
        let word = String(decoding: b[i..<e], as: UTF8.self)
        if let v = nonFinite(word), !words.isEmpty, links <= 1, joinable || minusBefore(b, i) {
          line.pairs.append(Pair(label: words, value: minusBefore(b, i) ? -v : v))
          words = []
          joinable = false
        } else {
          if !(joinable && links == 0 && !words.isEmpty) { words = [] }
          words.append(word)
          if words.count > 3 { words.removeFirst() }
          joinable = true
        }
        links = 0
        sawToken = true
        i = e
        continue
      }
      let negative = c == UInt8(ascii: "-") && i + 1 < b.count && (isDigit(b[i + 1]) || b[i + 1] == UInt8(ascii: "."))
        && (i == 0 || !isWordByte(b[i - 1]))
      if isDigit(c) || negative || (c == UInt8(ascii: ".") && i + 1 < b.count && isDigit(b[i + 1])) {
        let (value, isInteger, end) = number(b, from: i)
        var e = end
        // A fraction `n/N` or `n / N`.
        var total: Int?
        if isInteger {
          var j = e
          while j < b.count, b[j] == 0x20 { j += 1 }
          if j < b.count, b[j] == UInt8(ascii: "/") {
            j += 1
            while j < b.count, b[j] == 0x20 { j += 1 }
            if j < b.count, isDigit(b[j]) {
              let (t, tInteger, tEnd) = number(b, from: j)
              if tInteger, t >= 1, t < 1e12, tEnd >= b.count || !isWordByte(b[tEnd]) || b[tEnd] == UInt8(ascii: "-") {
                total = Int(t)
                e = tEnd
              }
            }
          }
        }
        // A unit written against the number (`51.23ms`, `1.02%`, `30.0it/s`).
        while e < b.count, isWordByte(b[e]) || b[e] == UInt8(ascii: "%") { e += 1 }
        if !words.isEmpty, joinable, links <= 1 {
          line.pairs.append(Pair(label: words, value: value, total: total))
        } else if let total, line.fraction == nil, value >= 0, value < 1e12 {
          line.fraction = (Int(value), total)
          line.startsWithFraction = !sawToken
        }
        words = []
        joinable = false
        links = 0
        sawToken = true
        i = e
        continue
      }
      if c == 0x20 || (c == UInt8(ascii: "-") && i + 1 < b.count && b[i + 1] | 0x20 == UInt8(ascii: "i")) {
        // Spaces keep a label joinable, as does the sign of `-inf`.
      } else if c == UInt8(ascii: ":") || c == UInt8(ascii: "=") {
        links += 1
      } else {
        joinable = false
        words = []
        links = 0
        // Printable punctuation is a token; tabs, backspaces (Keras 2 redraws its bar with them) and
        // UTF-8 bar glyphs are not.
        if c > 0x20 && c < 0x7F { sawToken = true }
      }
      i += 1
    }
    return line
  }

  /// `raw` without its ANSI colour and cursor codes (`ESC [ … letter`).
  static func withoutColourCodes(_ raw: [UInt8]) -> [UInt8] {
    guard raw.contains(0x1B) else { return raw }
    var b: [UInt8] = []
    b.reserveCapacity(raw.count)
    var k = 0
    while k < raw.count {
      if raw[k] == 0x1B, k + 1 < raw.count, raw[k + 1] == UInt8(ascii: "[") {
        k += 2
        while k < raw.count, !isLetter(raw[k]) || raw[k] == 0x5F { k += 1 }
        k += 1
        continue
      }
      b.append(raw[k])
      k += 1
    }
    return b
  }

  /// Whether the word at `i` is written with a minus sign (`-inf`).
  static func minusBefore(_ b: [UInt8], _ i: Int) -> Bool {
    i >= 1 && b[i - 1] == UInt8(ascii: "-") && (i == 1 || !isWordByte(b[i - 2]))
  }

  /// `nan`, `inf` and their spellings as a value.
  static func nonFinite(_ word: String) -> Double? {
    switch word.lowercased() {
    case "nan": return .nan
    case "inf", "infinity": return .infinity
    default: return nil
    }
  }

  /// The number starting at `start` (sign, digits, fraction, exponent): its value, whether it is
  /// written as an integer, and the index after it.
  static func number(_ b: [UInt8], from start: Int) -> (Double, Bool, Int) {
    var e = start
    if b[e] == UInt8(ascii: "-") || b[e] == UInt8(ascii: "+") { e += 1 }
    var integer = true
    while e < b.count, isDigit(b[e]) { e += 1 }
    if e < b.count, b[e] == UInt8(ascii: "."), e + 1 < b.count, isDigit(b[e + 1]) {
      integer = false
      e += 1
      while e < b.count, isDigit(b[e]) { e += 1 }
    }
    if e + 1 < b.count, b[e] | 0x20 == UInt8(ascii: "e") {
      var x = e + 1
      if b[x] == UInt8(ascii: "-") || b[x] == UInt8(ascii: "+") { x += 1 }
      if x < b.count, isDigit(b[x]) {
        while x < b.count, isDigit(b[x]) { x += 1 }
        integer = false
        e = x
      }
    }
    let text = String(decoding: b[start..<e], as: UTF8.self)
    return (Double(text) ?? .nan, integer, e)
  }
}
