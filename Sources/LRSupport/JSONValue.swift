/// A parsed JSON value, keeping what a strict spec decoder needs: integer versus real literals
/// (Python's `int` and `float` differ for several peers) and the order of object keys.
package enum JSONValue: Sendable, Equatable {
  /// `null`.
  case null
  /// `true` or `false`.
  case bool(Bool)
  /// A number; `isInteger` is true for literals without fraction or exponent.
  case number(Double, isInteger: Bool)
  /// A string.
  case string(String)
  /// An array.
  case array([JSONValue])
  /// An object, keys in document order.
  case object([(key: String, value: JSONValue)])

  /// The JSON type name used in error messages.
  package var typeName: String {
    switch self {
    case .null: "null"
    case .bool: "a boolean"
    case .number(_, let isInteger): isInteger ? "an integer" : "a number"
    case .string: "a string"
    case .array: "an array"
    case .object: "an object"
    }
  }

  /// The value under `key` if this is an object holding it.
  package subscript(key: String) -> JSONValue? {
    guard case .object(let pairs) = self else { return nil }
    return pairs.first { $0.key == key }?.value
  }

  /// Equality; objects compare key by key in order.
  package static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
    switch (lhs, rhs) {
    case (.null, .null): true
    case (.bool(let a), .bool(let b)): a == b
    case (.number(let a, let ai), .number(let b, let bi)): a == b && ai == bi
    case (.string(let a), .string(let b)): a == b
    case (.array(let a), .array(let b)): a == b
    case (.object(let a), .object(let b)):
      a.count == b.count && zip(a, b).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    default: false
    }
  }
}

extension JSONValue {
  /// Parses JSON text strictly: one value, nothing after it but whitespace.
  ///
  /// - Parameter allowNonFinite: accept Python's `NaN`, `Infinity` and `-Infinity` literals,
  ///   which `json.dump` writes for non-finite floats.
  /// - Throws: ``JSONError`` naming the line and column.
  package static func parse(_ text: String, allowNonFinite: Bool = false) throws(JSONError)
    -> JSONValue
  {
    var parser = JSONParser(Array(text.utf8), allowNonFinite: allowNonFinite)
    return try parser.parseDocument()
  }

  /// Parses UTF-8 JSON bytes strictly; see ``parse(_:allowNonFinite:)``.
  package static func parse(bytes: [UInt8], allowNonFinite: Bool = false) throws(JSONError)
    -> JSONValue
  {
    var parser = JSONParser(bytes, allowNonFinite: allowNonFinite)
    return try parser.parseDocument()
  }
}

/// A recursive-descent JSON parser over UTF-8 bytes.
struct JSONParser {
  let bytes: [UInt8]
  let allowNonFinite: Bool
  var index = 0
  var depth = 0

  init(_ bytes: [UInt8], allowNonFinite: Bool) {
    self.bytes = bytes
    self.allowNonFinite = allowNonFinite
  }

  mutating func parseDocument() throws(JSONError) -> JSONValue {
    skipWhitespace()
    if index == bytes.count { throw fail("empty input") }
    let value = try parseValue()
    skipWhitespace()
    if index != bytes.count { throw fail("unexpected text after the JSON value") }
    return value
  }

  func position(_ at: Int) -> String {
    var line = 1
    var column = 1
    for b in bytes[..<min(at, bytes.count)] {
      if b == UInt8(ascii: "\n") {
        line += 1
        column = 1
      } else {
        column += 1
      }
    }
    return "line \(line), column \(column)"
  }

  func fail(_ what: String, at: Int? = nil) -> JSONError {
    JSONError(position: position(at ?? index), problem: what)
  }

  mutating func skipWhitespace() {
    while index < bytes.count {
      switch bytes[index] {
      case 0x20, 0x09, 0x0A, 0x0D: index += 1
      default: return
      }
    }
  }

  mutating func parseValue() throws(JSONError) -> JSONValue {
    guard index < bytes.count else { throw fail("unexpected end of input") }
    switch bytes[index] {
    case UInt8(ascii: "{"): return try parseObject()
    case UInt8(ascii: "["): return try parseArray()
    case UInt8(ascii: "\""): return .string(try parseString())
    case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
    case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
    case UInt8(ascii: "n"): try expectLiteral("null"); return .null
    case UInt8(ascii: "N") where allowNonFinite:
      try expectLiteral("NaN"); return .number(.nan, isInteger: false)
    case UInt8(ascii: "I") where allowNonFinite:
      try expectLiteral("Infinity"); return .number(.infinity, isInteger: false)
    case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
      return try parseNumber()
    default:
      throw fail("unexpected character '\(Character(Unicode.Scalar(bytes[index])))'")
    }
  }

  mutating func expectLiteral(_ word: String) throws(JSONError) {
    let w = Array(word.utf8)
    guard index + w.count <= bytes.count, Array(bytes[index..<index + w.count]) == w else {
      throw fail("invalid literal")
    }
    index += w.count
  }

  mutating func enter() throws(JSONError) {
    depth += 1
    if depth > 512 { throw fail("nesting deeper than 512 levels") }
  }

