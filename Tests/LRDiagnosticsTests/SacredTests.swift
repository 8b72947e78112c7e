import Foundation
@testable import LRDiagnostics
import Testing

/// Sacred's file observer (`<basedir>/<run id>/metrics.json` beside `run.json`). `Corpus/sacred`
/// holds real runs written by sacred 0.8.7 (Scripts/make-sacred-logs.py), each beside the values it
/// logged (`truth.json`).
@Suite("Sacred runs")
struct SacredTests {
  static func path(_ name: String) -> String {
    Corpus.root!.appendingPathComponent("sacred/\(name)").path
  }

  static var labels: [String: String] { CorpusTruth.labels(folder: "sacred") }

  @Test("the corpus has its cases")
  func present() {
    #expect(Self.labels.count >= 3)
  }

  @Test("a Sacred observer's folder gives the values its run logged, bit for bit, and its verdict", arguments: labels.keys.sorted())
  func sameAsTruth(_ name: String) throws {
    let log = try LogReader.read(Self.path(name))
    #expect(log.format == "sacred-metrics")
    try CorpusTruth.expect(log, folder: "sacred", name)
    #expect(Diagnoser.diagnose(log).first.map { "\($0.kind)" } == Self.labels[name])
  }

  @Test("a folder of several runs reads the newest and says so; the older one is read when named")
  func newest() throws {
    let log = try LogReader.read(Self.path("two-runs"))
    #expect(log.notes.contains { $0.contains("2 Sacred runs here; read the newest, runs/2/metrics.json") })
    let older = try LogReader.read(Self.path("two-runs") + "/runs/1")
    #expect(Diagnoser.diagnose(older).first?.kind == .stagnation)
  }

  @Test("--loss-key names a Sacred metric")
  func lossKey() throws {
    let log = try LogReader.read(Self.path("loop-warmup-cosine") + "/runs/1/metrics.json", lossKey: "validation.loss")
    #expect(log.series["loss"]!.count == 8)
  }
}
