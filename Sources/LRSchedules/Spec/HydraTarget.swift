import LRSupport

/// A scheduler written for Hydra's `instantiate` (the Lightning–Hydra template and other Hydra
/// projects): `_target_` names the Python class or function, the other keys are its keyword
/// arguments, and the learning rate is the optimizer's, in the `optimizer` section beside it.
///
/// ```yaml
/// optimizer: {_target_: torch.optim.Adam, _partial_: true, lr: 0.001}
/// scheduler: {_target_: torch.optim.lr_scheduler.CosineAnnealingLR, _partial_: true, T_max: 100}
/// ```
/// reads as `{"type": "torch.optim.lr_scheduler.CosineAnnealingLR", "T_max": 100, "lr": 0.001}`.
/// The scheduler is found at the top level (a scheduler's own config), under `scheduler` (a
/// model config), or under `model.scheduler` (a composed run config, Hydra's `config.yaml`). A
/// `_target_` with the module path (`timm.scheduler.cosine_lr.CosineLRScheduler`,
/// `transformers.optimization.get_cosine_schedule_with_warmup`) is read as the type it exports.
struct HydraTarget {
  /// The spec with a `type`.
  let spec: JSONValue
  /// What was read differently from the file, each naming its field.
  let notes: [String]

  /// Hydra's bookkeeping keys, which are not the scheduler's arguments.
  static let hydraKeys: Set<String> = ["_target_", "_partial_", "_recursive_", "_convert_"]

  /// The Hydra scheduler in `json`, or nil when `json` is not one.
  init?(_ json: JSONValue) throws(ScheduleError) {
    guard case .object = json, json["type"] == nil else { return nil }
    var node = json
    var optimizer: JSONValue? = nil
    var path = ""
    if let s = json["scheduler"], Self.isTarget(s) {
      (node, optimizer, path) = (s, json["optimizer"], "scheduler.")
    } else if let s = json["model"]?["scheduler"], Self.isTarget(s) {
      (node, optimizer, path) = (s, json["model"]?["optimizer"], "model.scheduler.")
    } else if !Self.isTarget(json) {
      return nil
    }
    guard case .object(let pairs) = node, case .string(let target)? = node["_target_"] else { return nil }
    if let args = node["_args_"] {
      throw .invalidValue(field: path + "_args_", value: args.serialized(),
                          reason: "positional arguments cannot be matched to the scheduler's parameters; give them by name")
    }
    guard let type = Self.type(of: target) else {
      throw .invalidValue(field: path + "_target_", value: "'\(target)'",
                          reason: "not a schedule LRKit knows (`lrkit types` lists them)")
    }
    var notes: [String] = []
    if type != target { notes.append("field '\(path)_target_': '\(target)' read as '\(type)'") }
    var spec = pairs.filter { !Self.hydraKeys.contains($0.key) }
    spec.insert(("type", .string(type)), at: 0)
    // PyTorch, timm and transformers schedulers take the learning rate from the optimizer.
    let takesOptimizerLR = ["torch.", "timm.", "transformers."].contains { type.hasPrefix($0) }
    if takesOptimizerLR, node["lr"] == nil, case .number(let lr, _)? = optimizer?["lr"] {
      spec.append(("lr", .double(lr)))
      let field = path == "model.scheduler." ? "model.optimizer.lr" : "optimizer.lr"
      notes.append("field '\(field)': lr \(lr), the optimizer's learning rate")
    }
    self.spec = .object(spec)
    self.notes = notes
  }

  /// Whether `json` is an object with a string `_target_`.
  static func isTarget(_ json: JSONValue) -> Bool {
    if case .string? = json["_target_"] { return true }
    return false
  }

  /// The registered type for a Python path: itself, or with module components between the
  /// package and the name dropped (`timm.scheduler.cosine_lr.CosineLRScheduler` →
  /// `timm.scheduler.CosineLRScheduler`).
  static func type(of target: String) -> String? {
    if ScheduleSpec.registry[target] != nil { return target }
    let parts = target.split(separator: ".").map(String.init)
    guard parts.count > 2 else { return nil }
    for keep in stride(from: parts.count - 2, through: 1, by: -1) {
      let candidate = (parts[..<keep] + [parts[parts.count - 1]]).joined(separator: ".")
      if ScheduleSpec.registry[candidate] != nil { return candidate }
    }
    return nil
  }
}
