import Foundation
import LRSupport
import Testing

/// `lrkit curve --spec model.keras`: a saved Keras model is a zip archive whose `config.json`
/// holds the compiled optimizer.
@Suite("lrkit curve --spec model.keras")
struct KerasArchiveTests {
  static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("LRSchedulesTests/Fixtures")

  /// The bytes of the archive Keras wrote (Scripts/make-fixtures.py saves it).
  static func archive() throws -> [UInt8] {
    [UInt8](try Data(contentsOf: fixtures.appendingPathComponent("keras-model.keras")))
  }

  static func write(_ bytes: [UInt8]) -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("lrkit-test-\(UUID().uuidString).keras").path
    _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
    return path
  }

  @Test("the archive's curve is Keras' own, from the fixture computed by driving the optimizer")
  func curve() throws {
    let data = try Data(contentsOf: Self.fixtures.appendingPathComponent("keras.json"))
    let root = try JSONValue.parse(String(decoding: data, as: UTF8.self))
    guard case .array(let cases)? = root["cases"],
      let fixture = cases.first(where: { if case .string(let n)? = $0["name"] { return n.contains("model config.json") }; return false }),
      case .array(let expected)? = fixture["lr"]
    else {
      Issue.record("keras.json has no model config.json case")
      return
    }
    let path = Self.write(try Self.archive())
    let (out, err) = lrkit(["curve", "--spec", path, "--steps", "\(expected.count)"])
    #expect(err == nil, "\(err ?? "")")
    let values = out.split(separator: "\n").dropFirst().map { Double($0.split(separator: ",")[1])! }
    #expect(values.count == expected.count)
    for (k, (ours, peer)) in zip(values, expected).enumerated() {
      guard case .number(let p, _) = peer else { continue }
      #expect(ours == p, "update \(k)")
    }
  }

  @Test("a damaged archive is refused with the reason, naming the file")
  func damaged() throws {
    var bytes = try Self.archive()
    let text = Array("\"compile_config\"".utf8)
    let at = (0..<(bytes.count - text.count)).first { Array(bytes[$0..<($0 + text.count)]) == text }!
    bytes[at + 1] = UInt8(ascii: "C")
    let corrupt = Self.write(bytes)
    let (_, err) = lrkit(["curve", "--spec", corrupt, "--steps", "3"])
    #expect(err?.contains(corrupt) == true && err?.contains("CRC-32") == true, "\(err ?? "")")
    let truncated = Self.write(Array(try Self.archive().prefix(4000)))
    let (_, err2) = lrkit(["curve", "--spec", truncated, "--steps", "3"])
    #expect(err2?.contains(truncated) == true && err2?.contains("central directory") == true, "\(err2 ?? "")")
  }

  @Test("a compressed config.json, or none, is named")
  func otherArchives() throws {
    #expect(throws: StoredZip.Failure.self) { try StoredZip.member("config.json", in: Self.archive(of: [("config.json", [0x7B, 0x7D])], method: 8)) }
    do {
      _ = try StoredZip.member("config.json", in: Self.archive(of: [("config.json", Array("{}".utf8))], method: 8))
    } catch {
      #expect(error.description.contains("compressed"))
    }
    do {
      _ = try StoredZip.member("config.json", in: Self.archive(of: [("a.txt", [1])], method: 0))
    } catch {
      #expect(error.description.contains("holds no 'config.json'") && error.description.contains("'a.txt'"))
    }
    let stored = Self.archive(of: [("metadata.json", Array("{}".utf8)), ("config.json", Array("{\"x\":1}".utf8))], method: 0)
    #expect(try StoredZip.member("config.json", in: stored) == Array("{\"x\":1}".utf8))
    #expect(StoredZip.crc32(Array("123456789".utf8)) == 0xCBF4_3926)
  }

  /// A zip archive of `entries`, each recorded with `method` (the bytes are stored as they are).
  static func archive(of entries: [(String, [UInt8])], method: Int) -> [UInt8] {
    func le(_ v: Int, _ n: Int) -> [UInt8] { (0..<n).map { UInt8((v >> (8 * $0)) & 0xFF) } }
    var out: [UInt8] = []
    var central: [UInt8] = []
    for (name, data) in entries {
      let crc = Int(StoredZip.crc32(data))
      let offset = out.count
      let n = Array(name.utf8)
      out += le(0x0403_4B50, 4) + le(20, 2) + le(0, 2) + le(method, 2) + le(0, 4) + le(crc, 4)
        + le(data.count, 4) + le(data.count, 4) + le(n.count, 2) + le(0, 2) + n + data
      central += le(0x0201_4B50, 4) + le(20, 2) + le(20, 2) + le(0, 2) + le(method, 2) + le(0, 4) + le(crc, 4)
        + le(data.count, 4) + le(data.count, 4) + le(n.count, 2) + le(0, 2) + le(0, 2) + le(0, 2) + le(0, 2)
        + le(0, 4) + le(offset, 4) + n
    }
    let start = out.count
    out += central
    out += le(0x0605_4B50, 4) + le(0, 2) + le(0, 2) + le(entries.count, 2) + le(entries.count, 2)
      + le(central.count, 4) + le(start, 4) + le(0, 2)
    return out
  }
}
