import LRSupport
import ArgumentParser
import Foundation
import LRDiagnostics
import LRPlot
import LRSchedules

/// `lrkit diagnose`: read a training log from any framework and say what went wrong.
struct Diagnose: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Read a training log (LRKit, Hugging Face, Lightning, TensorBoard, Keras, MLflow, W&B, DVCLive, Sacred, CSV/JSONL, printed text) and say what went wrong.",
    discussion: """
      PATH is a file or a directory (a run directory, an output_dir with checkpoint-* folders, a \
      TensorBoard log directory, an MLflow run, a wandb folder or its run-<id>.wandb file, a dvclive folder, a Sacred observer's folder). Verdicts: diverged, oscillation, overfitting, warmup, \
      stagnation, spikes, healthy (or no_loss when the log has no loss series) — the primary one \
      first, each with the step range, the numbers behind it, a confidence and advice.

      When the log has the learning rate, the schedule behind it is identified and printed as a \
      native spec (`lrkit curve --spec` reproduces it); with --schedule the logged lr is audited \
      against the schedule you meant instead, naming the first step where they part.

      --follow watches a run while it trains: it prints a line whenever the primary verdict \
      changes and exits with status 3 at the first fatal sign (a non-finite loss, a blow-up or a \
      collapse), so that a script can stop the job.

      Exit status: 0 done; 1 the log cannot be read (the message names the file); 2 a verdict \
      named by --fail-on was found, or --fail-on was given and the log has no loss series; 3 \
      --follow saw the run diverge.

      Examples:
        lrkit diagnose runs/digits
        lrkit diagnose output_dir --schedule warmup-cosine.json
        lrkit diagnose metrics.csv --loss-key train_loss_step --fail-on diverged,oscillation
        lrkit diagnose --follow runs/shakespeare/log.jsonl --interval 5
      """)

  /// Output formats.
  enum Format: String, ExpressibleByArgument, CaseIterable { case text, json }

  @Argument(help: "The log file or directory.") var path: String
  @Option(help: "text or json.") var format: Format = .text
  @Option(help: "Write the annotated loss chart as SVG to this file.") var svg: String?
  @Option(help: "Exit with status 2 when any of these verdicts is found (comma separated).") var failOn: String?
  @Option(help: "Column, key or printed label holding the training loss (generic and text logs).") var lossKey: String?
  @Option(help: "Column, key or printed label holding the learning rate (generic and text logs).") var lrKey: String?
  @Option(help: "Column, key or printed label holding the step (generic and text logs).") var stepKey: String?
  @Option(help: "The schedule the run was meant to follow (a spec file or inline JSON): audit the logged lr against it.")
  var schedule: String?
  @Flag(help: "Watch the log while the run writes it; print verdict changes; exit 3 when it diverges.") var follow = false
  @Option(help: "Seconds between checks with --follow.") var interval: Double = 2
  @Option(help: "With --follow, stop after the log has not changed for this many seconds (0: never).") var idleExit: Double = 0

  func run() throws {
    var status: Int32 = 0
    try runWritingToStandardOutput { out in status = try execute(&out) }
    if status != 0 { throw ExitCode(status) }
  }

  /// The verdicts named by --fail-on.
  func failKinds() throws -> Set<Verdict.Kind> {
    var kinds: Set<Verdict.Kind> = []
    for name in (failOn ?? "").split(separator: ",") {
      let n = name.trimmingCharacters(in: .whitespaces)
      guard let k = Verdict.Kind(rawValue: n) else {
        throw CLIError("--fail-on '\(n)': not a verdict (\(Verdict.Kind.allCases.map(\.rawValue).joined(separator: ", ")))")
      }
      kinds.insert(k)
    }
    return kinds
  }

  /// Runs the command, writing to `out`; returns the exit status (0, 2 or 3).
  func execute(_ out: inout Output) throws -> Int32 {
    let kinds = try failKinds()
    guard interval > 0, interval.isFinite else { throw CLIError("--interval must be a positive number of seconds") }
    guard idleExit >= 0, idleExit.isFinite else { throw CLIError("--idle-exit must be 0 or a positive number of seconds") }
    if let svg { try OutputPath.checkFile(svg, flag: "--svg") }
    var intended: DecodedSchedule?
    if let schedule {
      let trimmed = schedule.trimmingCharacters(in: .whitespacesAndNewlines)
      intended = trimmed.hasPrefix("{") ? try ScheduleSpec.decode(try ScheduleSpec.parseJSON(trimmed))
        : try SpecLoading.decoded(schedule)
    }
    if follow { return try Follower(command: self, failKinds: kinds).run(&out) }
    let log = try LogReader.read(path, lossKey: lossKey, lrKey: lrKey, stepKey: stepKey)
    let verdicts = Diagnoser.diagnose(log)
    let lrFinding = LRFinding(log, intended: intended)
    switch format {
    case .json: out.write(DiagnosisReport.json(log, verdicts, lr: lrFinding).serialized() + "\n")
    case .text: out.write(DiagnosisReport.text(log, verdicts, lr: lrFinding, color: !out.capturing && isatty(STDOUT_FILENO) != 0) + "\n")
    }
    if let svg {
      let chart = DiagnosisReport.svg(log, verdicts)
      try OutputPath.writeFile(chart, to: svg, flag: "--svg")
    }
    let failing = verdicts.contains { kinds.contains($0.kind) } || (!kinds.isEmpty && verdicts.first?.kind == .noLoss)
    return failing ? 2 : 0
  }
}

