import Foundation
import LRSupport
import Testing

@testable import LRSchedules

/// Found with real configs (Hydra projects such as the Lightning–Hydra template, and
/// LightningCLI configs): their schedulers are `_target_` or `class_path` nodes beside an
/// `optimizer` node holding the lr, which LRKit refused for want of a `"type"`.
@Suite("Hydra and LightningCLI schedulers read as their types")
struct InstantiatedSchedulerTests {
  /// Where each peer's classes and functions live in its package, as a `_target_` names them.
  static func modulePath(_ type: String) -> String {
    let timmModules = [
      "CosineLRScheduler": "cosine_lr", "StepLRScheduler": "step_lr", "MultiStepLRScheduler": "multistep_lr",
      "PlateauLRScheduler": "plateau_lr", "PolyLRScheduler": "poly_lr", "TanhLRScheduler": "tanh_lr",
    ]
    let name = String(type.split(separator: ".").last ?? "")
    if type.hasPrefix("timm.scheduler."), let module = timmModules[name] { return "timm.scheduler.\(module).\(name)" }
    if type.hasPrefix("transformers.get_") { return "transformers.optimization.\(name)" }
    return type
  }

  /// `spec` as a Hydra model config: its lr in an `optimizer` node, the rest in a `scheduler`
  /// node whose `_target_` is the module path.
  static func hydra(_ spec: JSONValue) -> JSONValue? {
    guard case .object(let pairs) = spec, case .string(let type)? = spec["type"],
      case .number? = spec["lr"]
    else { return nil }
    let rest = pairs.filter { $0.key != "type" && $0.key != "lr" }
    return .object([
      ("_target_", .string("src.models.module.LitModule")),
      ("optimizer", .object([("_target_", .string("torch.optim.SGD")), ("_partial_", .bool(true)), ("lr", spec["lr"]!)])),
      ("scheduler", .object([("_target_", .string(modulePath(type))), ("_partial_", .bool(true))] + rest)),
    ])
  }

  /// `spec` as a LightningCLI config: `optimizer` and `lr_scheduler` with `class_path` and
  /// `init_args`, under `model.init_args` when `nested`.
  static func lightningCLI(_ spec: JSONValue, nested: Bool) -> JSONValue? {
    guard case .object(let pairs) = spec, case .string(let type)? = spec["type"],
      case .number? = spec["lr"]
    else { return nil }
    let rest = pairs.filter { $0.key != "type" && $0.key != "lr" }
    let sections: JSONValue = .object([
      ("optimizer", .object([("class_path", .string("torch.optim.AdamW")), ("init_args", .object([("lr", spec["lr"]!)]))])),
      ("lr_scheduler", .object([("class_path", .string(modulePath(type))), ("init_args", .object(rest))])),
    ])
    if !nested { return sections }
    return .object([("seed_everything", .int(42)),
                    ("model", .object([("class_path", .string("my.Model")), ("init_args", sections)]))])
  }

  @Test("every torch, timm and transformers parity case gives the same bits written for Hydra")
  func parityCasesAsHydra() throws {
    var compared = 0
    for library in ["torch", "timm", "transformers"] {
      for c in Fixtures.cases(library) where c.metrics == nil {
        guard let hydra = Self.hydra(c.spec), let direct = try? ScheduleSpec.decode(c.spec) else { continue }
        let viaHydra = try ScheduleSpec.decode(hydra)
        let n = max(c.numSteps, 1)
        let a = try direct.curve(steps: n).lr, b = try viaHydra.curve(steps: n).lr
        #expect(zip(a, b).allSatisfy { $0.bitPattern == $1.bitPattern || ($0.isNaN && $1.isNaN) }, "\(c.testDescription)")
        #expect(viaHydra.warnings.contains { (w: String) in w.hasPrefix("field 'optimizer.lr': lr ") }, "\(viaHydra.warnings)")
        compared += 1
      }
    }
    #expect(compared > 100, "only \(compared) cases")
  }

  @Test("and written for LightningCLI, at the top level and under model.init_args")
  func parityCasesAsLightningCLI() throws {
    var compared = 0
    for library in ["torch", "timm", "transformers"] {
      for c in Fixtures.cases(library) where c.metrics == nil {
        guard let direct = try? ScheduleSpec.decode(c.spec) else { continue }
        for nested in [false, true] {
          guard let config = Self.lightningCLI(c.spec, nested: nested) else { continue }
          let viaCLI = try ScheduleSpec.decode(config)
          let n = max(c.numSteps, 1)
          let a = try direct.curve(steps: n).lr, b = try viaCLI.curve(steps: n).lr
          #expect(zip(a, b).allSatisfy { $0.bitPattern == $1.bitPattern || ($0.isNaN && $1.isNaN) }, "\(c.testDescription)")
          let lrField = nested ? "model.init_args.optimizer.init_args.lr" : "optimizer.init_args.lr"
          #expect(viaCLI.warnings.contains { (w: String) in w.hasPrefix("field '\(lrField)': lr ") }, "\(viaCLI.warnings)")
          compared += 1
        }
      }
    }
    #expect(compared > 200, "only \(compared) cases")
  }

