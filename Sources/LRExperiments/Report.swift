import LRSupport
import Foundation
import LRDiagnostics
import LRPlot
import LRSchedules

/// Assembles experiment results into one self-contained HTML page (inline SVG, no scripts, no
/// network) and `results.json` holding every number the page shows.
public struct Report {
  /// Every run, from this process or merged from shards.
  public var runs: [RunResult]
  /// The LR range test, if run.
  public var rangeTest: LRRangeTest.Result?
  /// Whether this is the quick version.
  public var quick: Bool
  /// Seconds spent.
  public var seconds: Double = 0
  /// Whether the page opens with the schedules section (the full report); a single experiment's
  /// page (`compare`, `sweep`, `failure-modes`) shows only its own sections.
  public var includesSchedules = true

  /// A report of `runs`.
  public init(runs: [RunResult], rangeTest: LRRangeTest.Result?, quick: Bool) {
    self.runs = runs
    self.rangeTest = rangeTest
    self.quick = quick
  }

  func group(_ prefix: String) -> [RunResult] { runs.filter { $0.id.hasPrefix(prefix + "/") } }

  static func mean(_ x: [Double]) -> Double { x.isEmpty ? .nan : x.reduce(0, +) / Double(x.count) }

  /// Mean and spread (min, max) across runs, step by step.
  static func band(_ curves: [[Double]]) -> (mean: [Double], low: [Double], high: [Double]) {
    let n = curves.map(\.count).max() ?? 0
    var m: [Double] = []
    var lo: [Double] = []
    var hi: [Double] = []
    for k in 0..<n {
      let v = curves.compactMap { k < $0.count && $0[k].isFinite ? $0[k] : nil }
      m.append(v.isEmpty ? .nan : mean(v))
      lo.append(v.min() ?? .nan)
      hi.append(v.max() ?? .nan)
    }
    return (m, lo, hi)
  }

  /// Smooths a training-loss curve for display (running mean over `window`).
  static func smooth(_ x: [Double], _ window: Int) -> [Double] {
    var out: [Double] = []
    var sum = 0.0
    var count = 0
    for (i, v) in x.enumerated() {
      if v.isFinite { sum += v; count += 1 }
      if i >= window, x[i - window].isFinite { sum -= x[i - window]; count -= 1 }
      out.append(count > 0 ? sum / Double(count) : .nan)
    }
    return out
  }

  // MARK: Sections

  struct Section {
    var title: String
    var intro: String
    var figures: [String]
    var table: [[String]]
    var json: (String, JSONValue)
  }

