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
      Writes a run directory (--out, default runs/TASK-DATE-TIME): config.json, log.jsonl (step, \
      lr, loss, grad_norm per update; eval_loss and eval_accuracy lines), checkpoint.json and \
      summary.json. Ctrl-C or a kill (SIGTERM) finishes the current update and checkpoints; \
      --resume DIR continues bit for bit. A NaN or infinite loss or gradient stops the run and the \
      summary says "diverged".

      Exit status: 0 completed (or diverged without --fail-on-divergence), 1 bad input, 3 \
      diverged with --fail-on-divergence, 130 interrupted (checkpointed; --resume continues).

      Examples:
        lrkit train --task digits --optimizer sgd --momentum 0.9 --lr 0.1 --batch-size 64 --epochs 10 --out runs/digits
        lrkit train --task shakespeare --norm pre-ln --steps 2000 --schedule '{"type": "cosine", "lr": 1e-3, "steps": 2000, "warmup": 100}'
        lrkit train --resume runs/digits
      """)

  /// The tasks.
  enum Task: String, ExpressibleByArgument, CaseIterable { case digits, shakespeare }
  /// LayerNorm placement.
  enum Norm: String, ExpressibleByArgument, CaseIterable {
    case preLN = "pre-ln", postLN = "post-ln"
  }

  @Option(help: "digits (MLP classifier) or shakespeare (character GPT).") var task: Task = .digits
  @Option(help: "MLP hidden widths, comma separated (digits).") var hidden: String = "128"
  @Option(parsing: .unconditional, help: "GPT blocks.") var layers: Int = 4
  @Option(parsing: .unconditional, help: "GPT width.") var width: Int = 128
  @Option(parsing: .unconditional, help: "GPT attention heads.") var heads: Int = 4
  @Option(parsing: .unconditional, help: "GPT context length.") var context: Int = 64
  @Option(help: "pre-ln or post-ln.") var norm: Norm = .preLN
  @Option(parsing: .unconditional, help: "Dropout probability (GPT).") var dropout: Float = 0
  @Option(help: "sgd, adam, adamw or radam.") var optimizer: String = "adamw"
  @Option(parsing: .unconditional, help: "Learning rate of the constant schedule used without --schedule.") var lr: Double = 1e-3
  @Option(parsing: .unconditional, help: "Momentum (SGD).") var momentum: Double = 0
  @Flag(help: "Nesterov momentum (SGD).") var nesterov = false
  @Option(parsing: .unconditional, help: "Adam β1.") var beta1: Double = 0.9
  @Option(parsing: .unconditional, help: "Adam β2.") var beta2: Double = 0.999
  @Option(parsing: .unconditional, help: "Adam ε.") var eps: Double = 1e-8
  @Option(parsing: .unconditional, help: "Weight decay (default: the optimizer's).") var weightDecay: Double?
  @Option(help: "Schedule: a spec file, or a native spec inline ('{\"type\": \"cosine\", …}').") var schedule: String?
  @Option(parsing: .unconditional, help: "Optimizer updates.") var steps: Int?
  @Option(parsing: .unconditional, help: "Epochs over the training set (digits; sets --steps).") var epochs: Int?
  @Option(parsing: .unconditional, help: "Examples or sequences per update.") var batchSize: Int?
  @Option(parsing: .unconditional, help: ArgumentHelp(
    "Shards each GPT batch is cut into (shakespeare; at most the batch; default 2).",
    discussion: "Each shard runs its own forward and backward pass; the gradients are added in a fixed order. Changes the last bits of a run like the batch size does; the thread count never does. Use at least as many shards as cores."))
  var shards: Int?
  @Option(parsing: .unconditional, help: ArgumentHelp(
    "Threads to train on (default: the machine's cores).",
    discussion: "Only the speed changes: the run's bits are the same for every thread count."))
  var threads: Int?
  @Option(parsing: .unconditional, help: "Seed for initialisation, batches and dropout: 0...9007199254740991 (2^53 − 1), which config.json stores exactly.") var seed: UInt64 = 0
  @Option(parsing: .unconditional, help: "Updates between evaluations.") var evalEvery: Int = 100
  @Option(parsing: .unconditional, help: "Validation batches per evaluation (shakespeare).") var evalBatches: Int = 20
  @Option(parsing: .unconditional, help: "Clip gradients to this global norm.") var clip: Double?
  @Option(parsing: .unconditional, help: "Updates between checkpoints (0: at the end and on interruption).") var checkpointEvery: Int = 0
  @Option(help: "Run directory to write (default: runs/TASK-DATE-TIME).") var out: String?
  @Option(help: "Run directory to resume; with --steps, extends a run whose schedule has no planned length.")
  var resume: String?
  @Flag(help: "Exit with status 3 when the run diverges.") var failOnDivergence = false
  @Flag(help: "No progress output.") var quiet = false

  /// Range checks of the flags that the configuration does not check itself, naming the flag.
  func validate() throws {
    func check(_ ok: Bool, _ flag: String, _ value: Any, _ reason: String) throws {
      if !ok { throw ValidationError("--\(flag) \(value): \(reason)") }
    }
    try check(lr.isFinite && lr >= 0, "lr", lr, "a learning rate must be a finite number ≥ 0")
    try check(momentum.isFinite && momentum >= 0, "momentum", momentum, "must be ≥ 0")
    try check(beta1 >= 0 && beta1 < 1, "beta1", beta1, "must be in [0, 1)")
    try check(beta2 >= 0 && beta2 < 1, "beta2", beta2, "must be in [0, 1)")
    try check(eps.isFinite && eps >= 0, "eps", eps, "must be ≥ 0")
    if let weightDecay { try check(weightDecay.isFinite && weightDecay >= 0, "weight-decay", weightDecay, "must be ≥ 0") }
    try check(dropout >= 0 && dropout < 1, "dropout", dropout, "is a probability in [0, 1)")
    for (flag, v) in [("layers", layers), ("width", width), ("heads", heads), ("context", context)] {
      try check(v >= 1, flag, v, "must be at least 1")
    }
    if let steps { try check(steps >= 1, "steps", steps, "must be at least 1") }
    if let batchSize { try check(batchSize >= 1, "batch-size", batchSize, "must be at least 1") }
    if let threads { try check(threads >= 1 && threads <= 1024, "threads", threads, "must be in 1...1024") }
    if let shards { try check(shards >= 1 && shards <= 4096, "shards", shards, "must be in 1...4096") }
    try check(evalEvery >= 0, "eval-every", evalEvery, "must be ≥ 0 (0: only at the end)")
    try check(evalBatches >= 1, "eval-batches", evalBatches, "must be at least 1")
    if let clip { try check(clip.isFinite && clip > 0, "clip", clip, "must be a positive norm") }
    try check(checkpointEvery >= 0, "checkpoint-every", checkpointEvery, "must be ≥ 0")
    if resume != nil && out != nil {
      throw ValidationError("--resume continues the run in its own directory; leave out --out")
    }
  }

  func makeConfig() throws -> TrainConfig {
    var c = TrainConfig(task: task == .digits ? .digits : .shakespeare)
    let parts = hidden.split(separator: ",", omittingEmptySubsequences: false)
      .map { $0.trimmingCharacters(in: .whitespaces) }
    let widths = parts.map { Int($0) }
    guard !hidden.trimmingCharacters(in: .whitespaces).isEmpty, widths.allSatisfy({ ($0 ?? 0) >= 1 }) else {
      throw CLIError("--hidden '\(hidden)': expected one or more positive widths like 128 or 256,128")
    }
    c.hidden = widths.compactMap { $0 }
    c.gpt = GPTConfig(context: context, layers: layers, channels: width, heads: heads,
                      norm: norm == .preLN ? .preLN : .postLN, dropout: dropout)
    c.optimizer = OptimizerConfigurationJSON(kind: optimizer, momentum: momentum, nesterov: nesterov,
                                             betas: (beta1, beta2), eps: eps, weightDecay: weightDecay)
    c.lr = lr
    if let schedule {
      let trimmed = schedule.trimmingCharacters(in: .whitespaces)
      c.schedule = trimmed.hasPrefix("{") ? try ScheduleSpec.parseJSON(trimmed) : try SpecLoading.spec(schedule)
      // A spec file's decoding errors name the file (the run decodes it again when it starts).
      if !trimmed.hasPrefix("{"), let json = c.schedule { _ = try SpecLoading.decode(json, from: schedule) }
    }
    if let batchSize { c.batchSize = batchSize }
    if let shards {
      guard task != .digits else { throw CLIError("--shards is for shakespeare (the GPT); the digits MLP is not sharded") }
      c.shards = shards
    }
    if let epochs {
      guard task == .digits else { throw CLIError("--epochs is for digits; use --steps") }
      guard epochs >= 1, epochs <= 1_000_000 else { throw CLIError("--epochs must be in 1...1000000, got \(epochs)") }
      // ⌈1437 / b⌉ without forming 1437 + b − 1; the batch size's own range is checked with the
      // rest of the configuration.
      let b = max(c.batchSize, 1)
      c.steps = epochs * (1437 / b + (1437 % b > 0 ? 1 : 0))
    }
    if let steps { c.steps = steps }
    c.seed = seed
    c.evalEvery = evalEvery
    c.evalBatches = evalBatches
    c.clipNorm = clip
    c.checkpointEvery = checkpointEvery
    return c
  }

  /// `runs/TASK-YYYYMMDD-HHMMSS` in the current directory, for runs started without --out.
  func defaultRunDirectory() -> String {
    var t = time(nil)
    var parts = tm()
    localtime_r(&t, &parts)
    let stamp = String(format: "%04d%02d%02d-%02d%02d%02d", parts.tm_year + 1900, parts.tm_mon + 1,
                       parts.tm_mday, parts.tm_hour, parts.tm_min, parts.tm_sec)
    return "runs/\(task.rawValue)-\(stamp)"
  }

  func run() throws {
    var diverged = false
    var interrupted = false
    try reportingErrors {
      if let threads { GEMM.threads = threads }
      let trainer: Trainer
      if let resume {
        trainer = try Trainer.resume(resume, steps: steps)
      } else {
        let directory = out ?? defaultRunDirectory()
        if out == nil { Output.note("writing the run to \(directory) (--out DIR chooses)") }
        trainer = try Trainer(config: try makeConfig(), run: RunDirectory(path: directory))
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
      var line = "\(summary.status.rawValue): \(summary.steps) steps"
      if let l = summary.finalLoss { line += ", final loss \(String(format: "%.4f", l))" }
      if let e = summary.evalLoss { line += ", eval loss \(String(format: "%.4f", e))" }
      if let a = summary.evalAccuracy { line += ", eval accuracy \(String(format: "%.2f%%", a * 100))" }
      if let c = summary.cause { line += " (\(c))" }
      print(line)
      diverged = summary.status == .diverged
      interrupted = summary.status == .interrupted
    }
    if interrupted { throw ExitCode(130) }
    if diverged && failOnDivergence { throw ExitCode(3) }
  }
}