  mutating func parseObject() throws(JSONError) -> JSONValue {
    try enter()
    defer { depth -= 1 }
    index += 1
    var pairs: [(key: String, value: JSONValue)] = []
    var seen = Set<String>()  // a linear search per key made an object of n keys cost n²
    skipWhitespace()
    if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
      index += 1
      return .object(pairs)
    }
    while true {
      skipWhitespace()
      guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else {
        throw fail("expected a quoted key")
      }
      let keyStart = index
      let key = try parseString()
      if !seen.insert(key).inserted {
        throw fail("duplicate key \"\(key)\"", at: keyStart)
      }
      skipWhitespace()
      guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else {
        throw fail("expected ':' after key \"\(key)\"")
      }
      index += 1
      skipWhitespace()
      let value = try parseValue()
      pairs.append((key, value))
      skipWhitespace()
      guard index < bytes.count else { throw fail("unterminated object") }
      if bytes[index] == UInt8(ascii: ",") {
        index += 1
      } else if bytes[index] == UInt8(ascii: "}") {
        index += 1
        return .object(pairs)
      } else {
        throw fail("expected ',' or '}'")
      }
    }
  }

  mutating func parseArray() throws(JSONError) -> JSONValue {
    try enter()
    defer { depth -= 1 }
    index += 1
    var items: [JSONValue] = []
    skipWhitespace()
    if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
      index += 1
      return .array(items)
    }
    while true {
      skipWhitespace()
      items.append(try parseValue())
      skipWhitespace()
      guard index < bytes.count else { throw fail("unterminated array") }
      if bytes[index] == UInt8(ascii: ",") {
        index += 1
      } else if bytes[index] == UInt8(ascii: "]") {
        index += 1
        return .array(items)
      } else {
        throw fail("expected ',' or ']'")
      }
    }
  }

  mutating func parseString() throws(JSONError) -> String {
    index += 1
    var out: [UInt8] = []
    while true {
      guard index < bytes.count else { throw fail("unterminated string") }
      let b = bytes[index]
      if b == UInt8(ascii: "\"") {
        index += 1
        break
      }
      if b < 0x20 { throw fail("control character in string") }
      if b != UInt8(ascii: "\\") {
        out.append(b)
        index += 1
        continue
      }
      index += 1
      guard index < bytes.count else { throw fail("unterminated escape") }
      let e = bytes[index]
      index += 1
      switch e {
      case UInt8(ascii: "\""): out.append(0x22)
      case UInt8(ascii: "\\"): out.append(0x5C)
      case UInt8(ascii: "/"): out.append(0x2F)
      case UInt8(ascii: "b"): out.append(0x08)
      case UInt8(ascii: "f"): out.append(0x0C)
      case UInt8(ascii: "n"): out.append(0x0A)
      case UInt8(ascii: "r"): out.append(0x0D)
      case UInt8(ascii: "t"): out.append(0x09)
      case UInt8(ascii: "u"):
        var scalar = try parseHex4()
        if (0xD800..<0xDC00).contains(scalar) {
          guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"),
            bytes[index + 1] == UInt8(ascii: "u")
          else { throw fail("unpaired surrogate") }
          index += 2
          let low = try parseHex4()
          guard (0xDC00..<0xE000).contains(low) else { throw fail("invalid surrogate pair") }
          scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
        }
        guard let u = Unicode.Scalar(scalar) else { throw fail("invalid \\u escape") }
        out.append(contentsOf: Array(String(Character(u)).utf8))
      default:
        throw fail("invalid escape '\\\(Character(Unicode.Scalar(e)))'")
      }
    }
    return String(decoding: out, as: UTF8.self)
  }

  mutating func parseHex4() throws(JSONError) -> UInt32 {
    guard index + 4 <= bytes.count else { throw fail("truncated \\u escape") }
    var v: UInt32 = 0
    for _ in 0..<4 {
      let c = bytes[index]
      let d: UInt32
      switch c {
      case UInt8(ascii: "0")...UInt8(ascii: "9"): d = UInt32(c - UInt8(ascii: "0"))
      case UInt8(ascii: "a")...UInt8(ascii: "f"): d = UInt32(c - UInt8(ascii: "a") + 10)
      case UInt8(ascii: "A")...UInt8(ascii: "F"): d = UInt32(c - UInt8(ascii: "A") + 10)
      default: throw fail("invalid hex digit in \\u escape")
      }
      v = v * 16 + d
      index += 1
    }
    return v
  }

  mutating func parseNumber() throws(JSONError) -> JSONValue {
    let start = index
    if bytes[index] == UInt8(ascii: "-") {
      index += 1
      if allowNonFinite, index < bytes.count, bytes[index] == UInt8(ascii: "I") {
        try expectLiteral("Infinity")
        return .number(-.infinity, isInteger: false)
      }
    }
    func digits(_ p: inout Int, _ bytes: [UInt8]) -> Int {
      let s = p
      while p < bytes.count, bytes[p] >= UInt8(ascii: "0"), bytes[p] <= UInt8(ascii: "9") {
        p += 1
      }
      return p - s
    }
    let intStart = index
    let intDigits = digits(&index, bytes)
    if intDigits == 0 { throw fail("expected a digit", at: index) }
    if intDigits > 1, bytes[intStart] == UInt8(ascii: "0") {
      throw fail("leading zero in number", at: intStart)
    }
    var isInteger = true
    if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
      index += 1
      isInteger = false
      if digits(&index, bytes) == 0 { throw fail("expected a digit after '.'") }
    }
    if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E")
    {
      index += 1
      isInteger = false
      if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-")
      {
        index += 1
      }
      if digits(&index, bytes) == 0 { throw fail("expected a digit in exponent") }
    }
    let text = String(decoding: bytes[start..<index], as: UTF8.self)
    guard let value = Double(text) else { throw fail("invalid number '\(text)'", at: start) }
    return .number(value, isInteger: isInteger)
  }
}
