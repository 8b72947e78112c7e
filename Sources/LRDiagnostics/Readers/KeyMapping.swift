/// Maps a framework's metric names onto LRKit's canonical names.
struct KeyMapping: Sendable {
  /// User overrides (`--loss-key`, `--lr-key`, `--step-key`).
  var loss: String?
  var lr: String?
  var step: String?
  /// Which overrides matched a key of the log, so an override that matches nothing is an error
  /// instead of being ignored.
  let used = OverrideUse()

  /// Records which user overrides a reader met.
  final class OverrideUse: @unchecked Sendable {
    var loss = false
    var lr = false
    var step = false
  }

  /// The canonical name for `key`, or the key itself. With an override for a role, the
  /// default names of that role keep their own names.
  func canonical(_ key: String) -> String {
    if let loss, key == loss {
      used.loss = true
      return "loss"
    }
    if let lr, key == lr {
      used.lr = true
      return "lr"
    }
    let role = defaultRole(key)
    if role == "loss" && loss != nil { return key == "loss" ? "loss (not --loss-key)" : key }
    if role == "lr" && lr != nil { return key == "lr" ? "lr (not --lr-key)" : key }
    return role
  }

  func defaultRole(_ key: String) -> String {
    let k = key.lowercased()
    switch k {
    case "loss", "train_loss", "train/loss", "training_loss", "train_loss_step", "loss/train",
      "trainer/loss", "objective", "batch/loss":
      return "loss"
    case "learning_rate", "lr", "train/learning_rate", "train/lr":
      return "lr"
    case "grad_norm", "train/grad_norm", "gradient_norm", "grad-norm":
      return "grad_norm"
    case "eval_loss", "val_loss", "eval/loss", "validation_loss", "loss/test", "loss/val", "val/loss",
      "valid_loss", "test_loss", "val_loss_epoch", "loss/validation", "loss/valid", "validation/loss",
      "valid/loss", "test/loss", "epoch/val_loss":
      return "eval_loss"
    case "eval_accuracy", "val_acc", "val_accuracy", "eval/accuracy", "eval_acc", "epoch/val_accuracy":
      return "eval_accuracy"
    default:
      // Lightning's LearningRateMonitor: lr-AdamW, lr-AdamW/pg1 (the first group only).
      if (k.hasPrefix("lr-") || k.hasPrefix("lr/")) && (!k.contains("/pg") || k.hasSuffix("/pg1")) {
        return "lr"
      }
      return key
    }
  }

  /// Whether `key` names the step column.
  func isStep(_ key: String) -> Bool { stepRank(key) != nil }

  /// How good a step column `key` is, or nil when it is not one: `--step-key` (3); the step
  /// metric the Hugging Face and Lightning W&B loggers log with every row, `train/global_step`
  /// and `trainer/global_step` (2); the usual names (1); W&B's `_step` (0), which counts `log`
  /// calls, so that a W&B history export is read on the training step when it has one.
  func stepRank(_ key: String) -> Int? {
    if let step {
      if key == step { used.step = true }
      return key == step ? 3 : nil
    }
    let k = key.lowercased()
    if k == "train/global_step" || k == "trainer/global_step" { return 2 }
    if k == "_step" { return 0 }
    return ["step", "global_step", "iter", "iteration", "it", "steps"].contains(k) ? 1 : nil
  }
}