  func schedulesSection() -> Section {
    let steps = 20_000
    // Compared at one peak: Noam's own peak d_model^-½ · W^-½ is scaled to the others' 7e-4.
    let noamScale = 7e-4 / (1 / (512.0 * 2000.0).squareRoot())
    let specs: [(String, String)] = [
      ("inverse sqrt (Noam, d_model 512)", #"{"type":"noam","d_model":512,"warmup":2000,"scale":\#(noamScale)}"#),
      ("warmup + cosine", #"{"type":"cosine","lr":7e-4,"steps":20000,"warmup":2000,"floor_ratio":0.1}"#),
      ("WSD (80 % stable, 1-sqrt)", #"{"type":"wsd","lr":7e-4,"steps":20000,"warmup":2000,"decay":0.1,"shape":"1-sqrt","floor_ratio":0.01}"#),
    ]
    var series: [SVGChart.Series] = []
    var rows = [["schedule", "peak lr", "at update", "lr at update 19 999"]]
    for (name, text) in specs {
      let d = try! ScheduleSpec.decode(text: text)
      let values = d.lr.values(steps: steps)
      let top = values.indices.max { values[$0] < values[$1] }!
      rows.append([name, fmt(values[top]), "\(top)", fmt(values[steps - 1])])
      let idx = stride(from: 0, to: steps, by: 20).map { $0 }
      series.append(.init(name: name, x: idx.map(Double.init), y: idx.map { values[$0] }))
    }
    var chart = SVGChart(series: series, title: "Three schedules over 20 000 steps with 2 000 warmup steps",
                         xLabel: "update (step)", yLabel: "learning rate")
    chart.markers = [.init(x: 2000, label: "warmup ends")]
    return Section(title: "Schedules", intro: "The shapes behind the lore, compared at one peak (Noam's inverse square root scaled to the same 7e-4): the Transformer's inverse square root, warmup then cosine, and warmup-stable-decay (the 1-sqrt cooldown of Hägele et al.). Every curve is LRKit’s exact closed form; the table is read from the curves; <code>lrkit curve</code> prints the numbers and <code>lrkit plot</code> draws any set of specs.",
                   figures: [chart.render()], table: rows, json: ("schedules", .array(specs.map { .string($0.0) })))
  }

  func compareSection() -> Section? {
    let rs = group("compare")
    guard !rs.isEmpty else { return nil }
    var names: [String] = []
    for r in rs where !names.contains(r.labels["schedule"] ?? "") { names.append(r.labels["schedule"] ?? "") }
    var lrSeries: [SVGChart.Series] = []
    var lossSeries: [SVGChart.Series] = []
    var evalSeries: [SVGChart.Series] = []
    var rows = [["schedule", "final train loss (last 10)", "best val loss", "final val accuracy", "steps to a 10-update mean ≤ 0.1", "diverged", "diagnosis (seeds)"]]
    var json: [(key: String, value: JSONValue)] = []
    var finals: [(String, Double)] = []
    for name in names {
      let mine = rs.filter { $0.labels["schedule"] == name }
      let lr = mine[0].lr
      lrSeries.append(.init(name: name, x: lr.indices.map(Double.init), y: lr))
      // Mean of the seeds' running means; the seed spread is in the table, not as six bands.
      let b = Self.band(mine.map { Self.smooth($0.loss, 10) })
      lossSeries.append(.init(name: name, x: b.mean.indices.map(Double.init), y: b.mean))
      // Validation loss at each evaluation, mean of the seeds.
      if let steps = mine.first?.evals.map(\.step), !steps.isEmpty {
        let means = steps.indices.map { i in Self.mean(mine.compactMap { i < $0.evals.count ? $0.evals[i].loss : nil }) }
        evalSeries.append(.init(name: name, x: steps.map(Double.init), y: means))
      }
      // The final training loss uses the same 10-update mean as "steps to ≤ 0.1", so the two
      // columns cannot disagree for a seed.
      let finalLoss = Self.mean(mine.map { r in Self.mean(Array(r.loss.suffix(10))) })
      finals.append((name, finalLoss))
      let bestVal = Self.mean(mine.compactMap(\.bestEvalLoss))
      let acc = Self.mean(mine.compactMap(\.finalAccuracy))
      let reach = mine.map { $0.stepsToReach(0.1) }
      let reached = reach.compactMap { $0 }
      let diverged = mine.filter { $0.status == "diverged" }.count
      // The diagnosis of every seed, most common first.
      var counts: [String: Int] = [:]
      for r in mine { counts[r.verdicts.first?.kind.rawValue ?? "—", default: 0] += 1 }
      let verdict = counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
        .map { "\($0.key) \($0.value)/\(mine.count)" }.joined(separator: ", ")
      rows.append([name, fmt(finalLoss), fmt(bestVal), pct(acc), reached.count == mine.count ? "\(Int(Self.mean(reached.map(Double.init))))" : "\(reached.count)/\(mine.count) reached", "\(diverged)/\(mine.count)", verdict])
      json.append((name, .object([
        ("final_train_loss", .double(finalLoss)), ("best_val_loss", .double(bestVal)), ("final_val_accuracy", .double(acc)),
        ("steps_to_loss_0.1", .array(reach.map { $0.map { .int($0) } ?? .null })), ("diverged", .int(diverged)),
        ("seeds", .int(mine.count)), ("verdicts", .string(verdict)),
      ])))
    }
    var lrChart = SVGChart(series: lrSeries, title: "Learning rate", xLabel: "update", yLabel: "learning rate")
    lrChart.height = 320
    var lossChart = SVGChart(series: lossSeries, title: "Training loss (mean of seeds)", xLabel: "update", yLabel: "loss (nats, running mean of 10)")
    lossChart.logY = true
    var evalChart = SVGChart(series: evalSeries, title: "Validation loss (mean of seeds)", xLabel: "update", yLabel: "validation loss (nats)")
    evalChart.logY = true
    let peak = rs[0].lr.max() ?? 0
    // The claim, from the runs: which schedules end below the constant lr's final loss.
    var claim = ""
    if let constant = finals.first(where: { $0.0.lowercased().contains("constant") }) {
      let lower = finals.filter { $0.0 != constant.0 && $0.1 < constant.1 }.map(\.0)
      let notLower = finals.filter { $0.0 != constant.0 && $0.1 >= constant.1 }.map(\.0)
      claim = " Measured: the constant lr ends at \(fmt(constant.1)); " + (lower.isEmpty ? "no schedule ends lower." :
        "\(lower.joined(separator: ", ")) end\(lower.count == 1 ? "s" : "") lower") + (notLower.isEmpty || lower.isEmpty ? "." : "; \(notLower.joined(separator: ", ")) do\(notLower.count == 1 ? "es" : "") not.")
    }
    return Section(title: "Compare schedules", intro: "The MLP on digits (SGD, momentum 0.9, batch 64, \(rs.count / max(names.count, 1)) seeds) under \(names.count) schedules with the same peak lr \(fmt(peak)) (rows in the order the schedules are defined; the validation curves and columns are the measure).\(claim)",
                   figures: [lrChart.render(), lossChart.render(), evalChart.render()], table: rows, json: ("compare", .object(json)))
  }

  func failureSection() -> Section? {
    let rs = group("failure")
    guard !rs.isEmpty else { return nil }
    var series: [SVGChart.Series] = []
    var rows = [["case", "initial loss", "final train loss", "final val accuracy", "status", "diagnosis", "evidence"]]
    var json: [(key: String, value: JSONValue)] = []
    for r in rs {
      let name = r.labels["case"] ?? r.id
      let verdict = r.verdicts.first
      series.append(.init(name: "\(name) → \(verdict?.kind.rawValue ?? "")", x: r.loss.indices.map(Double.init), y: Self.smooth(r.loss, 5)))
      rows.append([name, fmt(r.loss.first ?? .nan), fmt(r.finalTrainLoss()), pct(r.finalAccuracy ?? .nan), r.status, verdict?.kind.rawValue ?? "", verdict?.evidence ?? ""])
      json.append((name, .object([
        ("initial_loss", .double(r.loss.first ?? .nan)), ("final_train_loss", .double(r.finalTrainLoss())),
        ("final_val_accuracy", r.finalAccuracy.map { .double($0) } ?? .null), ("status", .string(r.status)),
        ("verdicts", .array(r.verdicts.map { .string($0.kind.rawValue) })),
      ])))
    }
    var chart = SVGChart(series: series, title: "Failure modes on digits, each labelled by lrkit diagnose", xLabel: "update", yLabel: "training loss (nats, running mean of 5)")
    chart.logY = true
    chart.height = 440
    return Section(title: "Failure modes", intro: "The same model and data with a learning rate that is too high (diverges), too low (stagnates), high and constant (oscillates), and the same high peak with cosine decay (the fix). The labels come from the diagnosis classifier reading each run's log.",
                   figures: [chart.render()], table: rows, json: ("failure_modes", .object(json)))
  }

  func warmupSection() -> Section? {
    let rs = group("warmup")
    guard !rs.isEmpty else { return nil }
    var figures: [String] = []
    var rows = [["architecture", "lr", "warmup", "final train loss per seed", "final val loss (mean)", "stuck near unigram (≥ 3.0)"]]
    var json: [(key: String, value: JSONValue)] = []
    let lrs = Array(Set(rs.compactMap { Double($0.labels["lr"] ?? "") })).sorted()
    let warmups = Array(Set(rs.compactMap { Int($0.labels["warmup"] ?? "") })).sorted()
    let steps = rs.map(\.loss.count).max() ?? 0
    let top = lrs.last ?? .nan
    func runs(_ norm: String, _ lr: Double, _ w: Int) -> [RunResult] {
      rs.filter { $0.labels["norm"] == norm && Double($0.labels["lr"] ?? "") == lr && Int($0.labels["warmup"] ?? "") == w }
    }
    func final(_ r: RunResult) -> Double { r.finalTrainLoss(fraction: 50 / Double(max(r.loss.count, 1))) }
    // Loss against step (means of 20-update windows, mean over seeds, min–max band), at the
    // highest lr, one line per warmup; both panels on one y scale.
    let window = max(1, steps / 60)
    var panels: [(String, [SVGChart.Series])] = []
    var lo = Double.infinity
    var hi = -Double.infinity
    for norm in ["post-ln", "pre-ln"] {
      var series: [SVGChart.Series] = []
      for w in warmups {
        let cell = runs(norm, top, w)
        guard !cell.isEmpty else { continue }
        var xs: [Double] = []
        var mean: [Double] = []
        var low: [Double] = []
        var high: [Double] = []
        for start in stride(from: 0, to: steps, by: window) {
          let perRun = cell.compactMap { r -> Double? in
            let part = r.loss[min(start, r.loss.count)..<min(start + window, r.loss.count)]
            return part.isEmpty ? nil : part.reduce(0, +) / Double(part.count)
          }
          guard !perRun.isEmpty else { continue }
          xs.append(Double(start + window / 2))
          mean.append(Self.mean(perRun))
          low.append(perRun.min()!)
          high.append(perRun.max()!)
        }
        lo = min(lo, low.filter(\.isFinite).min() ?? lo)
        hi = max(hi, high.filter(\.isFinite).max() ?? hi)
        series.append(.init(name: "warmup \(w)", x: xs, y: mean, band: (low, high)))
      }
      panels.append((norm, series))
    }
    for (norm, series) in panels {
      var chart = SVGChart(series: series, title: "\(norm == "post-ln" ? "Post-LN" : "Pre-LN"): training loss at lr \(fmt(top))",
                           xLabel: "update (step)", yLabel: "training loss (nats, \(window)-update means)")
      if lo.isFinite, hi.isFinite, hi > lo { chart.yRange = (lo - 0.02 * (hi - lo))...(min(hi, 6) + 0.02 * (hi - lo)) }
      chart.markers = warmups.filter { $0 > 0 && $0 < steps }.map { .init(x: Double($0), label: "\($0)") }
      chart.width = 480
      chart.height = 340
      figures.append(chart.render())
    }
    for norm in ["post-ln", "pre-ln"] {
      for lr in lrs {
        for w in warmups {
          let cell = runs(norm, lr, w)
          guard !cell.isEmpty else { continue }
          let finals = cell.map(final)
          let vals = cell.compactMap(\.finalEvalLoss)
          let stuck = finals.filter { $0 >= 3.0 }.count
          rows.append([norm, fmt(lr), "\(w)", finals.map(fmt).joined(separator: ", "), fmt(Self.mean(vals)), "\(stuck)/\(cell.count)"])
          json.append(("\(norm)/lr=\(lr)/warmup=\(w)", .object([
            ("final_train_losses", .array(finals.map { .double($0) })), ("mean_val_loss", .double(Self.mean(vals))),
            ("stuck_runs", .int(stuck)), ("seeds", .int(cell.count)),
          ])))
        }
      }
    }
    // The claims, computed per architecture at the highest lr: how much the best warmup gains
    // over none (mean final training loss), and whether no warmup got stuck near the unigram loss.
    var findings: [String] = []
    var title = "Warmup"
    var verdicts: [(String, Double)] = []
    for norm in ["post-ln", "pre-ln"] {
      let none = runs(norm, top, 0).map(final)
      let others = warmups.filter { $0 > 0 }.map { w in (w, Self.mean(runs(norm, top, w).map(final))) }.filter { $0.1.isFinite }
      guard !none.isEmpty, let best = others.min(by: { $0.1 < $1.1 }) else { continue }
      let gain = Self.mean(none) - best.1
      let stuck = none.filter { $0 >= 3.0 }.count
      let name = norm == "post-ln" ? "Post-LN" : "Pre-LN"
      verdicts.append((name, gain))
      findings.append("\(name): without warmup the final loss is \(fmt(Self.mean(none))) (\(stuck) of \(none.count) seeds stuck near the unigram loss); the best warmup, \(best.0) updates, reaches \(fmt(best.1)) — " +
        (gain > 0.1 ? "warmup helps by \(fmt(gain)) nats." : gain < -0.1 ? "warmup hurts by \(fmt(-gain)) nats." : "no clear difference (within 0.1 nats)."))
      json.append(("\(norm)_gain_from_warmup", .double(gain)))
    }
    if verdicts.count == 2 {
      let post = verdicts[0].1
      let pre = verdicts[1].1
      title = post > 0.1 && post > pre + 0.1 ? "Warmup: Post-LN needs it more than Pre-LN"
        : post > 0.1 && pre > 0.1 ? "Warmup helps both Post-LN and Pre-LN here"
        : post <= 0.1 && pre <= 0.1 ? "Warmup: no clear effect at this lr and length" : "Warmup: Pre-LN gains more than Post-LN here"
    }
    return Section(title: title, intro: "A \(quick ? "2-layer, width-32" : "6-layer, width-64") character GPT on tiny Shakespeare, \(steps) updates, Adam (0.9, 0.98), constant lr \(fmt(top)) after a linear warmup of \(warmups.map(String.init).joined(separator: ", ")) updates (the tutorial's ablation; Xiong et al. 2020 in miniature). The heading and the sentences below are computed from these runs. " + findings.joined(separator: " "),
                   figures: figures, table: rows, json: ("warmup", .object(json)))
  }

  func batchSection() -> Section? {
    let rs = group("batch")
    guard !rs.isEmpty else { return nil }
    let batches = Array(Set(rs.compactMap { Int($0.labels["batch"] ?? "") })).sorted()
    let lrs = Array(Set(rs.compactMap { Double($0.labels["lr"] ?? "") })).sorted()
    var series: [SVGChart.Series] = []
    var rows = [["batch", "best lr", "best val loss", "val loss at each lr (" + lrs.map(fmt).joined(separator: ", ") + ")"]]
    var json: [(key: String, value: JSONValue)] = []
    var bestLRs: [(batch: Double, lr: Double)] = []
    var divergedCells = 0
    for b in batches {
      var losses: [Double] = []
      var cells: [String] = []
      for lr in lrs {
        let cell = rs.filter { Int($0.labels["batch"] ?? "") == b && Double($0.labels["lr"] ?? "") == lr }
        let finals = cell.compactMap(\.finalEvalLoss)
        // A cell where any seed diverged is shown as diverged, never dropped or averaged away.
        if cell.contains(where: { $0.status == "diverged" }) || finals.contains(where: { !$0.isFinite }) || finals.isEmpty {
          losses.append(.nan)
          cells.append("diverged")
          divergedCells += 1
        } else {
          let m = Self.mean(finals)
          losses.append(m)
          cells.append(fmt(m))
        }
      }
      series.append(.init(name: "batch \(b)", x: lrs, y: losses))
      guard let best = losses.indices.filter({ losses[$0].isFinite }).min(by: { losses[$0] < losses[$1] }) else {
        rows.append(["\(b)", "—", "—", cells.joined(separator: ", ")])
        continue
      }
      bestLRs.append((Double(b), lrs[best]))
      rows.append(["\(b)", fmt(lrs[best]), fmt(losses[best]), cells.joined(separator: ", ")])
      json.append(("\(b)", .object([("best_lr", .double(lrs[best])), ("val_loss", .array(losses.map { $0.isFinite ? .double($0) : .null })),
                                    ("diverged", .array(cells.map { .bool($0 == "diverged") }))])))
    }
    // The exponent k in best lr ∝ batch^k, from the data (least squares in log–log).
    var claim = "Too few batch sizes with a best lr to estimate how it scales."
    var exponent: Double?
    if bestLRs.count >= 2 {
      let xs = bestLRs.map { log($0.batch) }
      let ys = bestLRs.map { log($0.lr) }
      let mx = xs.reduce(0, +) / Double(xs.count)
      let my = ys.reduce(0, +) / Double(ys.count)
      let num = zip(xs, ys).map { ($0 - mx) * ($1 - my) }.reduce(0, +)
      let den = xs.map { ($0 - mx) * ($0 - mx) }.reduce(0, +)
      if den > 0 {
        let k = num / den
        exponent = k
        let resolution = log10(lrs.count > 1 ? lrs[1] / lrs[0] : 10) / log10(Double(batches.last! / batches.first!))
        let nearest = abs(k - 1) < abs(k - 0.5) ? "closer to the linear rule (k = 1) than to the square-root rule (k = 0.5)"
          : "closer to the square-root rule (k = 0.5) than to the linear rule (k = 1)"
        claim = "Measured here: the best lr grows as batch<sup>k</sup> with k ≈ \(fmt(k)), \(nearest); the grid resolves k to about ±\(fmt(resolution))."
      }
    }
    var chart = SVGChart(series: series, title: "Validation loss against lr, one line per batch size", xLabel: "peak learning rate (SGD + momentum, cosine)", yLabel: "final validation loss (nats)")
    chart.logX = true
    chart.logY = true
    let divergedNote = divergedCells > 0 ? " \(divergedCells) cell(s) diverged: they break the lines and read “diverged” in the table." : ""
    json.append(("scaling_exponent", exponent.map { .double($0) } ?? .null))
    return Section(title: "Batch size and the best learning rate", intro: "The digits MLP for a fixed number of epochs over a quarter-decade lr grid: larger batches take fewer, less noisy steps and tolerate a larger lr. \(claim)\(divergedNote)",
                   figures: [chart.render()], table: rows, json: ("batch_size", .object(json)))
  }

  func findSection() -> Section? {
    guard let r = rangeTest else { return nil }
    let n = r.trimmedCount
    var chart = SVGChart(series: [.init(name: "smoothed loss", x: Array(r.lrs.prefix(n)), y: Array(r.smoothed.prefix(n))),
                                  .init(name: "raw loss", x: Array(r.lrs.prefix(n)), y: Array(r.losses.prefix(n)))],
                         title: "LR range test (digits MLP, SGD)", xLabel: "learning rate", yLabel: "training loss (nats)")
    chart.logX = true
    chart.markers = [("valley", r.valley), ("steepest", r.steepest), ("min/10", r.minimumOverTen), ("recommended", r.recommended)]
      .compactMap { n, v in v.map { .init(x: $0, label: "\(n) \(fmt($0))") } }
    let rows = [["suggestion", "lr"], ["valley", fmt(r.valley ?? .nan)], ["steepest", fmt(r.steepest ?? .nan)], ["min / 10", fmt(r.minimumOverTen ?? .nan)],
                ["recommended (\(LRRangeTest.recommendationRule))", fmt(r.recommended ?? .nan)],
                ["confidence", r.confident ? "high" : "low"], ["why", r.confidenceNote]]
    let spec = r.recommended.map { LRRangeTest.recommendedSpec(peak: $0, steps: 230).serialized() } ?? "—"
    return Section(title: "LR range test", intro: "An exponential sweep of the learning rate, the loss smoothed (bias-corrected EMA, β = 0.98), stopped when it exceeds 4× its minimum. Ready to use with lrkit train: <code>\(escape(spec))</code>",
                   figures: [chart.render()], table: rows, json: ("lr_range_test", .object([
                     ("valley", r.valley.map { .double($0) } ?? .null), ("steepest", r.steepest.map { .double($0) } ?? .null),
                     ("min_over_10", r.minimumOverTen.map { .double($0) } ?? .null), ("confident", .bool(r.confident)),
                     ("note", .string(r.confidenceNote)), ("recommended_spec", .string(spec)),
                   ])))
  }

  /// The text tables of every section (for terminal output).
  public func textTables() -> String {
    var out = ""
    for s in sections() where s.table.count > 1 {
      out += "\n\(s.title)\n"
      let widths = s.table[0].indices.map { c in min(60, s.table.map { $0.count > c ? $0[c].count : 0 }.max() ?? 0) }
      for row in s.table {
        out += row.enumerated().map { c, cell in
          let t = cell.count > 60 ? String(cell.prefix(57)) + "..." : cell
          return t + String(repeating: " ", count: max(0, widths[c] - t.count))
        }.joined(separator: "  ") + "\n"
      }
    }
    return out
  }

  /// Writes `report.html` and `results.json` into `directory`.
  public func write(to directory: String) throws {
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    try html().write(toFile: (directory as NSString).appendingPathComponent("report.html"), atomically: true, encoding: .utf8)
    try (resultsJSON().serialized() + "\n").write(toFile: (directory as NSString).appendingPathComponent("results.json"), atomically: true, encoding: .utf8)
  }

  /// The sections in page order.
  func sections() -> [Section] {
    [includesSchedules ? schedulesSection() : nil, compareSection(), failureSection(), warmupSection(), batchSection(),
     findSection()].compactMap { $0 }
  }

  /// `results.json`.
  package func resultsJSON() -> JSONValue {
    .object([("format", .string("lrkit.report")), ("version", .int(1)), ("quick", .bool(quick)), ("seconds", .double(seconds))]
      + sections().map { ($0.json.0, $0.json.1) }
      + [("runs", .array(runs.map { r in
        .object([("id", .string(r.id)), ("status", .string(r.status)), ("final_train_loss", .double(r.finalTrainLoss())),
                 ("final_val_loss", r.finalEvalLoss.map { .double($0) } ?? .null),
                 ("verdicts", .array(r.verdicts.map { .string($0.kind.rawValue) }))])
      }))])
  }

  /// The HTML page.
  public func html() -> String {
    var h = """
      <!DOCTYPE html>
      <html lang="en"><head><meta charset="utf-8"><title>LRKit report</title>
      <style>
      body { font-family: Helvetica, Arial, sans-serif; max-width: 1000px; margin: 2em auto; color: #222; line-height: 1.45; }
      h1 { font-size: 1.7em; } h2 { border-bottom: 1px solid #ddd; padding-bottom: .2em; margin-top: 2em; }
      table { border-collapse: collapse; margin: 1em 0; font-size: .9em; } td, th { border: 1px solid #ccc; padding: .3em .6em; text-align: left; vertical-align: top; }
      th { background: #f3f3f3; } .figs { display: flex; flex-wrap: wrap; gap: 12px; } code { background: #f3f3f3; padding: 0 .2em; }
      .note { color: #666; font-size: .9em; }
      </style></head><body>
      <h1>LRKit report: the learning-rate lore, shown on real training</h1>
      <p>Every number on this page was measured by LRKit on the built-in data (digits, tiny Shakespeare) with its own CPU training engine; all of them are also in <code>results.json</code>. \(quick ? "This is the <b>quick</b> version (fewer steps and seeds)." : "")</p>

      """
    for s in sections() {
      h += "<h2>\(escape(s.title))</h2>\n<p>\(s.intro)</p>\n<div class=\"figs\">\n"
      for f in s.figures { h += f }
      h += "</div>\n"
      if s.table.count > 1 {
        h += "<table>\n<tr>" + s.table[0].map { "<th>\(escape($0))</th>" }.joined() + "</tr>\n"
        for row in s.table.dropFirst() { h += "<tr>" + row.map { "<td>\(escape($0))</td>" }.joined() + "</tr>\n" }
        h += "</table>\n"
      }
    }
    h += "<p class=\"note\">\(runs.count) training runs, \(String(format: "%.0f", seconds)) s. Generated by <code>lrkit report\(quick ? " --quick" : "")</code>.</p>\n</body></html>\n"
    return h
  }
}

func fmt(_ x: Double) -> String {
  guard x.isFinite else { return x.isNaN ? "—" : "\(x)" }
  let a = abs(x)
  if a != 0 && (a < 1e-3 || a >= 1e5) { return String(format: "%.3g", x) }
  return String(format: a >= 100 ? "%.0f" : a >= 10 ? "%.1f" : "%.3g", x)
}

func pct(_ x: Double) -> String { x.isFinite ? String(format: "%.1f%%", x * 100) : "—" }
