import LRSupport
import Foundation
import LRDiagnostics
import LRSchedules
import Testing

/// Real logs written by the frameworks' own writers (Scripts/make-diagnose-corpus.py), labelled
/// by hand from their curves.
enum Corpus {
  static var root: URL? {
    Bundle.module.url(forResource: "Corpus", withExtension: nil)
  }

  struct Case: Sendable, CustomTestStringConvertible {
    let path: String
    let format: String
    let expected: [String]
    var testDescription: String { path }
  }

  static var cases: [Case] {
    guard let root, let data = try? Data(contentsOf: root.appendingPathComponent("labels.json")),
      let json = try? JSONValue.parse(bytes: Array(data)), case .array(let items)? = json["cases"]
    else { return [] }
    return items.compactMap { item in
      guard case .string(let path)? = item["path"], case .array(let exp)? = item["expected"] else { return nil }
      let format: String
      if case .string(let f)? = item["format"] { format = f } else { format = "?" }
      return Case(path: path, format: format, expected: exp.compactMap { if case .string(let s) = $0 { return s } else { return nil } })
    }
  }

  static var broken: [String] {
    guard let root, let data = try? Data(contentsOf: root.appendingPathComponent("broken.json")),
      let json = try? JSONValue.parse(bytes: Array(data))
    else { return [] }
    var out: [String] = []
    func collect(_ v: JSONValue) {
      switch v {
      case .object(let pairs):
        for (k, x) in pairs {
          if k == "path", case .string(let p) = x { out.append(p) } else { collect(x) }
        }
      case .array(let items): items.forEach(collect)
      default: break
      }
    }
    collect(json)
    return out
  }
}

@Suite("Diagnosis of real framework logs")
struct CorpusTests {
  @Test("the corpus is present")
  func present() { #expect(Corpus.cases.count >= 10) }

  /// Where LRKit's verdict and the hand label differ on purpose, with the reason.
  static let disagreements: [String: (verdict: String, reason: String)] = [:]

  @Test("each log is read in its format and its first verdict is one of its labels", arguments: Corpus.cases)
  func labelled(_ c: Corpus.Case) throws {
    let root = try #require(Corpus.root)
    let log = try LogReader.read(root.appendingPathComponent(c.path).path)
    #expect(log.format == c.format, "read as \(log.format)")
    let verdicts = Diagnoser.diagnose(log)
    if let d = Self.disagreements[c.path] {
      #expect(verdicts.first?.kind.rawValue == d.verdict, "\(d.reason)")
      return
    }
    #expect(c.expected.contains(verdicts.first?.kind.rawValue ?? ""),
            "\(c.path): expected \(c.expected), got \(verdicts.map { "\($0.kind.rawValue): \($0.evidence)" })")
  }

  @Test("broken inputs give an error or a partial read that says so, never a crash")
  func broken() throws {
    let root = try #require(Corpus.root)
    #expect(!Corpus.broken.isEmpty)
    for path in Corpus.broken {
      do {
        let log = try LogReader.read(root.appendingPathComponent(path).path)
        _ = Diagnoser.diagnose(log)
      } catch {
        #expect(!error.description.isEmpty)
      }
    }
  }

  @Test("confusion table over the corpus: every log reads, and the first verdicts agree")
  func confusion() throws {
    let root = try #require(Corpus.root)
    var rows: [String: [String: Int]] = [:]
    for c in Corpus.cases {
      let log = try LogReader.read(root.appendingPathComponent(c.path).path)
      let got = Diagnoser.diagnose(log).first?.kind.rawValue ?? "none"
      rows[c.expected.first ?? "?", default: [:]][got, default: 0] += 1
    }
    let kinds = Verdict.Kind.allCases.map(\.rawValue)
    print("corpus confusion (rows first label, columns first verdict): " + kinds.joined(separator: " "))
    for k in kinds where rows[k] != nil {
      print("  \(k): " + kinds.map { "\(rows[k]?[$0] ?? 0)" }.joined(separator: " "))
    }
    let agreeing = kinds.reduce(0) { $0 + (rows[$1]?[$1] ?? 0) }
    #expect(agreeing * 10 >= Corpus.cases.count * 9, "\(agreeing) of \(Corpus.cases.count)")
  }
}
