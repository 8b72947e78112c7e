import LRSupport
import Foundation
import LRDiagnostics
import LRPlot
import LRSchedules
import LRTraining

/// Assembles experiment results into one self-contained HTML page (inline SVG, no scripts, no
/// network) and `results.json` holding every number the page shows.
public struct Report {
  /// Every run, from this process or merged from shards.
  public var runs: [RunResult]
  /// The LR range test, if run.
  public var rangeTest: LRRangeTest.Result?
  /// The range test's task and optimizer (for the `lrkit train` command the page prints).
  public var rangeTestBase: TrainConfig?
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

  /// The character unigram loss of tiny Shakespeare (computed once per process: the text is
  /// read and counted, and every rendering of the page needs it).
  static let unigramLoss: Double = (try? Shakespeare())?.unigramLoss ?? 3.31

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
    // The default schedules in the order they are defined (merged shards arrive sorted by file).
    let canonical = Experiments.defaultSchedules(lr: 1, steps: 100).map(\.0)
    names = names.enumerated().sorted { a, b in
      let (i, j) = (canonical.firstIndex(of: a.element) ?? canonical.count + a.offset, canonical.firstIndex(of: b.element) ?? canonical.count + b.offset)
      return i < j
    }.map(\.element)
    var lrSeries: [SVGChart.Series] = []
    var panels: [SVGChart] = []
    var evalSeries: [SVGChart.Series] = []
    var rows = [["schedule", "final train loss (last 10)", "best val loss", "final val accuracy", "steps to a 10-update mean ≤ 0.1", "diverged", "diagnosis (seeds)"]]
    var json: [(key: String, value: JSONValue)] = []
    var finals: [(String, Double)] = []
    for name in names {
      let mine = rs.filter { $0.labels["schedule"] == name }
      let lr = mine[0].lr
      lrSeries.append(.init(name: name, x: lr.indices.map(Double.init), y: lr))
      // One panel per schedule, every seed its own line (small multiples on one log scale).
      var panel = SVGChart(series: mine.map { r in
        let y = Self.smooth(r.loss, 10)
        return .init(name: "seed \(r.labels["seed"] ?? "")", x: y.indices.map(Double.init), y: y)
      }, title: name, xLabel: "update", yLabel: "loss (mean of 10)")
      panel.logY = true
      panels.append(panel)
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
    let lossFigure = SmallMultiples(panels: panels, columns: 3, title: "Training loss, one panel per schedule, one line per seed (shared log scale)")
    var evalChart = SVGChart(series: evalSeries, title: "Validation loss (mean of seeds)", xLabel: "update", yLabel: "validation loss (nats)")
    evalChart.logY = true
    let peak = rs[0].lr.max() ?? 0
    // The claim, from the runs: which schedules end below the constant lr's final loss.
    var claim = ""
    if let constant = finals.first(where: { $0.0.lowercased().contains("constant") }) {
      let lower = finals.filter { $0.0 != constant.0 && $0.1 < constant.1 }.map(\.0)
      let notLower = finals.filter { $0.0 != constant.0 && $0.1 >= constant.1 }.map(\.0)
      claim = " Measured: the constant lr ends at \(fmt(constant.1)); " + (lower.isEmpty ? "no schedule ends lower" :
        "\(lower.joined(separator: ", ")) end\(lower.count == 1 ? "s" : "") lower") + (notLower.isEmpty || lower.isEmpty ? "." : "; \(notLower.joined(separator: ", ")) do\(notLower.count == 1 ? "es" : "") not.")
    }
    let fromRange = rangeTest?.recommended.map { abs(Double(Ticks.label($0))! - peak) <= 1e-12 * peak } ?? false
    return Section(title: "Compare schedules", intro: "The MLP on digits (SGD, momentum 0.9, batch 64, \(rs.count / max(names.count, 1)) seeds) under \(names.count) schedules with the same peak lr \(fmt(peak))\(fromRange ? ", the range test's recommendation" : "") (rows in the order the schedules are defined; the validation curves and columns are the measure).\(claim)",
                   figures: [lrChart.render(), evalChart.render(), lossFigure.render()], table: rows, json: ("compare", .object(json)))
  }