  @Test("LightningCLI: Lightning's own keys beside the class are set aside, and said so")
  func lightningKeys() throws {
    let d = try ScheduleSpec.decode(text: """
      {"optimizer": {"class_path": "torch.optim.Adam", "init_args": {"lr": 0.01}},
       "lr_scheduler": {"class_path": "torch.optim.lr_scheduler.ExponentialLR", "init_args": {"gamma": 0.5}, "monitor": "val/loss"}}
      """)
    #expect(try d.curve(steps: 3).lr == [0.01, 0.005, 0.0025])
    #expect(d.warnings == ["field 'lr_scheduler.monitor': not an argument of the scheduler, set aside",
                           "field 'optimizer.init_args.lr': lr 0.01, the optimizer's learning rate"])
    // A placeholder lr (a template's $TARGET_LR) is no number: the type asks for its lr.
    let placeholder = #"{"optimizer": {"class_path": "torch.optim.AdamW", "init_args": {"lr": "$TARGET_LR"}}, "lr_scheduler": {"class_path": "torch.optim.lr_scheduler.StepLR", "init_args": {"step_size": 2}}}"#
    #expect(throws: ScheduleError.self) { try ScheduleSpec.decode(text: placeholder) }
    #expect(throws: ScheduleError.self) {
      try ScheduleSpec.decode(text: #"{"lr_scheduler": {"class_path": "torch.optim.lr_scheduler.StepLR", "init_args": [2]}}"#)
    }
  }

  @Test("a scheduler's own config, a model config and a composed run config")
  func placements() throws {
    let own = try ScheduleSpec.decode(text: #"{"_target_": "torch.optim.lr_scheduler.StepLR", "_partial_": true, "lr": 0.1, "step_size": 2, "gamma": 0.5}"#)
    #expect(try own.curve(steps: 5).lr == [0.1, 0.1, 0.05, 0.05, 0.025])
    let composed = try ScheduleSpec.decode(text: """
      {"trainer": {"max_epochs": 10}, "model": {"_target_": "src.models.mnist_module.MNISTLitModule",
       "optimizer": {"_target_": "torch.optim.Adam", "_partial_": true, "lr": 0.001, "weight_decay": 0.0},
       "scheduler": {"_target_": "torch.optim.lr_scheduler.ReduceLROnPlateau", "_partial_": true, "mode": "min",
                     "factor": 0.1, "patience": 10}}}
      """)
    #expect(composed.type == "torch.optim.lr_scheduler.ReduceLROnPlateau" && composed.needsMetrics)
    #expect(composed.warnings == ["field 'model.optimizer.lr': lr 0.001, the optimizer's learning rate"])
    let timm = try ScheduleSpec.decode(text: """
      {"optimizer": {"_target_": "torch.optim.adamw.AdamW", "lr": 0.001},
       "scheduler": {"_target_": "timm.scheduler.cosine_lr.CosineLRScheduler", "_partial_": true, "t_initial": 10,
                     "noise_range_t": null, "k_decay": 1.0}}
      """)
    #expect(timm.warnings.first == "field 'scheduler._target_': 'timm.scheduler.cosine_lr.CosineLRScheduler' read as 'timm.scheduler.CosineLRScheduler'")
    #expect(try timm.curve(steps: 2).lr == [0.001, 0.0009755282581475768])
  }

  @Test("what cannot be read is refused, naming the field")
  func refused() {
    func error(_ text: String) -> String? {
      do {
        _ = try ScheduleSpec.decode(text: text)
        return nil
      } catch {
        return error.description
      }
    }
    #expect(error(#"{"scheduler": {"_target_": "my.project.WarmupScheduler", "warmup": 5}}"#)?
      .contains("scheduler._target_") == true)
    #expect(error(#"{"_target_": "torch.optim.lr_scheduler.StepLR", "_args_": [2], "lr": 0.1}"#)?
      .contains("_args_") == true)
    // A scheduler whose lr is nowhere: the type's own error.
    #expect(error(#"{"_target_": "torch.optim.lr_scheduler.StepLR", "step_size": 2}"#)?.contains("lr") == true)
    // A misspelt argument is refused as it is without Hydra.
    #expect(error(#"{"_target_": "torch.optim.lr_scheduler.StepLR", "lr": 0.1, "step_sise": 2}"#)?.contains("step_sise") == true)
  }

  /// Found looking for real `args.yaml` files: most on GitHub are Ultralytics YOLO's, which were
  /// refused only for want of a "type".
  @Test("an Ultralytics args.yaml is refused as what it is, never read as timm's")
  func ultralyticsArgs() {
    let yolo = #"{"task": "detect", "mode": "train", "epochs": 3000, "batch": 4, "optimizer": "SGD", "cos_lr": false, "lr0": 0.01, "lrf": 0.01, "momentum": 0.937, "warmup_epochs": 3.0, "warmup_bias_lr": 0.1, "nbs": 64}"#
    do {
      _ = try ScheduleSpec.decode(text: yolo)
      Issue.record("read an Ultralytics args.yaml")
    } catch {
      #expect(error.description.contains("field 'lr0'") && error.description.contains("Ultralytics YOLO args.yaml"), "\(error)")
    }
  }
}