/// What the log's lr says: the audit against the intended schedule, or the identified schedule.
enum LRFinding {
  case audit(ScheduleAudit.Finding)
  case identified(ScheduleIdentifier.Match)
  case none(String)

  init(_ log: TrainingLog, intended: DecodedSchedule?) {
    guard let lr = log.series["lr"], lr.count >= 3 else {
      self = .none(intended == nil ? "the log has no learning rate" : "the log has no learning rate to audit")
      return
    }
    if let intended {
      self = .audit(ScheduleAudit.audit(lr, against: intended))
    } else if let m = ScheduleIdentifier.identify(lr) {
      self = .identified(m)
    } else {
      self = .none("no positive learning rate logged")
    }
  }

  var text: String {
    switch self {
    case .audit(let f): "schedule audit: " + f.summary
    case .identified(let m):
      "schedule: \(m.summary)" + (m.maxError <= 1e-3 ? "" : " (nearest fit; largest difference \(percentText(m.maxError)) of the peak)")
        + "\n  spec: \(m.spec)"
    case .none(let why): "schedule: \(why)"
    }
  }

  var json: JSONValue {
    switch self {
    case .audit(let f):
      .object([("audit", .object([
        ("matches", .bool(f.firstMismatchStep == nil)), ("offset", .int(f.offset)), ("compared", .int(f.compared)),
        ("first_mismatch_step", f.firstMismatchStep.map { .int($0) } ?? .null),
        ("logged", f.logged.map { .double($0) } ?? .null), ("expected", f.expected.map { .double($0) } ?? .null),
        ("cause", f.cause.map { .string($0) } ?? .null), ("summary", .string(f.summary)),
      ]))])
    case .identified(let m):
      .object([("identified", .object([
        ("spec", (try? ScheduleSpec.parseJSON(m.spec)) ?? .string(m.spec)), ("summary", .string(m.summary)),
        ("max_error", .double(m.maxError)), ("offset", .int(m.offset)),
      ]))])
    case .none(let why): .object([("none", .string(why))])
    }
  }
}

func percentText(_ x: Double) -> String { String(format: "%.2g %%", x * 100) }

/// Renders a diagnosis as text, JSON or an annotated SVG chart.
enum DiagnosisReport {
  static func json(_ log: TrainingLog, _ verdicts: [Verdict], lr: LRFinding? = nil) -> JSONValue {
    .object([
      ("log", .object([
        ("format", .string(log.format)), ("path", .string(log.path)),
        ("series", .object(log.series.keys.sorted().map { ($0, .int(log.series[$0]!.count)) })),
        ("notes", .array(log.notes.map { .string($0) })),
      ])),
      ("verdicts", .array(verdicts.map { v in
        .object([
          ("kind", .string(v.kind.rawValue)), ("start_step", .int(v.startStep)), ("end_step", .int(v.endStep)),
          ("confidence", .double((v.confidence * 100).rounded() / 100)), ("evidence", .string(v.evidence)),
          ("advice", .string(v.advice)), ("lr", v.lr.map { .double($0) } ?? .null),
        ])
      })),
      ("schedule", lr?.json ?? .null),
    ])
  }

  /// The terminal's width: `COLUMNS` when set, else 100 (pipes and files get 100 too).
  static var terminalWidth: Int {
    if let c = ProcessInfo.processInfo.environment["COLUMNS"], let w = Int(c), w >= 40 { return w }
    var size = winsize()
    if isatty(STDOUT_FILENO) != 0, ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col >= 40 { return Int(size.ws_col) }
    return 100
  }

