import LRSupport
import LRSchedules

/// A Float32 buffer as a JSON value, bit-exact and checksummed:
/// `{"count": n, "crc32": c, "data": "<base64 of little-endian float32>"}`.
package enum FloatBlob {
  /// Encodes `values`.
  package static func encode(_ values: [Float]) -> JSONValue {
    let bytes = BinaryCoding.bytes(values)
    return .object([
      ("count", .int(values.count)), ("crc32", .int(Int(BinaryCoding.crc32(bytes)))),
      ("data", .string(BinaryCoding.base64(bytes))),
    ])
  }

  /// Decodes a blob of `expected` values, checking its length and checksum.
  package static func decode(_ json: JSONValue, expected: Int, name: String) throws(OptimizerError) -> [Float] {
    guard case .number(let n, _)? = json["count"], Int(exactly: n) == expected else {
      throw .stateMismatch(field: "\(name) length", expected: "\(expected)",
                           found: json["count"].map { $0.serialized() } ?? "none")
    }
    guard case .string(let data)? = json["data"], let bytes = BinaryCoding.unbase64(data) else {
      throw .corruptState(reason: "\(name) is not valid base64")
    }
    guard case .number(let crc, _)? = json["crc32"], UInt32(exactly: crc) == BinaryCoding.crc32(bytes) else {
      throw .corruptState(reason: "\(name) fails its CRC-32 check")
    }
    guard let values = BinaryCoding.floats(bytes), values.count == expected else {
      throw .corruptState(reason: "\(name) holds \(bytes.count) bytes, expected \(expected * 4)")
    }
    return values
  }
}
