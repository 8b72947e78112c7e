/// Text files as people save them: UTF-8 with or without a byte-order mark (Excel's "CSV UTF-8"
/// writes one), or UTF-16 with its mark (Windows PowerShell 5's `Out-File` and `>` write UTF-16LE).
/// Readers take the bytes through ``utf8(_:)`` and parse UTF-8 only.
public enum TextEncoding {
  /// The text's bytes as UTF-8 without a byte-order mark: a UTF-8 mark is dropped, UTF-16 with a
  /// mark (either byte order) is transcoded; anything else is returned as it is. Nil for UTF-16
  /// whose code units do not form text (an unpaired surrogate).
  public static func utf8(_ bytes: [UInt8]) -> [UInt8]? {
    if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { return Array(bytes.dropFirst(3)) }
    guard bytes.count >= 2 else { return bytes }
    let littleEndian: Bool
    switch (bytes[0], bytes[1]) {
    case (0xFF, 0xFE): littleEndian = true
    case (0xFE, 0xFF): littleEndian = false
    default: return bytes
    }
    var units: [UInt16] = []
    units.reserveCapacity(bytes.count / 2)
    var i = 2
    while i + 1 < bytes.count {
      let (a, b) = (UInt16(bytes[i]), UInt16(bytes[i + 1]))
      units.append(littleEndian ? a | b << 8 : a << 8 | b)
      i += 2
    }
    var out: [UInt8] = []
    out.reserveCapacity(units.count)
    let failed = transcode(units.makeIterator(), from: UTF16.self, to: UTF8.self, stoppingOnError: true) { out.append($0) }
    return failed ? nil : out
  }

  /// The name of the encoding ``utf8(_:)`` read `bytes` as, for messages.
  public static func name(_ bytes: [UInt8]) -> String {
    if bytes.count >= 2, bytes[0] == 0xFF, bytes[1] == 0xFE { return "UTF-16LE" }
    if bytes.count >= 2, bytes[0] == 0xFE, bytes[1] == 0xFF { return "UTF-16BE" }
    return "UTF-8"
  }
}