  /// `text` after `prefix`, wrapped at word boundaries to `width` columns with a hanging indent.
  static func wrapped(_ prefix: String, _ text: String, width: Int) -> [String] {
    let indent = String(repeating: " ", count: prefix.count)
    var lines: [String] = []
    var current = prefix
    for word in text.split(separator: " ", omittingEmptySubsequences: true) {
      let head = current == prefix || current == indent
      if !head, current.count + 1 + word.count > width {
        lines.append(current)
        current = indent + word
      } else {
        current += (head ? "" : " ") + word
      }
    }
    lines.append(current)
    return lines
  }

  static func text(_ log: TrainingLog, _ verdicts: [Verdict], lr lrFinding: LRFinding? = nil, color: Bool,
                   width: Int = DiagnosisReport.terminalWidth) -> String {
    var lines: [String] = []
    let loss = log.series["loss"] ?? log.series["eval_loss"]
    lines.append("\(log.path) — \(log.format), \(loss?.count ?? 0) loss points, series: \(log.series.keys.sorted().joined(separator: ", "))")
    for note in log.notes { lines.append("  note: \(note)") }
    lines.append("")
    for v in verdicts {
      let head = "\(v.kind.rawValue.uppercased())  steps \(v.startStep)–\(v.endStep)  confidence \(Int((v.confidence * 100).rounded()))%"
      let bold = color ? "\u{1B}[1m" + head + "\u{1B}[0m" : head
      lines.append(bold)
      lines += wrapped("  evidence: ", v.evidence, width: width)
      lines += wrapped("  advice:   ", v.advice, width: width)
    }
    if let lrFinding { lines.append(""); lines.append(lrFinding.text) }
    if let loss {
      let (x, y) = thin(loss.steps.map(Double.init), loss.values, to: 280)
      var chart = TerminalChart(
        series: [.init(name: "loss", x: x, y: y)],
        markers: verdicts.filter { $0.kind != .healthy }.map { .init(x: Double($0.startStep), label: $0.kind.rawValue) },
        title: "\nloss", xLabel: "step")
      chart.width = 70
      chart.height = 12
      chart.color = color
      lines.append(chart.render())
    }
    if let lr = log.series["lr"], lr.count > 1 {
      let (x, y) = thin(lr.steps.map(Double.init), lr.values, to: 280)
      var chart = TerminalChart(series: [.init(name: "lr", x: x, y: y)], title: "\nlearning rate", xLabel: "step")
      chart.width = 70
      chart.height = 6
      lines.append(chart.render())
    }
    return lines.joined(separator: "\n")
  }

  /// The figure `--svg` writes: the loss (training and validation) with the verdicts' steps
  /// shaded, and under it, on the same steps, the learning rate when the log has one.
  static func svg(_ log: TrainingLog, _ verdicts: [Verdict]) -> String {
    var series: [SVGChart.Series] = []
    if let l = log.series["loss"] { series.append(.init(name: "training loss", x: l.steps.map(Double.init), y: l.values)) }
    if let e = log.series["eval_loss"] { series.append(.init(name: "validation loss", x: e.steps.map(Double.init), y: e.values)) }
    let values = series.flatMap(\.y).filter { $0.isFinite && $0 > 0 }
    var chart = SVGChart(series: series, title: "Loss", xLabel: "step", yLabel: "loss (nats)")
    if let mx = values.max(), let mn = values.min(), mx / mn > 20 { chart.logY = true }
    chart.width = 760
    chart.height = 400
    // Each problem verdict shades its steps, named for what was found (not for a schedule part:
    // "warmup" means the run lacked one).
    chart.regions = verdicts.filter { $0.kind != .healthy }.map {
      .init(from: Double($0.startStep), to: Double($0.endStep), label: regionName($0.kind))
    }
    var panels = [chart]
    if let lr = log.series["lr"], lr.values.contains(where: \.isFinite) {
      var lrChart = SVGChart(series: [.init(name: "learning rate", x: lr.steps.map(Double.init), y: lr.values)],
                             title: "Learning rate", xLabel: "step", yLabel: "lr")
      lrChart.width = 760
      lrChart.height = 200
      lrChart.regions = chart.regions.map { .init(from: $0.from, to: $0.to, label: "") }
      panels.append(lrChart)
    }
    var figure = SmallMultiples(panels: panels, columns: 1,
                                title: "Diagnosis: " + verdicts.map(\.kind.rawValue).joined(separator: ", "))
    figure.panelWidth = 760
    figure.sharedY = false
    figure.keepsPanelHeights = true
    return figure.render()
  }

  /// What a shaded region is called in the figure.
  static func regionName(_ kind: Verdict.Kind) -> String {
    switch kind {
    case .warmup: return "early instability (no or short warmup)"
    default: return kind.rawValue
    }
  }
}
