import CChecksum

/// TensorBoard event files (`events.out.tfevents.*`): TFRecord frames with masked CRC-32C
/// checked on the length and the payload, `Event`/`Summary` protobufs decoded by hand, the three
/// scalar encodings (`simple_value`, `tensor.float_val`/`double_val`, `tensor.tensor_content`),
/// and TensorBoard's purge on restart (a `SessionLog START` at step s drops what was logged at
/// steps ≥ s before it).
public enum TensorBoardReader {
  /// CRC-32C of `bytes`.
  public static func crc32c(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
    UInt32(lrkit_crc32c(bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), bytes.count, 0))
  }

  /// The masked CRC TFRecord stores: `((crc >> 15) | (crc << 17)) + 0xA282EAD8`.
  public static func masked(_ crc: UInt32) -> UInt32 {
    ((crc >> 15) | (crc << 17)) &+ 0xA282_EAD8
  }

  /// Whether `bytes` start like a TFRecord file whose first record is a `brain.Event`.
  static func looksLikeEventFile(_ bytes: [UInt8]) -> Bool {
    guard bytes.count >= 12 else { return false }
    let length = bytes.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
    guard length > 0, length < 1 << 30 else { return false }
    let stored = bytes.withUnsafeBytes { UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: 8, as: UInt32.self)) }
    return bytes.withUnsafeBytes { masked(crc32c(UnsafeRawBufferPointer(rebasing: $0[0..<8]))) } == stored
  }

  /// Reads one event file into `log` (appending).
  static func read(_ bytes: [UInt8], name: String, into log: inout TrainingLog, keys: KeyMapping) {
    var offset = 0
    var records = 0
    var badPayloads = 0
    bytes.withUnsafeBytes { raw in
      while offset < bytes.count {
        guard offset + 12 <= bytes.count else {
          log.notes.append("\(name): a partial record at the end (\(bytes.count - offset) bytes); read \(records) records")
          return
        }
        let length = Int(clamping: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)))
        let lengthCRC = UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset + 8, as: UInt32.self))
        guard masked(crc32c(UnsafeRawBufferPointer(rebasing: raw[offset..<offset + 8]))) == lengthCRC else {
          log.notes.append("\(name): record \(records + 1) has a corrupted length (CRC mismatch); stopped there")
          return
        }
        let start = offset + 12
        guard length >= 0, start + length + 4 <= bytes.count else {
          log.notes.append("\(name): a partial record at the end (needs \(length + 4) bytes, \(bytes.count - start) left); read \(records) records")
          return
        }
        let payload = UnsafeRawBufferPointer(rebasing: raw[start..<start + length])
        let dataCRC = UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: start + length, as: UInt32.self))
        offset = start + length + 4
        guard masked(crc32c(payload)) == dataCRC else {
          badPayloads += 1
          continue
        }
        records += 1
        decodeEvent(payload, into: &log, keys: keys)
      }
    }
    if badPayloads > 0 {
      log.notes.append("\(name): skipped \(badPayloads) record(s) whose payload fails its CRC-32C check")
    }
  }

  static func decodeEvent(_ payload: UnsafeRawBufferPointer, into log: inout TrainingLog, keys: KeyMapping) {
    var c = ProtobufCursor(payload)
    var step = 0
    var summaries: [UnsafeRawBufferPointer] = []
    var sessionStart = false
    while !c.atEnd {
      guard let key = c.varint() else { return }
      let field = key >> 3
      let wire = key & 7
      switch (field, wire) {
      case (2, 0): step = Int(truncatingIfNeeded: c.varint() ?? 0)
      case (5, 2): if let s = c.bytes() { summaries.append(s) }
      case (7, 2):
        if let s = c.bytes() {
          var sc = ProtobufCursor(s)
          while !sc.atEnd {
            guard let k = sc.varint() else { break }
            if k == (1 << 3) { sessionStart = sc.varint() == 1 } else if !sc.skip(k & 7) { break }
          }
        }
      default: if !c.skip(wire) { return }
      }
    }
    if sessionStart { purge(&log, from: step) }
    for s in summaries { decodeSummary(s, step: step, into: &log, keys: keys) }
  }

  /// TensorBoard's restart rule: forget what was logged at steps ≥ `step`.
  static func purge(_ log: inout TrainingLog, from step: Int) {
    var purged = 0
    for (name, s) in log.series {
      var kept = TrainingLog.Series()
      for (k, v) in zip(s.steps, s.values) where k < step { kept.append(k, v) }
      purged += s.count - kept.count
      log.series[name] = kept
    }
    if purged > 0 { log.notes.append("a restart at step \(step) replaced \(purged) earlier point(s) (SessionLog START)") }
  }

  static func decodeSummary(_ p: UnsafeRawBufferPointer, step: Int, into log: inout TrainingLog, keys: KeyMapping) {
    var c = ProtobufCursor(p)
    while !c.atEnd {
      guard let key = c.varint() else { return }
      guard key == (1 << 3 | 2), let value = c.bytes() else {
        if !c.skip(key & 7) { return }
        continue
      }
      var vc = ProtobufCursor(value)
      var tag: String?
      var scalar: Double?
      fields: while !vc.atEnd {
        guard let k = vc.varint() else { break }
        switch (k >> 3, k & 7) {
        case (1, 2): tag = vc.bytes().map { String(decoding: $0, as: UTF8.self) }
        case (2, 5): scalar = vc.fixed32().map { Double(Float(bitPattern: $0)) }
        case (8, 2): if let t = vc.bytes() { scalar = tensorScalar(t) }
        default: if !vc.skip(k & 7) { break fields }
        }
      }
      if let tag, let scalar { log.add(keys.canonical(tag), step: step, value: scalar) }
    }
  }

  /// The scalar in a TensorProto: `float_val`, `double_val` or `tensor_content` (DT_FLOAT,
  /// DT_DOUBLE).
  static func tensorScalar(_ p: UnsafeRawBufferPointer) -> Double? {
    var c = ProtobufCursor(p)
    var dtype: UInt64 = 1
    var content: UnsafeRawBufferPointer?
    var value: Double?
    while !c.atEnd {
      guard let k = c.varint() else { return value }
      switch (k >> 3, k & 7) {
      case (1, 0): dtype = c.varint() ?? 1
      case (4, 2): content = c.bytes()
      case (5, 5): value = c.fixed32().map { Double(Float(bitPattern: $0)) }
      case (5, 2):
        if let b = c.bytes(), b.count >= 4 { value = Double(Float(bitPattern: UInt32(littleEndian: b.loadUnaligned(as: UInt32.self)))) }
      case (6, 1): value = c.fixed64().map { Double(bitPattern: $0) }
      case (6, 2):
        if let b = c.bytes(), b.count >= 8 { value = Double(bitPattern: UInt64(littleEndian: b.loadUnaligned(as: UInt64.self))) }
      default: if !c.skip(k & 7) { return value }
      }
    }
    if value == nil, let content {
      if dtype == 2, content.count >= 8 {
        value = Double(bitPattern: UInt64(littleEndian: content.loadUnaligned(as: UInt64.self)))
      } else if dtype == 1, content.count >= 4 {
        value = Double(Float(bitPattern: UInt32(littleEndian: content.loadUnaligned(as: UInt32.self))))
      }
    }
    return value
  }
}
