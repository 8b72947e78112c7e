import LRSupport
import Foundation
import LRExperiments
import LRPlot
import LRSchedules
import LRTraining
import Testing

#if canImport(FoundationXML)
  import FoundationXML
#endif

/// Whether `text` parses as XML.
func wellFormed(_ text: String) -> Bool {
  let parser = XMLParser(data: Data(text.utf8))
  return parser.parse()
}

@Suite("Experiments and the report")
struct ExperimentTests {
  static let quickPlan: [PlannedRun] =
    Experiments.compare(epochs: 2, seeds: [0])
    + Experiments.failureModes(epochs: 2)
    + Experiments.warmup(lrs: [1e-2], warmups: [0, 10], steps: 12, seeds: [0], layers: 1, width: 16, context: 16, batch: 4)

  @Test("a diverged run's result is strict JSON and reads back with its NaNs")
  func strictResultJSON() throws {
    let r = RunResult(id: "x", labels: ["lr": "10"], lr: [0.1, .infinity], loss: [2.3, .nan],
                      evals: [(step: 1, loss: .nan, accuracy: nil)], status: "diverged",
                      verdicts: [], seconds: 0.5)
    let text = r.json.serialized()
    #expect(!text.contains("NaN") && !text.contains("Infinity"))
    let back = try #require(RunResult(json: try JSONValue.parse(text)))
    #expect(back.loss[0] == 2.3 && back.loss[1].isNaN)
    #expect(back.evals.count == 1 && back.evals[0].loss.isNaN)
    #expect(back.status == "diverged")
  }

  @Test("shards split the grid disjointly and merge back to the unsharded results")
  func sharding() throws {
    let all = try ExperimentRunner().run(Self.quickPlan)
    let a = try ExperimentRunner(shard: (0, 2)).run(Self.quickPlan)
    let b = try ExperimentRunner(shard: (1, 2)).run(Self.quickPlan)
    #expect(a.count + b.count == all.count)
    #expect(Set(a.map(\.id)).isDisjoint(with: Set(b.map(\.id))))
    let merged = Dictionary(uniqueKeysWithValues: (a + b).map { ($0.id, $0) })
    for r in all {
      let m = try #require(merged[r.id])
      #expect(m.loss == r.loss, "\(r.id) differs between sharded and local runs")
    }
    // Results survive their JSON round trip (what --merge reads).
    for r in a {
      let back = try #require(RunResult(json: try JSONValue.parse(r.json.serialized())))
      #expect(back.loss.map(\.bitPattern) == r.loss.map(\.bitPattern))
      #expect(back.verdicts.map(\.kind) == r.verdicts.map(\.kind))
    }
  }

  @Test("the failure modes are labelled by the classifier")
  func failureModes() throws {
    let results = try ExperimentRunner().run(Experiments.failureModes())
    func first(_ key: String) -> String? { results.first { $0.id.contains(key) }?.verdicts.first?.kind.rawValue }
    #expect(first("too high") == "diverged")
    #expect(first("too low") == "stagnation")
    // lr 0.3 with momentum 0.9 is chaotic on digits: the loss bounces between ~0 and ~4. With
    // LRKit's kernel the last window reads as oscillation; the OpenBLAS trait rounds the
    // products differently and the same bouncing ends higher, which reads as a rise. Both say
    // the lr is too high; a decayed lr must read as neither.
    let constant = first("constant high")
    if GEMM.backend == "openblas" {
      #expect(constant == "oscillation" || constant == "diverged")
    } else {
      #expect(constant == "oscillation")
    }
    #expect(first("the fix") != "oscillation" && first("the fix") != "diverged")
  }

  @Test("the LR range test suggests a learning rate where digits trains well")
  func rangeTest() throws {
    var base = TrainConfig(task: .digits)
    base.optimizer = OptimizerConfigurationJSON(kind: "sgd", momentum: 0.9, nesterov: false, betas: (0.9, 0.999), eps: 1e-8, weightDecay: nil)
    let r = try LRRangeTest(base: base).run()
    #expect(r.stoppedEarly)
    let valley = try #require(r.valley)
    #expect(valley > 1e-3 && valley < 1)
    #expect(r.steepest != nil && r.minimumOverTen != nil)
    // The recommendation is the rule decided by training (Scripts/range-test-rule.py).
    let recommended = try #require(r.recommended)
    #expect(abs(recommended - (valley * r.steepest!).squareRoot()) <= 1e-12 * recommended)
    #expect(recommended > valley && recommended < r.steepest!)
    // The chart stops where the loss climbs back above its start: the divergence is not drawn.
    #expect(r.trimmedCount < r.smoothed.count && r.smoothed.prefix(r.trimmedCount - 1).allSatisfy { $0 <= r.smoothed[0] * 1.05 })
    let spec = LRRangeTest.recommendedSpec(peak: recommended, steps: 100)
    #expect(throws: Never.self) { _ = try ScheduleSpec.decode(spec) }
  }

