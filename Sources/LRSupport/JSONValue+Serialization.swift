extension JSONValue {
  /// Compact, strict JSON text; numbers in shortest round-trip form, so reading it back gives
  /// the same bits. JSON has no NaN or infinity: a non-finite number is written as `null`
  /// (writers that need to say why put the reason in a field of its own).
  package func serialized() -> String {
    var out = ""
    write(into: &out)
    return out
  }

  func write(into out: inout String) {
    switch self {
    case .null: out += "null"
    case .bool(let b): out += b ? "true" : "false"
    case .number(let x, let isInteger):
      if !x.isFinite {
        out += "null"
      } else if isInteger, abs(x) <= 0x1p53 {
        out += String(Int(x))
      } else {
        out += x.description
      }
    case .string(let s): JSONValue.writeString(s, into: &out)
    case .array(let items):
      out += "["
      for (i, v) in items.enumerated() {
        if i > 0 { out += "," }
        v.write(into: &out)
      }
      out += "]"
    case .object(let pairs):
      out += "{"
      for (i, (k, v)) in pairs.enumerated() {
        if i > 0 { out += "," }
        JSONValue.writeString(k, into: &out)
        out += ":"
        v.write(into: &out)
      }
      out += "}"
    }
  }

  package static func writeString(_ s: String, into out: inout String) {
    out += "\""
    for u in s.unicodeScalars {
      switch u {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      default:
        if u.value < 0x20 {
          let hex = String(u.value, radix: 16)
          out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        } else {
          out.unicodeScalars.append(u)
        }
      }
    }
    out += "\""
  }

  /// A number value.
  package static func double(_ x: Double) -> JSONValue { .number(x, isInteger: false) }
  /// An integer value.
  package static func int(_ x: Int) -> JSONValue { .number(Double(x), isInteger: true) }
}
