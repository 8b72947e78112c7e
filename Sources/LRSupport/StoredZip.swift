import CChecksum

/// One member of a zip archive whose members are stored uncompressed, as Keras 3 writes a
/// `.keras` file (`config.json`, `metadata.json`, `model.weights.h5`, all `ZIP_STORED`).
///
/// Reads the central directory (zip64 included, for archives past 4 GiB), checks the member's
/// CRC-32, and refuses a compressed member rather than inflating it.
public enum StoredZip {
  /// Why a member could not be read.
  public struct Failure: Error, CustomStringConvertible, Sendable {
    /// What went wrong, for messages.
    public let description: String
    init(_ description: String) { self.description = description }
  }

  /// Whether `bytes` start like a zip archive (a local file header).
  public static func isZip(_ bytes: some Collection<UInt8>) -> Bool {
    Array(bytes.prefix(4)) == [0x50, 0x4B, 0x03, 0x04]
  }

  /// The bytes of the member called `name`.
  public static func member(_ name: String, in bytes: [UInt8]) throws(Failure) -> [UInt8] {
    func u16(_ at: Int) throws(Failure) -> Int {
      guard at >= 0, at + 2 <= bytes.count else { throw Failure("the archive is truncated") }
      return Int(bytes[at]) | Int(bytes[at + 1]) << 8
    }
    func u32(_ at: Int) throws(Failure) -> Int { try u16(at) | u16(at + 2) << 16 }
    func u64(_ at: Int) throws(Failure) -> Int {
      let high = try u32(at + 4)
      guard high < 1 << 30 else { throw Failure("the archive's directory is corrupt") }
      return try u32(at) | high << 32
    }
    // The end-of-central-directory record: the last 22 bytes, or earlier by a comment.
    var end = -1
    var i = bytes.count - 22
    while i >= max(0, bytes.count - 22 - 65_535) {
      if bytes[i] == 0x50, bytes[i + 1] == 0x4B, bytes[i + 2] == 0x05, bytes[i + 3] == 0x06 { end = i; break }
      i -= 1
    }
    guard end >= 0 else { throw Failure("not a zip archive (no central directory)") }
    var entries = try u16(end + 10)
    var directory = try u32(end + 16)
    if entries == 0xFFFF || directory == 0xFFFF_FFFF {
      // zip64: the locator sits just before the record and points at the zip64 record.
      let locator = end - 20
      guard locator >= 0, try u32(locator) == 0x0706_4B50 else { throw Failure("the zip64 directory is missing") }
      let record = try u64(locator + 8)
      guard try u32(record) == 0x0606_4B50 else { throw Failure("the zip64 directory is corrupt") }
      entries = try u64(record + 32)
      directory = try u64(record + 48)
    }
    var at = directory
    var names: [String] = []
    for _ in 0..<entries {
      guard try u32(at) == 0x0201_4B50 else { throw Failure("the archive's directory is corrupt") }
      let method = try u16(at + 10)
      let crc = try u32(at + 16)
      var size = try u32(at + 20)
      var stored = try u32(at + 24)
      let nameLength = try u16(at + 28)
      let extraLength = try u16(at + 30)
      let commentLength = try u16(at + 32)
      var local = try u32(at + 42)
      guard at + 46 + nameLength <= bytes.count else { throw Failure("the archive is truncated") }
      let entryName = String(decoding: bytes[(at + 46)..<(at + 46 + nameLength)], as: UTF8.self)
      names.append(entryName)
      if entryName == name {
        // zip64 extra field: the 64-bit sizes and offset, in this order, for each 32-bit one saturated.
        var extra = at + 46 + nameLength
        let extraEnd = extra + extraLength
        while extra + 4 <= extraEnd {
          let id = try u16(extra)
          let length = try u16(extra + 2)
          if id == 0x0001 {
            var field = extra + 4
            if stored == 0xFFFF_FFFF { stored = try u64(field); field += 8 }
            if size == 0xFFFF_FFFF { size = try u64(field); field += 8 }
            if local == 0xFFFF_FFFF { local = try u64(field) }
          }
          extra += 4 + length
        }
        guard method == 0 else {
          throw Failure("'\(name)' is compressed (method \(method)); unzip the archive and pass '\(name)' itself")
        }
        guard try u32(local) == 0x0403_4B50 else { throw Failure("the archive's '\(name)' entry is corrupt") }
        let start = local + 30 + (try u16(local + 26)) + (try u16(local + 28))
        guard size == stored, start + size <= bytes.count else { throw Failure("the archive is truncated") }
        let data = Array(bytes[start..<(start + size)])
        guard crc32(data) == UInt32(crc) else { throw Failure("'\(name)' fails its CRC-32 check (the archive is corrupt)") }
        return data
      }
      at += 46 + nameLength + extraLength + commentLength
    }
    let listed = names.prefix(5).map { "'\($0)'" }.joined(separator: ", ")
    throw Failure("the archive holds no '\(name)' (it holds \(names.isEmpty ? "nothing" : listed + (names.count > 5 ? ", …" : "")))")
  }

  /// CRC-32 (IEEE 802.3, zlib's), as zip records it.
  public static func crc32(_ bytes: [UInt8]) -> UInt32 {
    bytes.withUnsafeBufferPointer { UInt32(lrkit_crc32($0.baseAddress, $0.count, 0)) }
  }
}
