import LRSupport
import ArgumentParser
import Foundation
import LRDiagnostics
import LRPlot
import LRSchedules

/// `lrkit diagnose`: read a training log from any framework and say what went wrong.
struct Diagnose: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Read a training log (LRKit, Hugging Face, Lightning, TensorBoard, CSV/JSONL) and say what went wrong.",
    discussion: """
      PATH is a file or a directory (a run directory, an output_dir with checkpoint-* folders, a
      TensorBoard log directory). Verdicts: diverged, spikes, stagnation, oscillation, overfitting,
      warmup, healthy — each with the step range, the numbers behind it, a confidence and advice.
      """)

  /// Output formats.
  enum Format: String, ExpressibleByArgument, CaseIterable { case text, json }

  @Argument(help: "The log file or directory.") var path: String
  @Option(help: "text or json.") var format: Format = .text
  @Option(help: "Write the annotated loss chart as SVG to this file.") var svg: String?
  @Option(help: "Exit with status 2 when any of these verdicts is found (comma separated).") var failOn: String?
  @Option(help: "Column or key holding the training loss (generic logs).") var lossKey: String?
  @Option(help: "Column or key holding the learning rate (generic logs).") var lrKey: String?
  @Option(help: "Column or key holding the step (generic logs).") var stepKey: String?

  func run() throws {
    var failing = false
    try runWritingToStandardOutput { out in
      var kinds: Set<Verdict.Kind> = []
      if let failOn {
        for name in failOn.split(separator: ",") {
          let n = name.trimmingCharacters(in: .whitespaces)
          guard let k = Verdict.Kind(rawValue: n) else {
            throw CLIError("--fail-on '\(n)': not a verdict (\(Verdict.Kind.allCases.map(\.rawValue).joined(separator: ", ")))")
          }
          kinds.insert(k)
        }
      }
      let log = try LogReader.read(path, lossKey: lossKey, lrKey: lrKey, stepKey: stepKey)
      let verdicts = Diagnoser.diagnose(log)
      switch format {
      case .json: out.write(DiagnosisReport.json(log, verdicts).serialized() + "\n")
      case .text: out.write(DiagnosisReport.text(log, verdicts, color: isatty(STDOUT_FILENO) != 0) + "\n")
      }
      if let svg {
        let chart = DiagnosisReport.svg(log, verdicts)
        guard FileManager.default.createFile(atPath: svg, contents: Data(chart.utf8)) else {
          throw CLIError("--svg '\(svg)': cannot be written")
        }
      }
      failing = verdicts.contains { kinds.contains($0.kind) }
    }
    if failing { throw ExitCode(2) }
  }
}

/// Renders a diagnosis as text, JSON or an annotated SVG chart.
enum DiagnosisReport {
  static func json(_ log: TrainingLog, _ verdicts: [Verdict]) -> JSONValue {
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
    ])
  }

  static func text(_ log: TrainingLog, _ verdicts: [Verdict], color: Bool) -> String {
    var lines: [String] = []
    let loss = log.series["loss"] ?? log.series["eval_loss"]
    lines.append("\(log.path) — \(log.format), \(loss?.count ?? 0) loss points, series: \(log.series.keys.sorted().joined(separator: ", "))")
    for note in log.notes { lines.append("  note: \(note)") }
    lines.append("")
    for v in verdicts {
      let head = "\(v.kind.rawValue.uppercased())  steps \(v.startStep)–\(v.endStep)  confidence \(Int((v.confidence * 100).rounded()))%"
      let bold = color ? "\u{1B}[1m" + head + "\u{1B}[0m" : head
      lines.append(bold)
      lines.append("  evidence: \(v.evidence)")
      lines.append("  advice:   \(v.advice)")
    }
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

  static func svg(_ log: TrainingLog, _ verdicts: [Verdict]) -> String {
    var series: [SVGChart.Series] = []
    if let l = log.series["loss"] { series.append(.init(name: "training loss", x: l.steps.map(Double.init), y: l.values)) }
    if let e = log.series["eval_loss"] { series.append(.init(name: "validation loss", x: e.steps.map(Double.init), y: e.values)) }
    let values = series.flatMap(\.y).filter { $0.isFinite && $0 > 0 }
    var chart = SVGChart(series: series, title: "Diagnosis: " + verdicts.map(\.kind.rawValue).joined(separator: ", "),
                         xLabel: "step", yLabel: "loss (nats)")
    if let mx = values.max(), let mn = values.min(), mx / mn > 20 { chart.logY = true }
    chart.regions = verdicts.filter { $0.kind != .healthy }.map {
      .init(from: Double($0.startStep), to: Double($0.endStep), label: $0.kind.rawValue)
    }
    return chart.render()
  }
}
