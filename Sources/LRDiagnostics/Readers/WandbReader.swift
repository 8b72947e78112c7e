import CChecksum

/// Weights & Biases run files (`run-<id>.wandb` in `wandb/run-*/` or `wandb/offline-run-*/`),
/// the record of everything a run logged, online or offline.
///
/// The framing is LevelDB's log format as W&B writes it: a 7-byte header (`:W&B`, the magic
/// 0xBEE1, version 0), then 32 KiB blocks of records — a CRC-32 (zlib's) of the record's type
/// byte and data, a 16-bit length, the type (FULL, or FIRST, MIDDLE… LAST fragments of a record
/// longer than a block) — and zero padding where fewer than 7 bytes are left in a block. Each
/// record is a `wandb_internal.Record` protobuf, decoded by hand: history rows (`wandb.log`:
/// one item per key, nested dictionaries as nested keys joined by `.`, values as JSON text or
/// typed numbers), metric definitions (`define_metric(name or glob, step_metric=…)`), the run
/// (its id and the step a resumed run starts at) and its exit code.
///
/// A metric defined against a step metric is read against that metric's values (the Hugging
/// Face and Lightning integrations plot everything against `train/global_step` and
/// `trainer/global_step`, while W&B's own `_step` counts `log` calls); other metrics against
/// `_step`. Media (an item with a `_type`), strings, booleans and lists are not metrics.
enum WandbReader {
  /// The LevelDB block size W&B writes.
  static let blockSize = 32768
  /// The length of the file header and of each record header.
  static let headerSize = 7

  /// What the run file says about the run besides its metrics.
  struct Run {
    /// The run's id (`run-<id>.wandb`).
    var id: String?
    /// The step a resumed run starts at.
    var startingStep: Int?
    /// Whether the run was resumed.
    var resumed = false
    /// The exit code, when the run finished.
    var exitCode: Int?
  }

  /// Whether `bytes` start with a W&B run file's header (any version).
  static func looksLikeRunFile(_ bytes: [UInt8]) -> Bool {
    bytes.count >= headerSize && bytes[0] == 0x3A && bytes[1] == 0x57 && bytes[2] == 0x26 && bytes[3] == 0x42
      && bytes[4] == 0xE1 && bytes[5] == 0xBE
  }

  /// A point of one key: the row it was logged in (counting rows), the row's `_step`, the value.
  struct Point {
    var row: Int
    var rowStep: Int
    var value: Double
  }

  /// The state of one pass over a file's records.
  struct Scan {
    let keys: KeyMapping
    var run = Run()
    /// Step metric by metric name (`define_metric("train/loss", step_metric=…)`).
    var stepMetricByName: [String: String] = [:]
    /// Step metric by glob (`define_metric("*", step_metric=…)`), in definition order.
    var stepMetricByGlob: [(glob: String, stepMetric: String)] = []
    var points: [String: [Point]] = [:]
    /// Keys in the order first logged.
    var order: [String] = []
    var implicitStep = 0
    var rows = 0
    var malformed = 0
    /// Names decoded once: a run logs the same few keys millions of times.
    var names: [[UInt8]: String] = [:]

    init(keys: KeyMapping) { self.keys = keys }
  }

