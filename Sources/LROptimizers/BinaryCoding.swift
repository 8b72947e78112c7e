/// Base64 and CRC-32 for the Float32 buffers of a saved state: bit-exact and self-checking,
/// without Foundation.
enum BinaryCoding {
  static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

  static func bytes(_ values: [Float]) -> [UInt8] {
    var out = [UInt8]()
    out.reserveCapacity(values.count * 4)
    for v in values {
      let b = v.bitPattern.littleEndian
      out.append(UInt8(truncatingIfNeeded: b))
      out.append(UInt8(truncatingIfNeeded: b >> 8))
      out.append(UInt8(truncatingIfNeeded: b >> 16))
      out.append(UInt8(truncatingIfNeeded: b >> 24))
    }
    return out
  }

  static func floats(_ bytes: [UInt8]) -> [Float]? {
    guard bytes.count % 4 == 0 else { return nil }
    var out = [Float]()
    out.reserveCapacity(bytes.count / 4)
    var i = 0
    while i < bytes.count {
      let bits = UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2]) << 16
        | UInt32(bytes[i + 3]) << 24
      out.append(Float(bitPattern: bits))
      i += 4
    }
    return out
  }

  static func base64(_ data: [UInt8]) -> String {
    var out = [UInt8]()
    out.reserveCapacity((data.count + 2) / 3 * 4)
    var i = 0
    while i + 3 <= data.count {
      let n = UInt32(data[i]) << 16 | UInt32(data[i + 1]) << 8 | UInt32(data[i + 2])
      out += [alphabet[Int(n >> 18)], alphabet[Int(n >> 12 & 63)], alphabet[Int(n >> 6 & 63)],
              alphabet[Int(n & 63)]]
      i += 3
    }
    let rest = data.count - i
    if rest > 0 {
      let n = UInt32(data[i]) << 16 | (rest == 2 ? UInt32(data[i + 1]) << 8 : 0)
      out += [alphabet[Int(n >> 18)], alphabet[Int(n >> 12 & 63)]]
      out += rest == 2 ? [alphabet[Int(n >> 6 & 63)], UInt8(ascii: "=")] : [UInt8(ascii: "="), UInt8(ascii: "=")]
    }
    return String(decoding: out, as: UTF8.self)
  }

  static func unbase64(_ text: String) -> [UInt8]? {
    var table = [Int](repeating: -1, count: 256)
    for (i, c) in alphabet.enumerated() { table[Int(c)] = i }
    let chars = Array(text.utf8)
    guard chars.count % 4 == 0 else { return nil }
    var out = [UInt8]()
    out.reserveCapacity(chars.count / 4 * 3)
    var i = 0
    while i < chars.count {
      var n: UInt32 = 0
      var pad = 0
      for j in 0..<4 {
        let c = chars[i + j]
        if c == UInt8(ascii: "=") {
          guard i + 4 == chars.count, j >= 2 else { return nil }
          pad += 1
          n <<= 6
          continue
        }
        guard pad == 0 else { return nil }
        let v = table[Int(c)]
        guard v >= 0 else { return nil }
        n = n << 6 | UInt32(v)
      }
      out.append(UInt8(n >> 16 & 255))
      if pad < 2 { out.append(UInt8(n >> 8 & 255)) }
      if pad < 1 { out.append(UInt8(n & 255)) }
      i += 4
    }
    return out
  }

  static let crcTable: [UInt32] = (0..<256).map { i -> UInt32 in
    var c = UInt32(i)
    for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
    return c
  }

  /// CRC-32 (IEEE 802.3, as zlib's `crc32`).
  static func crc32(_ data: [UInt8]) -> UInt32 {
    var c: UInt32 = 0xFFFF_FFFF
    for b in data { c = crcTable[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
    return c ^ 0xFFFF_FFFF
  }
}