  @Test("a range test whose end / start overflows is refused by field, and an odd peak never traps the spec")
  func rangeTestBounds() throws {
    var test = LRRangeTest(base: TrainConfig(task: .digits))
    test.start = Double("1e-320")!  // subnormal: 10 / start overflows
    test.end = 10
    test.iterations = 12
    do {
      _ = try test.run()
      Issue.record("a sweep of inf× ran")
    } catch let error as TrainingError {
      #expect(error.description.hasPrefix("field 'start': "), "\(error)")
    }
    // A sweep over hundreds of decades: suggestions 1e300× apart are reported, not an Int trap.
    var lrs: [Double] = []
    var losses: [Double] = []
    for i in 0..<40 {
      lrs.append(pow(10.0, -300.0 + Double(i) * 7.6))
      let x = Double(i)
      losses.append(i < 20 ? 2.3 - x * 0.1 : 0.3 + (x - 19) * (x - 19))
    }
    let wide = LRRangeTest.suggest(lrs: lrs, losses: losses, smoothed: losses, stoppedEarly: true, iterations: 40)
    let note: String = wide.confidenceNote
    #expect(note.contains("the suggestions span"), "\(note)")
    // The recommended spec is built, not parsed from text: a NaN peak is null, a whole one an integer.
    #expect(LRRangeTest.recommendedSpec(peak: .nan, steps: 10).serialized().contains(#""lr":null"#))
    #expect(LRRangeTest.recommendedSpec(peak: 3, steps: 10).serialized() == #"{"type":"onecycle","lr":3,"steps":10,"pct_start":0.25}"#)
    #expect(LRRangeTest.recommendedSpec(peak: 0.0028512, steps: 10).serialized() == #"{"type":"onecycle","lr":0.00285,"steps":10,"pct_start":0.25}"#)
  }

