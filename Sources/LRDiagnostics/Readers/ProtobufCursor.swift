/// Reads protocol-buffer wire format by hand (varints, length-delimited fields, fixed 32 and 64
/// bits) for the TensorBoard and Weights & Biases readers: every read checks the bounds and
/// returns nil on a malformed field instead of trapping.
struct ProtobufCursor {
  let p: UnsafeRawBufferPointer
  var i = 0

  init(_ p: UnsafeRawBufferPointer) { self.p = p }

  var atEnd: Bool { i >= p.count }

  mutating func varint() -> UInt64? {
    var v: UInt64 = 0
    var shift: UInt64 = 0
    while i < p.count, shift < 64 {
      let b = p[i]
      i += 1
      v |= UInt64(b & 0x7F) << shift
      if b & 0x80 == 0 { return v }
      shift += 7
    }
    return nil
  }

  mutating func bytes() -> UnsafeRawBufferPointer? {
    guard let n = varint(), n <= UInt64(p.count - i) else { return nil }
    let out = UnsafeRawBufferPointer(rebasing: p[i..<i + Int(n)])
    i += Int(n)
    return out
  }

  mutating func fixed32() -> UInt32? {
    guard i + 4 <= p.count else { return nil }
    defer { i += 4 }
    return UInt32(littleEndian: p.loadUnaligned(fromByteOffset: i, as: UInt32.self))
  }

  mutating func fixed64() -> UInt64? {
    guard i + 8 <= p.count else { return nil }
    defer { i += 8 }
    return UInt64(littleEndian: p.loadUnaligned(fromByteOffset: i, as: UInt64.self))
  }

  /// Skips a field of `wire` type; false when malformed.
  mutating func skip(_ wire: UInt64) -> Bool {
    switch wire {
    case 0: return varint() != nil
    case 1: return fixed64() != nil
    case 2: return bytes() != nil
    case 5: return fixed32() != nil
    default: return false
    }
  }
}
