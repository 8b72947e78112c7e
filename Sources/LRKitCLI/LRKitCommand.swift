import ArgumentParser

/// The `lrkit` command line: learning-rate schedules you can see, test and trust.
public struct LRKitCommand: ParsableCommand {
  /// Subcommands and help.
  public static let configuration = CommandConfiguration(
    commandName: "lrkit",
    abstract: "Learning-rate schedules, exactly as every framework computes them.",
    discussion: """
      Specs are JSON or YAML objects with a "type": a native LRKit family (cosine, wsd, onecycle, …)
      or a peer API by its Python path (torch.optim.lr_scheduler.OneCycleLR, optax.join_schedules,
      transformers.get_scheduler, …) with that API's own parameter names. A Hugging Face / TRL
      training config (learning_rate, lr_scheduler_type, warmup_steps, …) is accepted too.
      """,
    subcommands: [Curve.self, Plot.self, Steps.self, Train.self, Diagnose.self, Compare.self, Sweep.self, FailureModes.self, Find.self, ReportCommand.self, Types.self, ResumeCheck.self, EvalBatch.self, OptimizerBatch.self, ReadLog.self])

  /// Creates the command.
  public init() {}
}