  @Test("the report is self-contained, well-formed HTML with inline SVG, and results.json holds the sections")
  func report() throws {
    let runs = try ExperimentRunner().run(Self.quickPlan)
    let report = Report(runs: runs, rangeTest: nil, quick: true)
    let html = report.html()
    #expect(html.hasPrefix("<!DOCTYPE html>"))
    #expect(!html.contains("<script"))
    #expect(!html.contains("http://") || html.contains("xmlns=\"http://www.w3.org/2000/svg\""))
    var rest = Substring(html)
    var svgs = 0
    while let start = rest.range(of: "<svg"), let end = rest.range(of: "</svg>", range: start.upperBound..<rest.endIndex) {
      #expect(wellFormed(String(rest[start.lowerBound..<end.upperBound])))
      svgs += 1
      rest = rest[end.upperBound...]
    }
    #expect(svgs >= 5)
    let results = report.resultsJSON()
    for key in ["compare", "failure_modes", "warmup", "schedules"] { #expect(results[key] != nil, "\(key)") }
  }

  @Test("SVG charts: legend, ticks, log axes, regions and markers, always well-formed")
  func svg() {
    var chart = SVGChart(series: [.init(name: "a & b", x: [1, 10, 100], y: [1e-3, 1e-2, .nan]),
                                  .init(name: "c", x: [1, 10, 100], y: [2e-3, 5e-3, 1e-2], band: ([1e-3, 4e-3, 9e-3], [3e-3, 6e-3, 2e-2]))],
                         title: "<title>", xLabel: "lr", yLabel: "loss")
    chart.logX = true
    chart.logY = true
    chart.regions = [.init(from: 5, to: 50, label: "spikes")]
    chart.markers = [.init(x: 20, label: "warmup end")]
    let text = chart.render()
    #expect(wellFormed(text))
    #expect(text.contains("a &amp; b"))
    #expect(text.contains("&lt;title&gt;"))
    #expect(text.contains("stroke-dasharray"))
    #expect(text.contains("polygon"))
    #expect(text.contains("warmup end"))
    #expect(wellFormed(SVGChart(series: [], title: "empty", xLabel: "", yLabel: "").render()))
  }
}

@Suite("Single-experiment pages")
struct SingleExperimentPageTests {
  @Test("a report never overwrites a results.json that records more (or a full one with a quick one)")
  func neverOverwrittenWithLess() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lrkit-report-\(UUID().uuidString)").path
    func run(_ id: String) -> RunResult {
      RunResult(id: id, labels: [:], lr: [0.1], loss: [2.0], evals: [], status: "ok", verdicts: [], seconds: 0.1)
    }
    let results = (dir as NSString).appendingPathComponent("results.json")
    try Report(runs: [run("a"), run("b")], rangeTest: nil, quick: false).write(to: dir)
    let two = try String(contentsOfFile: results, encoding: .utf8)
    for smaller in [Report(runs: [run("a")], rangeTest: nil, quick: false), Report(runs: [run("a"), run("b")], rangeTest: nil, quick: true)] {
      #expect(throws: TrainingError.self) { try smaller.write(to: dir) }
      #expect(try String(contentsOfFile: results, encoding: .utf8) == two)
    }
    do { try Report(runs: [run("a")], rangeTest: nil, quick: false).write(to: dir) } catch {
      #expect("\(error)".contains(results) && "\(error)".contains("already records 2 runs"), "\(error)")
    }
    // The same or more is written.
    try Report(runs: [run("a"), run("b"), run("c")], rangeTest: nil, quick: false).write(to: dir)
    #expect(try String(contentsOfFile: results, encoding: .utf8).contains("\"c\""))
    // A results.json that is not a report is left alone.
    try "not json".write(toFile: results, atomically: true, encoding: .utf8)
    #expect(throws: TrainingError.self) { try Report(runs: [run("a")], rangeTest: nil, quick: false).write(to: dir) }
    #expect(try String(contentsOfFile: results, encoding: .utf8) == "not json")
  }

  @Test("compare, sweep and failure-modes pages hold only their own sections and say how long they took")
  func ownSections() {
    var report = Report(runs: [], rangeTest: nil, quick: false)
    #expect(report.html().contains("<h2>Schedules</h2>"))
    report.includesSchedules = false
    report.seconds = 12.4
    let html = report.html()
    #expect(!html.contains("<h2>Schedules</h2>"))
    #expect(html.contains("0 training runs (0 s of training, summed over runs); this page took 12 s"))
  }
}