  /// Reads one run file into `log` (appending). Returns what it says about the run.
  static func read(_ bytes: [UInt8], name: String, into log: inout TrainingLog, keys: KeyMapping) -> Run {
    var scan = Scan(keys: keys)
    guard bytes.count >= headerSize else { return scan.run }
    if bytes[6] != 0 {
      log.notes.append("\(name): a W&B run file of version \(bytes[6]); LRKit reads version 0, and read it as such")
    }
    var pos = headerSize
    var records = 0
    var badRecords = 0
    var orphanFragments = 0
    var partial = false
    var fragment: [UInt8]?
    bytes.withUnsafeBytes { raw in
      while pos < raw.count {
        let left = blockSize - pos % blockSize
        if left < headerSize {
          pos += left
          continue
        }
        guard pos + headerSize <= raw.count else {
          partial = raw[pos...].contains { $0 != 0 }
          break
        }
        let stored = UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: pos, as: UInt32.self))
        let length = Int(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: pos + 4, as: UInt16.self)))
        let type = raw[pos + 6]
        if stored == 0 && length == 0 && type == 0 {
          // Zero padding (or space preallocated past the last record): the next block.
          pos += left
          continue
        }
        guard headerSize + length <= left, (1...4).contains(type) else {
          // A corrupted header: nothing in the rest of this block can be trusted.
          badRecords += 1
          fragment = nil
          pos += left
          continue
        }
        guard pos + headerSize + length <= raw.count else {
          partial = true
          break
        }
        let data = UnsafeRawBufferPointer(rebasing: raw[(pos + headerSize)..<(pos + headerSize + length)])
        var typeByte = type
        let crc = lrkit_crc32(data.baseAddress?.assumingMemoryBound(to: UInt8.self), data.count,
                              lrkit_crc32(&typeByte, 1, 0))
        guard UInt32(crc) == stored else {
          badRecords += 1
          fragment = nil
          pos += left
          continue
        }
        pos += headerSize + length
        switch type {
        case 1:
          if fragment != nil { orphanFragments += 1 }
          fragment = nil
          records += 1
          decodeRecord(data, into: &scan)
        case 2:
          if fragment != nil { orphanFragments += 1 }
          fragment = Array(data)
        case 3:
          if fragment == nil { orphanFragments += 1 } else { fragment!.append(contentsOf: data) }
        default:
          if var whole = fragment {
            whole.append(contentsOf: data)
            records += 1
            whole.withUnsafeBytes { decodeRecord($0, into: &scan) }
          } else {
            orphanFragments += 1
          }
          fragment = nil
        }
      }
    }
    if partial || fragment != nil {
      log.notes.append("\(name): a partial record at the end (the run was still being written, or was killed); read \(records) records")
    }
    if badRecords > 0 {
      log.notes.append("\(name): skipped the rest of \(badRecords) block(s) at a record that fails its CRC-32 check or has an impossible header")
    }
    if orphanFragments > 0 {
      log.notes.append("\(name): skipped \(orphanFragments) fragment(s) of records whose other fragments are missing")
    }
    if scan.malformed > 0 {
      log.notes.append("\(name): skipped \(scan.malformed) record(s) that are not valid W&B protobuf")
    }
    emit(&scan, name: name, into: &log)
    return scan.run
  }

  /// The points of every key on one axis: `--step-key`, else the step metric of the training
  /// loss (or, without one, the step metric most points are defined against), else `_step`. A
  /// point of a key logged against another axis is placed at the axis's value in its row, or
  /// the last value before it (W&B's `step_sync`).
  static func emit(_ scan: inout Scan, name: String, into log: inout TrainingLog) {
    let keys = scan.keys
    var axis: String?
    var why = "define_metric"
    if let stepKey = keys.step {
      guard stepKey == "_step" || scan.points[stepKey] != nil else {
        // Not in this file: LogReader reports the missing key with the series present.
        for key in scan.order where !key.hasPrefix("_") {
          for p in scan.points[key]! { log.add(keys.canonical(key), step: p.rowStep, value: p.value) }
        }
        return
      }
      _ = keys.isStep(stepKey)
      axis = stepKey == "_step" ? nil : stepKey
      why = "--step-key"
    } else if let loss = scan.order.first(where: { $0 == keys.loss || (keys.loss == nil && keys.defaultRole($0) == "loss") }) {
      axis = stepMetric(of: loss, in: scan)
    } else {
      var weight: [String: Int] = [:]
      var unaxed = 0
      for key in scan.order where !key.hasPrefix("_") {
        let n = scan.points[key]!.count
        if let s = stepMetric(of: key, in: scan), s != key { weight[s, default: 0] += n } else { unaxed += n }
      }
      if let best = weight.max(by: { $0.value != $1.value ? $0.value < $1.value : $0.key > $1.key }), best.value > unaxed {
        axis = best.key
      }
    }
    var axisPoints: [Point] = []
    if let a = axis {
      if scan.points[a] == nil {
        log.notes.append("\(name): the step metric '\(a)' is never logged; read against W&B's _step")
        axis = nil
      } else if let bad = scan.points[a]!.first(where: { wholeStep($0.value) == nil }) {
        log.notes.append("\(name): the step metric '\(a)' has a value that is not a whole step (\(bad.value)); read against W&B's _step")
        axis = nil
      } else {
        axisPoints = scan.points[a]!
      }
    }
    if axis == "batch/batch_step", let readBack = kerasIntervalMeans(scan) {
      scan.points["batch/loss"] = readBack
      log.notes.append("\(name): batch/loss, Keras's running mean of the epoch so far (WandbMetricsLogger), "
        + "read back as the mean over each logging interval")
    }
    var before = 0
    for key in scan.order where !key.hasPrefix("_") && key != axis {
      let canonical = keys.canonical(key)
      guard axis != nil else {
        for p in scan.points[key]! { log.add(canonical, step: p.rowStep, value: p.value) }
        continue
      }
      // Both lists are in row order: walk them together.
      var j = -1
      for p in scan.points[key]! {
        while j + 1 < axisPoints.count && axisPoints[j + 1].row <= p.row { j += 1 }
        guard j >= 0 else {
          before += 1
          continue
        }
        log.add(canonical, step: Int(axisPoints[j].value), value: p.value)
      }
    }
    if let axis {
      log.notes.append("\(name): steps are the values of '\(axis)' (\(why)), not W&B's _step, which counts log calls")
    }
    if before > 0 {
      log.notes.append("\(name): skipped \(before) point(s) logged before the first value of '\(axis!)'")
    }
  }

  /// Keras's `WandbMetricsLogger(log_freq: f)` logs `batch/loss` at batches 0, f, 2f… of each
  /// epoch as Keras's running mean over the epoch so far, m after n = k·f + 1 batches (epochs end
  /// at its `epoch/epoch` rows, `f` is the step of its `batch/batch_step`). The mean over each
  /// interval is read back: the first point of an epoch is one batch's loss, then
  /// `(n₂·m₂ − n₁·m₁) / (n₂ − n₁)`. Nil when the log is not shaped so.
  static func kerasIntervalMeans(_ scan: Scan) -> [Point]? {
    guard let loss = scan.points["batch/loss"], let epochs = scan.points["epoch/epoch"],
      let steps = scan.points["batch/batch_step"], steps.count >= 2
    else { return nil }
    let diffs = zip(steps, steps.dropFirst()).map { $1.value - $0.value }
    guard let f = diffs.first, f >= 1, f == f.rounded(), diffs.allSatisfy({ $0 == f }) else { return nil }
    var out: [Point] = []
    var e = 0
    var k = 0
    var previous: (n: Double, m: Double)?
    for p in loss {
      // A new epoch after each epoch/epoch row.
      var newEpoch = false
      while e < epochs.count && epochs[e].row < p.row {
        e += 1
        newEpoch = true
      }
      if newEpoch || previous == nil {
        k = 0
        previous = nil
      }
      let n = Double(k) * f + 1
      var q = p
      if let previous, p.value.isFinite, previous.m.isFinite {
        q.value = (n * p.value - previous.n * previous.m) / (n - previous.n)
      }
      previous = (n, p.value)
      out.append(q)
      k += 1
    }
    return out
  }

  /// `x` as a step when it is a whole number within ±2⁵³.
  static func wholeStep(_ x: Double) -> Int? {
    x.rounded() == x ? logStep(x) : nil
  }

  // MARK: Records

  static func decodeRecord(_ p: UnsafeRawBufferPointer, into scan: inout Scan) {
    var c = ProtobufCursor(p)
    while !c.atEnd {
      guard let key = c.varint() else { scan.malformed += 1; return }
      let field = key >> 3
      let wire = key & 7
      switch (field, wire) {
      case (2, 2):
        guard let h = c.bytes() else { scan.malformed += 1; return }
        decodeHistory(h, into: &scan)
      case (12, 2):
        guard let m = c.bytes() else { scan.malformed += 1; return }
        decodeMetric(m, into: &scan)
      case (17, 2):
        guard let r = c.bytes() else { scan.malformed += 1; return }
        decodeRun(r, into: &scan)
      case (18, 2):
        guard let e = c.bytes() else { scan.malformed += 1; return }
        var ec = ProtobufCursor(e)
        while !ec.atEnd {
          guard let k = ec.varint() else { break }
          if k == (1 << 3) {
            scan.run.exitCode = ec.varint().map { Int(Int32(truncatingIfNeeded: $0)) }
          } else if !ec.skip(k & 7) {
            break
          }
        }
      default:
        if !c.skip(wire) { scan.malformed += 1; return }
      }
    }
  }

  static func string(_ p: UnsafeRawBufferPointer) -> String { String(decoding: p, as: UTF8.self) }

  static func decodeRun(_ p: UnsafeRawBufferPointer, into scan: inout Scan) {
    var c = ProtobufCursor(p)
    while !c.atEnd {
      guard let k = c.varint() else { return }
      switch (k >> 3, k & 7) {
      case (1, 2): scan.run.id = c.bytes().map(string)
      case (14, 0): scan.run.startingStep = c.varint().flatMap { logStep(Double(Int64(bitPattern: $0))) }
      case (18, 0): scan.run.resumed = c.varint() == 1
      default: if !c.skip(k & 7) { return }
      }
    }
  }

  static func decodeMetric(_ p: UnsafeRawBufferPointer, into scan: inout Scan) {
    var c = ProtobufCursor(p)
    var name: String?
    var glob: String?
    var stepMetric: String?
    while !c.atEnd {
      guard let k = c.varint() else { return }
      switch (k >> 3, k & 7) {
      case (1, 2): name = c.bytes().map(string)
      case (2, 2): glob = c.bytes().map(string)
      case (4, 2): stepMetric = c.bytes().map(string)
      default: if !c.skip(k & 7) { return }
      }
    }
    guard let stepMetric, !stepMetric.isEmpty else { return }
    if let name, !name.isEmpty {
      scan.stepMetricByName[name] = stepMetric
    } else if let glob, !glob.isEmpty {
      scan.stepMetricByGlob.append((glob, stepMetric))
    }
  }

  /// The step metric of `key`: its own definition, else the latest glob that matches it (W&B
  /// takes only globs that end in `*`: a prefix).
  static func stepMetric(of key: String, in scan: Scan) -> String? {
    if let s = scan.stepMetricByName[key] { return s }
    return scan.stepMetricByGlob.last { glob, _ in
      glob.hasSuffix("*") ? key.hasPrefix(glob.dropLast()) : key == glob
    }?.stepMetric
  }

  /// One `wandb.log` row: its numeric items, its `_step`, then every key's point.
  static func decodeHistory(_ p: UnsafeRawBufferPointer, into scan: inout Scan) {
    var c = ProtobufCursor(p)
    var items: [(key: String, value: Double)] = []
    var mediaPrefixes: [String] = []
    var rowStep: Int?
    var stepNum: Int?
    while !c.atEnd {
      guard let k = c.varint() else { scan.malformed += 1; return }
      switch (k >> 3, k & 7) {
      case (1, 2):
        guard let item = c.bytes() else { scan.malformed += 1; return }
        guard let (key, value, isType) = decodeItem(item, names: &scan.names) else { continue }
        if isType {
          // A media object (wandb.Image, Histogram, Table…): `<name>._type`.
          mediaPrefixes.append(String(key.dropLast("_type".count)))
          continue
        }
        if key == "_step" {
          rowStep = value.flatMap(wholeStep)
        } else if let value {
          items.append((key, value))
        }
      case (2, 2):
        guard let s = c.bytes() else { scan.malformed += 1; return }
        var sc = ProtobufCursor(s)
        while !sc.atEnd {
          guard let sk = sc.varint() else { break }
          if sk == (1 << 3) {
            stepNum = sc.varint().flatMap { logStep(Double(Int64(bitPattern: $0))) }
          } else if !sc.skip(sk & 7) {
            break
          }
        }
      default:
        if !c.skip(k & 7) { scan.malformed += 1; return }
      }
    }
    let step = rowStep ?? stepNum ?? scan.implicitStep
    scan.implicitStep = step + 1
    let row = scan.rows
    scan.rows += 1
    for (key, value) in items where !mediaPrefixes.contains(where: { key.hasPrefix($0) }) {
      if scan.points[key] == nil {
        scan.points[key] = []
        scan.order.append(key)
      }
      scan.points[key]!.append(Point(row: row, rowStep: step, value: value))
    }
  }

  /// One history item: its key (nested keys joined by `.`), its numeric value (nil for text,
  /// booleans, lists, objects and null), and whether it is a media object's `_type`. Nil when
  /// malformed.
  static func decodeItem(_ p: UnsafeRawBufferPointer, names: inout [[UInt8]: String]) -> (String, Double?, Bool)? {
    var c = ProtobufCursor(p)
    var keyBytes: [UInt8] = []
    var nested: [UInt8] = []
    var hasNested = false
    var value: Double?
    var json: UnsafeRawBufferPointer?
    while !c.atEnd {
      guard let k = c.varint() else { return nil }
      switch (k >> 3, k & 7) {
      case (1, 2):
        guard let b = c.bytes() else { return nil }
        keyBytes = Array(b)
      case (2, 2):
        guard let b = c.bytes() else { return nil }
        if hasNested { nested.append(UInt8(ascii: ".")) }
        nested.append(contentsOf: b)
        hasNested = true
      case (5, 0):
        guard let v = c.varint() else { return nil }
        value = Double(Int64(bitPattern: (v >> 1) ^ (0 &- (v & 1))))
      case (6, 1):
        guard let v = c.fixed64() else { return nil }
        value = Double(bitPattern: v)
      case (16, 2):
        guard let b = c.bytes() else { return nil }
        json = b
      default:
        if !c.skip(k & 7) { return nil }
      }
    }
    let raw = hasNested ? nested : keyBytes
    let key: String
    if let known = names[raw] {
      key = known
    } else {
      key = String(decoding: raw, as: UTF8.self)
      names[raw] = key
    }
    if let json {
      let isType = raw.count >= 6 && raw.suffix(6).elementsEqual(Array("._type".utf8))
      if isType { return (key, nil, true) }
      value = jsonNumber(json)
    }
    return (key, value, false)
  }

  /// A JSON number, or Python's `NaN`, `Infinity` and `-Infinity` (W&B writes them so); nil for
  /// anything else.
  static func jsonNumber(_ p: UnsafeRawBufferPointer) -> Double? {
    guard let first = p.first, p.count <= 64 else { return nil }
    let text = String(decoding: p, as: UTF8.self)
    switch first {
    case UInt8(ascii: "N"): return text == "NaN" ? .nan : nil
    case UInt8(ascii: "I"): return text == "Infinity" ? .infinity : nil
    case UInt8(ascii: "-") where text == "-Infinity": return -.infinity
    case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
      // JSON's grammar only: digits, one point, an exponent (no hex, no "inf", no spaces).
      guard p.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D || $0 == 0x2B || $0 == 0x2E || $0 == 0x65 || $0 == 0x45 })
      else { return nil }
      return Double(text)
    default: return nil
    }
  }
}

extension WandbReader {
  /// Notes on the run: its id, where a resumed run started, an exit code other than 0.
  static func describe(_ run: Run, name: String) -> [String] {
    var notes: [String] = []
    if run.resumed || (run.startingStep ?? 0) > 0 {
      notes.append("\(name): W&B run \(run.id ?? "?") resumed at step \(run.startingStep ?? 0)")
    }
    if let code = run.exitCode, code != 0 {
      notes.append("\(name): the run exited with code \(code) (it crashed or was stopped)")
    }
    return notes
  }
}
