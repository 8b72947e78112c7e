import LRSupport
import ArgumentParser
import Foundation
import LROptimizers
import LRPlot
import LRSchedules
import LRTraining

/// Set by SIGINT/SIGTERM: finish the current update, checkpoint, stop.
nonisolated(unsafe) var stopRequested = false

/// `lrkit train`: train an MLP on digits or a character GPT on tiny Shakespeare.
struct Train: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Train an MLP on digits or a character GPT on tiny Shakespeare, with any schedule.",
    discussion: """
      Writes a run directory (--out): config.json, log.jsonl (step, lr, loss, grad_norm per update;
      eval_loss and eval_accuracy lines), checkpoint.json and summary.json. Ctrl-C or a kill
      (SIGTERM) finishes the current update and checkpoints; --resume DIR continues bit for bit.
      A NaN or infinite loss or gradient stops the run and the summary says "diverged".
      """)

  /// The tasks.
  enum Task: String, ExpressibleByArgument, CaseIterable { case digits, shakespeare }
  /// LayerNorm placement.
  enum Norm: String, ExpressibleByArgument, CaseIterable {
    case preLN = "pre-ln", postLN = "post-ln"
  }

  @Option(help: "digits (MLP classifier) or shakespeare (character GPT).") var task: Task = .digits
  @Option(help: "MLP hidden widths, comma separated (digits).") var hidden: String = "128"
  @Option(help: "GPT blocks.") var layers: Int = 4
  @Option(help: "GPT width.") var width: Int = 128
  @Option(help: "GPT attention heads.") var heads: Int = 4
  @Option(help: "GPT context length.") var context: Int = 64
  @Option(help: "pre-ln or post-ln.") var norm: Norm = .preLN
  @Option(help: "Dropout probability (GPT).") var dropout: Float = 0
  @Option(help: "sgd, adam, adamw or radam.") var optimizer: String = "adamw"
  @Option(help: "Learning rate of the constant schedule used without --schedule.") var lr: Double = 1e-3
  @Option(help: "Momentum (SGD).") var momentum: Double = 0
  @Flag(help: "Nesterov momentum (SGD).") var nesterov = false
  @Option(help: "Adam β1.") var beta1: Double = 0.9
  @Option(help: "Adam β2.") var beta2: Double = 0.999
  @Option(help: "Adam ε.") var eps: Double = 1e-8
  @Option(help: "Weight decay (default: the optimizer's).") var weightDecay: Double?
  @Option(help: "Schedule: a spec file, or a native spec inline ('{\"type\": \"cosine\", …}').") var schedule: String?
  @Option(help: "Optimizer updates.") var steps: Int?
  @Option(help: "Epochs over the training set (digits; sets --steps).") var epochs: Int?
  @Option(help: "Examples or sequences per update.") var batchSize: Int?
  @Option(help: "Seed for initialisation, batches and dropout.") var seed: UInt64 = 0
  @Option(help: "Updates between evaluations.") var evalEvery: Int = 100
  @Option(help: "Validation batches per evaluation (shakespeare).") var evalBatches: Int = 20
  @Option(help: "Clip gradients to this global norm.") var clip: Double?
  @Option(help: "Updates between checkpoints (0: at the end and on interruption).") var checkpointEvery: Int = 0
  @Option(help: "Run directory to write.") var out: String?
  @Option(help: "Run directory to resume.") var resume: String?
  @Flag(help: "Exit with status 3 when the run diverges.") var failOnDivergence = false
  @Flag(help: "No progress output.") var quiet = false

  func makeConfig() throws -> TrainConfig {
    var c = TrainConfig(task: task == .digits ? .digits : .shakespeare)
    let widths = hidden.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
    guard widths.allSatisfy({ $0 != nil }) else { throw CLIError("--hidden '\(hidden)': expected widths like 128 or 256,128") }
    c.hidden = widths.compactMap { $0 }
    c.gpt = GPTConfig(context: context, layers: layers, channels: width, heads: heads,
                      norm: norm == .preLN ? .preLN : .postLN, dropout: dropout)
    c.optimizer = OptimizerConfigurationJSON(kind: optimizer, momentum: momentum, nesterov: nesterov,
                                             betas: (beta1, beta2), eps: eps, weightDecay: weightDecay)
    c.lr = lr
    if let schedule {
      let trimmed = schedule.trimmingCharacters(in: .whitespaces)
      c.schedule = trimmed.hasPrefix("{") ? try JSONValue.parse(trimmed) : try SpecLoading.spec(schedule)
    }
    if let batchSize { c.batchSize = batchSize }
    if let epochs {
      guard task == .digits else { throw CLIError("--epochs is for digits; use --steps") }
      guard epochs >= 1 else { throw CLIError("--epochs must be at least 1") }
      c.steps = epochs * ((1437 + c.batchSize - 1) / max(c.batchSize, 1))
    }
    if let steps { c.steps = steps }
    c.seed = seed
    c.evalEvery = evalEvery
    c.evalBatches = evalBatches
    c.clipNorm = clip
    c.checkpointEvery = checkpointEvery
    return c
  }

  func run() throws {
    var diverged = false
    try reportingErrors {
      let trainer: Trainer
      if let resume {
        trainer = try Trainer.resume(resume)
      } else {
        trainer = try Trainer(config: try makeConfig(), run: out.map(RunDirectory.init(path:)))
      }
      signal(SIGINT) { _ in stopRequested = true }
      signal(SIGTERM) { _ in stopRequested = true }
      let total = trainer.config.steps
      let interactive = isatty(STDERR_FILENO) != 0
      let every = max(1, total / 20)
      let start = Date()
      var items = 0
      let first = trainer.step
      let summary = try trainer.train(progress: { r in
        guard !quiet else { return }
        items += r.items
        let elapsed = Date().timeIntervalSince(start)
        let rate = Double(items) / max(elapsed, 1e-9)
        let left = Double(total - r.step - 1) * elapsed / Double(max(r.step + 1 - first, 1))
        let unit = trainer.config.task == .digits ? "ex/s" : "tok/s"
        var text = "step \(r.step + 1)/\(total)  lr \(Ticks.label(r.lr))  loss \(String(format: "%.4f", r.loss))"
        if let e = r.evalLoss { text += "  eval \(String(format: "%.4f", e))" }
        if let a = r.evalAccuracy { text += "  acc \(String(format: "%.1f%%", a * 100))" }
        text += "  \(String(format: "%.0f", rate)) \(unit)  left \(Int(left))s"
        if interactive {
          FileHandle.standardError.write(Data("\r\u{1B}[K\(text)".utf8))
        } else if (r.step + 1) % every == 0 || r.evalLoss != nil {
          FileHandle.standardError.write(Data("\(text)\n".utf8))
        }
      }, shouldStop: { stopRequested })
      if interactive && !quiet { FileHandle.standardError.write(Data("\n".utf8)) }
      var line = "\(summary.status): \(summary.steps) steps"
      if let l = summary.finalLoss { line += ", final loss \(String(format: "%.4f", l))" }
      if let e = summary.evalLoss { line += ", eval loss \(String(format: "%.4f", e))" }
      if let a = summary.evalAccuracy { line += ", eval accuracy \(String(format: "%.2f%%", a * 100))" }
      if let c = summary.cause { line += " (\(c))" }
      print(line)
      diverged = summary.status == "diverged"
    }
    if diverged && failOnDivergence { throw ExitCode(3) }
  }
}

