import ArgumentParser
import LRSchedules

/// The `lrkit` command line: learning-rate schedules you can see, test and trust.
public struct LRKitCommand: ParsableCommand {
  /// Subcommands and help.
  public static let configuration = CommandConfiguration(
    commandName: "lrkit",
    abstract: "Learning-rate schedules, exactly as every framework computes them.",
    discussion: """
      Specs are JSON or YAML objects with a "type": a native LRKit family (cosine, wsd, onecycle, \
      …) or a peer API by its Python path (torch.optim.lr_scheduler.OneCycleLR, \
      optax.join_schedules, transformers.get_scheduler, …) with that API's own parameter names. A \
      Hugging Face / TRL training config (learning_rate, lr_scheduler_type, warmup_steps, …) is \
      accepted too. `lrkit types` lists every type; `lrkit types TYPE` shows one type's parameters.

      Exit status: 0 success; 1 an error (one line on standard error naming the file, flag or \
      field); 2 `diagnose --fail-on` matched; 3 a diverged run (`train --fail-on-divergence`, \
      `diagnose --follow`); 64 a command-line usage error; 130 `train` interrupted (checkpointed).

      Shell completions: `lrkit --generate-completion-script bash|zsh|fish`.
      """,
    version: LRKitVersion.current,
    subcommands: [CurveCommand.self, Plot.self, Steps.self, Train.self, Diagnose.self, Compare.self, Sweep.self, FailureModes.self, Find.self, ReportCommand.self, Types.self, ResumeCheck.self, EvalBatch.self, OptimizerBatch.self, ReadLog.self])

  /// Creates the command.
  public init() {}
}