  func failureSection() -> Section? {
    // In the order the cases are defined (merged shards arrive sorted by file).
    let order = Experiments.failureModes(epochs: 1).map(\.id)
    let rs = group("failure").sorted { (order.firstIndex(of: $0.id) ?? order.count) < (order.firstIndex(of: $1.id) ?? order.count) }
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
    // The claims, from the runs: each case's expected verdict, and whether the fix fixed it.
    let expected = ["too high": "diverged", "too low": "stagnation", "constant high": "oscillation"]
    var found: [String] = []
    for r in rs {
      let name = r.labels["case"] ?? r.id
      guard let want = expected.first(where: { name.hasPrefix($0.key) })?.value else { continue }
      let got = r.verdicts.first?.kind.rawValue ?? "—"
      found.append("\(name): \(got == want ? "diagnosed \(got), as expected" : "expected \(want), diagnosed \(got) (not reproduced)")")
    }
    if let constant = rs.first(where: { ($0.labels["case"] ?? "").hasPrefix("constant high") }),
       let fix = rs.first(where: { ($0.labels["case"] ?? "").contains("the fix") }) {
      let (c, x) = (constant.finalTrainLoss(), fix.finalTrainLoss())
      let fixVerdict = fix.verdicts.first?.kind
      var sentence = "The fix: final training loss \(fmt(x)) against \(fmt(c)) at the constant lr, validation accuracy \(pct(fix.finalAccuracy ?? .nan)) against \(pct(constant.finalAccuracy ?? .nan)) — "
        + (x < c && fixVerdict != .oscillation ? "the oscillation is gone." : "not reproduced on this run.")
      if fixVerdict == .spikes, let v = fix.verdicts.first {
        // Why the fixed run is still flagged, measured: the spikes' sizes against the loss
        // around them (single batches once the training set is almost memorised).
        let half = Array(fix.loss.suffix(fix.loss.count / 2)).filter(\.isFinite)
        let sorted = half.sorted()
        if let k = fix.loss.indices.suffix(fix.loss.count / 2).max(by: { fix.loss[$0] < fix.loss[$1] }), !sorted.isEmpty {
          let typical = sorted[sorted.count / 2]
          let next = k + 1 < fix.loss.count ? fix.loss[k + 1] : .nan
          sentence += " Its diagnosis is still “spikes”, measured: \(v.evidence). In the second half the median batch loss is \(fmt(typical)) (the training set is nearly memorised); the largest batch loss there, \(fmt(fix.loss[k])) at update \(k), is \(fmt(fix.loss[k] / typical))× that, and the next update's is \(fmt(next))" + (next < 10 * typical
            ? " — single hard batches the model recovers from at once, which the detector reports because they exceed 30 % of the run's progress."
            : ".")
        }
      }
      found.append(sentence)
    }
    return Section(title: "Failure modes", intro: "The same model and data with a learning rate that is too high (diverges), too low (stagnates), high and constant (oscillates), and the same high peak with cosine decay (the fix). The labels come from the diagnosis classifier reading each run's log. " + found.joined(separator: "; ").replacingOccurrences(of: "; The fix", with: ". The fix"),
                   figures: [chart.render()], table: rows, json: ("failure_modes", .object(json)))
  }