@Suite("The schedules section")
struct SchedulesSectionTests {
  @Test("the three schedules are compared at one peak, and the table says so from the curves")
  func equalPeak() {
    let html = Report(runs: [], rangeTest: nil, quick: false).html()
    #expect(html.contains("compared at one peak"))
    // Every row of the table shows the same peak, 7e-4.
    let rows = html.components(separatedBy: "<tr>").filter { $0.contains("at update") == false && $0.contains("<td>") }
    let peakRows = rows.filter { $0.contains("Noam") || $0.contains("cosine") || $0.contains("WSD") }
    #expect(peakRows.count >= 3)
    for row in peakRows { #expect(row.contains("<td>7e-4</td>") || row.contains("<td>0.0007</td>"), "\(row)") }
  }
}

@Suite("The batch-size section")
struct BatchSectionTests {
  @Test("a diverged cell reads 'diverged' (never dropped), and the scaling claim is computed from the grid")
  func divergedAndClaim() throws {
    let runs = try ExperimentRunner().run(Experiments.batchSizes(batches: [16, 64], lrs: [0.03, 0.1, 20], epochs: 1))
    #expect(runs.contains { $0.status == "diverged" })
    let html = Report(runs: runs, rangeTest: nil, quick: false).html()
    #expect(html.contains("diverged</td>") || html.contains(", diverged"))
    #expect(html.contains("cell(s) diverged"))
    #expect(html.contains("Measured here: the best lr grows as batch<sup>k</sup> with k ≈"))
  }
}

@Suite("The compare section")
struct CompareSectionTests {
  @Test("a validation-loss figure, every seed's diagnosis, and a claim computed against the constant lr")
  func computed() throws {
    let runs = try ExperimentRunner().run(Experiments.compare(epochs: 2, seeds: [0, 1]))
    let html = Report(runs: runs, rangeTest: nil, quick: false).html()
    #expect(html.contains("Validation loss (mean of seeds)"))
    #expect(html.contains("Measured: the constant lr ends at"))
    #expect(html.contains("/2"), "per-seed diagnosis counts")
    // The final loss and the 'reached' column use the same 10-update mean: a schedule whose
    // final mean is ≤ 0.1 in every seed has reached 0.1 in every seed.
    for name in Set(runs.compactMap { $0.labels["schedule"] }) {
      let mine = runs.filter { $0.labels["schedule"] == name }
      for r in mine where r.loss.suffix(10).reduce(0, +) / 10 <= 0.1 { #expect(r.stepsToReach(0.1) != nil, "\(name)") }
    }
  }
}

@Suite("The range test section and the one-lr story")
struct RangeSectionTests {
  @Test("each suggestion is trained as printed; the page prints the train command with the optimizer and a rounded lr")
  func checkedByTraining() throws {
    let base = Experiments.rangeTestBase()
    let range = try LRRangeTest(base: base).run()
    let suggestions = LRRangeTest.suggestions(range)
    #expect(suggestions.map(\.0) == ["valley", "steepest", "min/10", "recommended"])
    let runs = try ExperimentRunner().run(Experiments.rangeCheck(suggestions: suggestions, epochs: 2, seeds: [0])
      + Experiments.batchSizes(batches: [64], lrs: [0.01, 0.1], epochs: 1))
    var report = Report(runs: runs, rangeTest: range, quick: true)
    report.rangeTestBase = base
    let html = report.html()
    #expect(html.contains("lrkit train --task digits --optimizer sgd --momentum 0.9 --batch-size 64"))
    let lr = try #require(range.recommended)
    #expect(html.contains("&quot;lr&quot;:\(Ticks.label(lr)),"), "the spec's lr has 3 significant digits")
    #expect(html.contains("reaches") && html.contains("validation accuracy"))
    #expect(html.contains("The batch-size sweep at batch 64"))
    // The trained accuracy of every suggestion is in results.json.
    let section = try #require(report.resultsJSON()["lr_range_test"])
    for name in ["valley", "steepest", "min/10", "recommended"] { #expect(section["trained_\(name)"]?["val_accuracy"] != nil, "\(name)") }
    // The chart labels every suggestion as a point on the curve.
    for (name, v) in suggestions { #expect(html.contains(">\(name) \(Ticks.label(v))</text>"), "\(name)") }
  }
}

@Suite("The warmup section")
struct WarmupSectionTests {
  @Test("one panel per architecture and peak lr on one scale, per-seed finals, and a heading computed from the runs")
  func smallMultiplesAndClaims() throws {
    let lrs = [1e-3, 3e-2]
    let runs = try ExperimentRunner().run(Experiments.warmup(lrs: lrs, warmups: [0, 4], steps: 12, seeds: [0, 1], layers: 1,
                                                             width: 16, context: 16, batch: 4))
    let html = Report(runs: runs, rangeTest: nil, quick: true).html()
    for norm in ["Post-LN", "Pre-LN"] {
      for lr in lrs { #expect(html.contains(">\(norm), peak lr \(Ticks.label(lr))</text>"), "\(norm) \(lr)") }
    }
    // Two seeds per cell: both finals in the table.
    #expect(html.range(of: #"<td>[0-9.]+, [0-9.]+</td>"#, options: .regularExpression) != nil)
    // The heading is one of the computed ones, and every (architecture, lr) has a sentence.
    #expect(html.contains("<h2>Warmup"))
    for lr in lrs { #expect(html.components(separatedBy: "at \(Ticks.label(lr)) ").count - 1 >= 2, "\(lr)") }
    // One figure of 2 × 2 panels (architecture × lr), each with its own plot frame.
    #expect(html.components(separatedBy: "<svg x=").count - 1 == 4)
  }

  @Test("the batch claim says when the grid is too coarse to tell linear from square-root scaling")
  func coarseGrid() throws {
    let runs = try ExperimentRunner().run(Experiments.batchSizes(batches: [32, 128], lrs: [0.03, 0.3], epochs: 1))
    let html = Report(runs: runs, rangeTest: nil, quick: true).html()
    #expect(html.contains("too coarse to tell"))
  }
}