  func warmupSection() -> Section? {
    let rs = group("warmup")
    guard !rs.isEmpty else { return nil }
    var rows = [["architecture", "peak lr", "warmup", "final train loss per seed", "final val loss (mean)"]]
    var json: [(key: String, value: JSONValue)] = []
    let lrs = Array(Set(rs.compactMap { Double($0.labels["lr"] ?? "") })).sorted()
    let warmups = Array(Set(rs.compactMap { Int($0.labels["warmup"] ?? "") })).sorted()
    let norms: [String] = ["post-ln", "pre-ln"].filter { (n: String) in rs.contains { $0.labels["norm"] == n } }
    let steps = rs.map(\.loss.count).max() ?? 0
    let seeds = Set(rs.compactMap { $0.labels["seed"] }).count
    func runs(_ norm: String, _ lr: Double, _ w: Int) -> [RunResult] {
      rs.filter { $0.labels["norm"] == norm && Double($0.labels["lr"] ?? "") == lr && Int($0.labels["warmup"] ?? "") == w }
    }
    func name(_ norm: String) -> String { norm == "post-ln" ? "Post-LN" : "Pre-LN" }
    // The final training loss (mean of the last 50 updates, or a tenth of a short run); a run
    // that diverged counts at its initial loss (no progress kept).
    let tail = min(50, max(1, steps / 10))
    func final(_ r: RunResult) -> Double {
      r.status == "diverged" ? (r.loss.first ?? .nan) : r.finalTrainLoss(fraction: Double(tail) / Double(max(r.loss.count, 1)))
    }
    func shown(_ r: RunResult) -> String { r.status == "diverged" ? "diverged" : fmt(final(r)) }
    // Small multiples: one panel per architecture (rows) and peak lr (columns), loss against
    // update, one line per warmup (mean of the seeds in windows, min–max band), one y scale.
    let window = max(1, steps / 60)
    var panels: [SVGChart] = []
    for norm in norms {
      for lr in lrs {
        var series: [SVGChart.Series] = []
        for w in warmups {
          let cell = runs(norm, lr, w)
          var xs: [Double] = []
          var mean: [Double] = []
          var low: [Double] = []
          var high: [Double] = []
          for start in stride(from: 0, to: steps, by: window) {
            let perRun = cell.map { r -> Double in
              let part = r.loss[min(start, r.loss.count)..<min(start + window, r.loss.count)]
              return part.isEmpty ? .nan : part.reduce(0, +) / Double(part.count)
            }
            xs.append(Double(start + window / 2))
            // A seed that diverged ends the line there (an × marks it).
            let ok = !perRun.isEmpty && perRun.allSatisfy(\.isFinite)
            mean.append(ok ? Self.mean(perRun) : .nan)
            low.append(ok ? perRun.min()! : .nan)
            high.append(ok ? perRun.max()! : .nan)
          }
          series.append(.init(name: "warmup \(w)", x: xs, y: mean, band: seeds > 1 ? (low, high) : nil))
        }
        var chart = SVGChart(series: series, title: "\(name(norm)), peak lr \(fmt(lr))", xLabel: "update", yLabel: "train loss (nats)")
        chart.markers = warmups.filter { $0 > 0 && $0 < steps }.map { .init(x: Double($0), label: "") }
        panels.append(chart)
      }
    }
    var figure = SmallMultiples(panels: panels, columns: lrs.count,
                                title: "Training loss against update: warmup \(warmups.map(String.init).joined(separator: " / ")) (dashed lines: where each warmup ends)")
    figure.panelWidth = lrs.count > 3 ? 250 : 320
    figure.panelHeight = 220
    // Clip the shared scale at the unigram-ish start so that a blow-up does not flatten the rest.
    let firsts = rs.compactMap { $0.loss.first }.filter(\.isFinite)
    let lows = rs.flatMap { r in Self.smooth(r.loss, window).filter(\.isFinite) }
    if let top = firsts.max(), let bottom = lows.min(), top > bottom {
      figure.panels = figure.panels.map { var p = $0; p.yRange = (bottom - 0.03 * (top - bottom))...(top * 1.05); return p }
    }
    for norm in norms {
      for lr in lrs {
        for w in warmups {
          let cell = runs(norm, lr, w)
          guard !cell.isEmpty else { continue }
          let finals = cell.map(final)
          let vals = cell.compactMap(\.finalEvalLoss).filter(\.isFinite)
          rows.append([name(norm), fmt(lr), "\(w)", cell.map(shown).joined(separator: ", "), vals.isEmpty ? "—" : fmt(Self.mean(vals))])
          json.append(("\(norm)/lr=\(lr)/warmup=\(w)", .object([
            ("final_train_losses", .array(finals.map { .double($0) })), ("mean_val_loss", vals.isEmpty ? .null : .double(Self.mean(vals))),
            ("diverged", .int(cell.filter { $0.status == "diverged" }.count)), ("seeds", .int(cell.count)),
          ])))
        }
      }
    }
    // The claims, per architecture and lr, from the mean final training loss: how much the best
    // warmup gains over none ("gains" = more than 0.1 nats), and whether warmup rescues a run that
    // without it stays at the unigram loss (every no-warmup seed within 0.15 nats of it, no seed
    // of the best warmup there) — Xiong et al.'s claim is that this happens to Post-LN, not Pre-LN.
    let unigram = Self.unigramLoss
    func stuck(_ r: RunResult) -> Bool { final(r) >= unigram - 0.15 }
    var findings: [String] = []
    var rescued: [String: [Double]] = [:]
    var biggest: [String: Double] = [:]
    for norm in norms {
      var parts: [String] = []
      for lr in lrs {
        let noneRuns = runs(norm, lr, 0)
        let cells = warmups.filter { $0 > 0 }.map { w in (w, runs(norm, lr, w)) }.filter { !$0.1.isEmpty }
        guard !noneRuns.isEmpty, let best = cells.min(by: { Self.mean($0.1.map(final)) < Self.mean($1.1.map(final)) }) else { continue }
        let gain = Self.mean(noneRuns.map(final)) - Self.mean(best.1.map(final))
        biggest[norm] = max(biggest[norm] ?? -.infinity, gain)
        let stuckNone = noneRuns.filter(stuck).count
        let stuckBest = best.1.filter(stuck).count
        var part = "at \(fmt(lr)) "
        if stuckNone == noneRuns.count && stuckBest == 0 {
          rescued[norm, default: []].append(lr)
          part += "without warmup it stays at the unigram loss (\(fmt(Self.mean(noneRuns.map(final))))) and warmup \(best.0) trains it to \(fmt(Self.mean(best.1.map(final))))"
        } else if stuckNone == noneRuns.count && stuckBest == best.1.count {
          part += "it stays at the unigram loss with every warmup (too high)"
        } else {
          part += gain > 0.1 ? "warmup \(best.0) gains \(fmt(gain)) nats" : gain < -0.1 ? "warmup hurts (\(fmt(-gain)) nats)" : "no clear difference"
        }
        let divergedNone = noneRuns.filter { $0.status == "diverged" }.count
        if divergedNone > 0 { part += " (no warmup diverged in \(divergedNone) of \(noneRuns.count) seeds)" }
        parts.append(part)
        json.append(("\(norm)/lr=\(lr)/gain_from_warmup", .double(gain)))
      }
      findings.append("\(name(norm)): " + parts.joined(separator: "; ") + ".")
    }
    var title = "Warmup"
    if norms.count == 2 {
      let post = rescued["post-ln"] ?? [], pre = rescued["pre-ln"] ?? []
      let (gp, gq) = (biggest["post-ln"] ?? 0, biggest["pre-ln"] ?? 0)
      if !post.isEmpty && pre.isEmpty {
        title = "Warmup: without it Post-LN stays at the unigram loss at lr \(post.map(fmt).joined(separator: ", ")); Pre-LN trains without it"
      } else if !post.isEmpty && !pre.isEmpty {
        title = "Warmup rescues both Post-LN (lr \(post.map(fmt).joined(separator: ", "))) and Pre-LN (lr \(pre.map(fmt).joined(separator: ", "))) here"
      } else if !pre.isEmpty {
        title = "Warmup: Pre-LN needs it here and Post-LN does not (the Post-LN claim is not reproduced)"
      } else {
        title = gp <= 0.1 && gq <= 0.1 ? "Warmup: no clear effect at these lrs and this length (not reproduced)"
          : gp > gq + 0.1 ? "Warmup: Post-LN gains more from it than Pre-LN, but neither gets stuck without it"
          : gq > gp + 0.1 ? "Warmup: Pre-LN gains more from it than Post-LN here (the Post-LN claim is not reproduced)"
          : "Warmup helps Post-LN and Pre-LN alike here"
      }
      json.append(("unigram_loss", .double(unigram)))
      json.append(("lrs_where_warmup_rescues_post_ln", .array(post.map { .double($0) })))
      json.append(("lrs_where_warmup_rescues_pre_ln", .array(pre.map { .double($0) })))
    }
    let model = quick ? "2-layer, width-32, context-32" : "6-layer, width-64, context-64"
    return Section(title: title, intro: "A \(model) character GPT on tiny Shakespeare, \(steps) updates of batch \(rs.first?.labels["batch"] ?? "8"), Adam (0.9, 0.98), \(seeds) seed\(seeds == 1 ? "" : "s") per cell, peak lr \(lrs.map(fmt).joined(separator: ", ")) held constant after a linear warmup of \(warmups.map(String.init).joined(separator: ", ")) updates (the tutorial's ablation scaled to the run; Xiong et al. 2020 in miniature). The heading and the sentences are computed from these runs (“gains” = mean final training loss without warmup minus the best warmup's, more than 0.1 nats; “the unigram loss” = \(fmt(unigram)) nats, the entropy of the characters, where a model that has learned only their frequencies sits). " + findings.joined(separator: " "),
                   figures: [figure.render()], table: rows, json: ("warmup", .object(json)))
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
      var line = SVGChart.Series(name: "batch \(b)", x: lrs, y: losses)
      line.diverged = zip(lrs, cells).filter { $0.1 == "diverged" }.map(\.0)
      series.append(line)
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
        let nearest = resolution > 0.25 ? "but this grid resolves k only to about ±\(fmt(resolution)), too coarse to tell the linear rule (k = 1) from the square-root rule (k = 0.5)"
          : (abs(k - 1) < abs(k - 0.5) ? "closer to the linear rule (k = 1) than to the square-root rule (k = 0.5)"
             : "closer to the square-root rule (k = 0.5) than to the linear rule (k = 1)") + "; the grid resolves k to about ±\(fmt(resolution))"
        claim = "Measured here: the best lr grows as batch<sup>k</sup> with k ≈ \(fmt(k)), \(nearest)."
      }
    }
    var chart = SVGChart(series: series, title: "Validation loss against lr, one line per batch size", xLabel: "peak learning rate (SGD + momentum, cosine)", yLabel: "final validation loss (nats)")
    chart.logX = true
    chart.logY = true
    let divergedNote = divergedCells > 0 ? " \(divergedCells) cell(s) diverged: an × at the top of the chart marks each, and the table reads “diverged”." : ""
    json.append(("scaling_exponent", exponent.map { .double($0) } ?? .null))
    return Section(title: "Batch size and the best learning rate", intro: "The digits MLP for a fixed number of epochs over a quarter-decade lr grid: larger batches take fewer, less noisy steps and tolerate a larger lr. \(claim)\(divergedNote)",
                   figures: [chart.render()], table: rows, json: ("batch_size", .object(json)))
  }

  func findSection() -> Section? {
    guard let r = rangeTest else { return nil }
    let chart = LRRangeTest.chart(r, title: "LR range test (digits MLP, SGD with momentum 0.9, batch 64)")
    let checks = group("find")
    var rows = [["suggestion", "lr", "trained: final val accuracy (mean of seeds)", "per seed", "final val loss (mean)"]]
    var json: [(key: String, value: JSONValue)] = [
      ("valley", r.valley.map { .double($0) } ?? .null), ("steepest", r.steepest.map { .double($0) } ?? .null),
      ("min_over_10", r.minimumOverTen.map { .double($0) } ?? .null), ("recommended", r.recommended.map { .double($0) } ?? .null),
      ("rule", .string(LRRangeTest.recommendationRule)), ("confident", .bool(r.confident)), ("note", .string(r.confidenceNote)),
    ]
    var trained: [(name: String, lr: Double, acc: Double)] = []
    for (name, lr) in LRRangeTest.suggestions(r) {
      let mine = checks.filter { $0.labels["suggestion"] == name }
      let accs = mine.map { $0.status == "diverged" ? 0 : ($0.finalAccuracy ?? .nan) }
      let acc = Self.mean(accs)
      let loss = Self.mean(mine.compactMap(\.finalEvalLoss))
      rows.append([name == "recommended" ? "recommended (\(LRRangeTest.recommendationRule))" : name, fmt(lr),
                   mine.isEmpty ? "not trained" : pct(acc), accs.map(pct).joined(separator: ", "), fmt(loss)])
      if !mine.isEmpty { trained.append((name, lr, acc)) }
      json.append(("trained_\(name)", .object([("lr", .double(lr)), ("val_accuracy", .double(acc)),
                                              ("val_accuracies", .array(accs.map { .double($0) })), ("val_loss", .double(loss))])))
    }
    let epochs = checks.first?.labels["epochs"] ?? "10"
    var story: [String] = []
    if let rec = trained.first(where: { $0.name == "recommended" }), let best = trained.max(by: { $0.acc < $1.acc }) {
      let worst = trained.min { $0.acc < $1.acc }!
      story.append("Trained as printed (one-cycle, \(epochs) epochs, \(checks.count / max(trained.count, 1)) seed\(checks.count / max(trained.count, 1) == 1 ? "" : "s")), the recommended lr \(fmt(rec.lr)) reaches \(pct(rec.acc)) validation accuracy; "
        + (best.name == "recommended" ? "no other suggestion does better"
           : rec.acc >= best.acc - 0.005 ? "within half a point of the best suggestion (\(best.name), \(pct(best.acc)))"
           : "the best suggestion here is \(best.name) (\(pct(best.acc))), \(pct(best.acc - rec.acc).replacingOccurrences(of: "%", with: "")) points better — the rule is not reproduced on this run")
        + "; the worst is \(worst.name) (\(pct(worst.acc))).")
      json.append(("recommendation_reproduced", .bool(rec.acc >= best.acc - 0.005)))
    }
    // The same lr against the batch-size sweep at the range test's batch (64).
    let sweep = group("batch").filter { $0.labels["batch"] == "64" }
    if let rec = r.recommended, !sweep.isEmpty {
      var cells: [(lr: Double, loss: Double)] = []
      for lr in Array(Set(sweep.compactMap { Double($0.labels["lr"] ?? "") })).sorted() {
        let cell = sweep.filter { Double($0.labels["lr"] ?? "") == lr }
        let ok = !cell.contains { $0.status == "diverged" }
        cells.append((lr, ok ? Self.mean(cell.compactMap(\.finalEvalLoss)) : .infinity))
      }
      if let best = cells.min(by: { $0.loss < $1.loss }), let near = cells.min(by: { abs(log($0.lr / rec)) < abs(log($1.lr / rec)) }) {
        let decades = abs(log10(rec / best.lr))
        story.append("The batch-size sweep at batch 64 (cosine, 5 epochs) is best at lr \(fmt(best.lr)) (validation loss \(fmt(best.loss))); the recommendation is \(fmt(decades)) decades from it, and the sweep's lr nearest to it, \(fmt(near.lr)), reaches \(fmt(near.loss)) (\(fmt((near.loss / best.loss - 1) * 100)) % above the best).")
        json.append(("sweep_best_lr_batch_64", .double(best.lr)))
        json.append(("decades_from_sweep_best", .double(decades)))
      }
    }
    story.append("The compare section below trains every schedule at this peak.")
    let command = r.recommended.map { LRRangeTest.trainCommand(base: rangeTestBase ?? Experiments.rangeTestBase(), peak: $0, steps: 230) } ?? "—"
    json.append(("train_command", .string(command)))
    let intro = "An exponential sweep of the learning rate (100 updates from 1e-5), the loss smoothed (bias-corrected EMA, β = 0.98) and the sweep stopped when it exceeds 4× its minimum; the chart stops where the smoothed loss climbs back above its start. Suggestions: fastai's valley, the steepest descent, the minimum / 10, and the recommendation \(LRRangeTest.recommendationRule) (the rule that landed nearest the best of an lr grid when measured on four task–optimizer pairs). Confidence: \(r.confident ? "high" : "low") (\(escape(r.confidenceNote))). "
      + story.joined(separator: " ") + " To train it: <code>\(escape(command))</code>"
    return Section(title: "LR range test: the recommended learning rate, checked by training", intro: intro,
                   figures: [chart.render()], table: rows, json: ("lr_range_test", .object(json)))
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

  /// What `directory/results.json` records, when there is one: its run count and whether it is
  /// quick. Throws `TrainingError.invalidRun` for a file that is not an LRKit report.
  public static func recorded(in directory: String) throws -> (runs: Int, quick: Bool)? {
    let resultsPath = (directory as NSString).appendingPathComponent("results.json")
    guard let data = FileManager.default.contents(atPath: resultsPath) else { return nil }
    guard let old = try? JSONValue.parse(String(decoding: data, as: UTF8.self)),
      old["format"] == .string("lrkit.report"), case .array(let oldRuns)? = old["runs"]
    else {
      throw TrainingError.invalidRun(path: resultsPath, reason: "is not an LRKit report; not overwritten (choose another --out)")
    }
    return (oldRuns.count, old["quick"] == .bool(true))
  }

  /// Writes `report.html` and `results.json` into `directory`. A `results.json` already there is
  /// never overwritten with less: one that records more runs, a full report where this one is
  /// quick, or a file that is not an LRKit report throws `TrainingError.invalidRun` naming it.
  public func write(to directory: String) throws {
    let resultsPath = (directory as NSString).appendingPathComponent("results.json")
    if let (oldRuns, oldQuick) = try Self.recorded(in: directory),
      oldRuns > runs.count || (quick && !oldQuick && oldRuns > 0)
    {
      throw TrainingError.invalidRun(
        path: resultsPath,
        reason: "already records \(oldRuns) runs\(oldQuick ? " (quick)" : ""); this \(quick ? "quick " : "")report has "
          + "\(runs.count): not overwritten with less (choose another --out, or move the old one away)")
    }
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    try html().write(toFile: (directory as NSString).appendingPathComponent("report.html"), atomically: true, encoding: .utf8)
    try (resultsJSON().serialized() + "\n").write(toFile: resultsPath, atomically: true, encoding: .utf8)
  }

  /// The sections in page order.
  func sections() -> [Section] {
    [includesSchedules ? schedulesSection() : nil, findSection(), compareSection(), failureSection(), warmupSection(),
     batchSection()].compactMap { $0 }
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
    let trained = runs.reduce(0) { $0 + $1.seconds }
    h += "<p class=\"note\">\(runs.count) training runs (\(String(format: "%.0f", trained)) s of training, summed over runs); this page took \(String(format: "%.0f", seconds)) s. Generated by <code>lrkit report\(quick ? " --quick" : "")</code>.</p>\n</body></html>\n"
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
