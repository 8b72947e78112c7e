import LRSupport

/// A scheduler written as a class to instantiate, as Hydra (`_target_`) and LightningCLI /
/// jsonargparse (`class_path` with `init_args`) configs write it: the Python class or function,
/// its keyword arguments, and the learning rate in the optimizer's node beside it.
///
/// ```yaml
/// optimizer: {_target_: torch.optim.Adam, _partial_: true, lr: 0.001}
/// scheduler: {_target_: torch.optim.lr_scheduler.CosineAnnealingLR, _partial_: true, T_max: 100}
/// # or, LightningCLI:
/// optimizer: {class_path: torch.optim.Adam, init_args: {lr: 0.001}}
/// lr_scheduler: {class_path: torch.optim.lr_scheduler.CosineAnnealingLR, init_args: {T_max: 100}}
/// ```
/// both read as `{"type": "torch.optim.lr_scheduler.CosineAnnealingLR", "T_max": 100, "lr": 0.001}`.
/// The scheduler is the node itself (a scheduler's own config), or its `scheduler` or
/// `lr_scheduler` section at the top level, under `model`, or under `model.init_args`. A module
/// path (`timm.scheduler.cosine_lr.CosineLRScheduler`,
/// `transformers.optimization.get_cosine_schedule_with_warmup`) is read as the type it exports.
struct InstantiatedScheduler {
  /// The spec with a `type`.
  let spec: JSONValue
  /// What was read differently from the file, each naming its field.
  let notes: [String]

  /// Hydra's bookkeeping keys, which are not the scheduler's arguments.
  static let hydraKeys: Set<String> = ["_target_", "_partial_", "_recursive_", "_convert_"]

  /// The scheduler to instantiate in `json`, or nil when `json` holds none.
  init?(_ json: JSONValue) throws(ScheduleError) {
    guard case .object = json, json["type"] == nil else { return nil }
    var found: (node: JSONValue, optimizer: JSONValue?, path: String)?
    search: for prefix in [[], ["model"], ["model", "init_args"]] {
      var base: JSONValue? = json
      for key in prefix { base = base?[key] }
      guard let base else { continue }
      for section in ["scheduler", "lr_scheduler"] {
        if let node = base[section], Self.target(of: node) != nil {
          found = (node, base["optimizer"], (prefix + [section]).joined(separator: "."))
          break search
        }
      }
    }
    if found == nil, Self.target(of: json) != nil { found = (json, nil, "") }
    guard let (node, optimizer, path) = found, let target = Self.target(of: node),
      case .object(let pairs) = node
    else { return nil }
    func field(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }
    var notes: [String] = []
    var arguments: [(key: String, value: JSONValue)]
    let hydra = node["_target_"] != nil
    if hydra {
      if let args = node["_args_"] {
        throw .invalidValue(field: field("_args_"), value: args.serialized(),
                            reason: "positional arguments cannot be matched to the scheduler's parameters; give them by name")
      }
      arguments = pairs.filter { !Self.hydraKeys.contains($0.key) }
    } else {
      switch node["init_args"] {
      case nil, .null?: arguments = []
      case .object(let kw)?: arguments = kw
      case let other?: throw .wrongType(field: field("init_args"), expected: "an object", found: other.typeName)
      }
      // Lightning's own settings beside the class (`monitor`, `interval`, …) are not its arguments.
      for (key, _) in pairs where key != "class_path" && key != "init_args" {
        notes.append("field '\(field(key))': not an argument of the scheduler, set aside")
      }
    }
    guard let type = Self.type(of: target) else {
      throw .invalidValue(field: field(hydra ? "_target_" : "class_path"), value: "'\(target)'",
                          reason: "not a schedule LRKit knows (`lrkit types` lists them)")
    }
    if type != target { notes.insert("field '\(field(hydra ? "_target_" : "class_path"))': '\(target)' read as '\(type)'", at: 0) }
    arguments.insert(("type", .string(type)), at: 0)
    // PyTorch, timm, transformers and DeepSpeed schedulers take the learning rate from the optimizer.
    let takesOptimizerLR = ["torch.", "timm.", "transformers.", "deepspeed."].contains { type.hasPrefix($0) }
    let optimizerPath = path.split(separator: ".").dropLast().map(String.init) + ["optimizer"]
    if takesOptimizerLR, !arguments.contains(where: { $0.key == "lr" }), let optimizer {
      let (lr, lrField): (JSONValue?, String) = optimizer["init_args"] != nil
        ? (optimizer["init_args"]?["lr"], "init_args.lr") : (optimizer["lr"], "lr")
      if case .number(let value, _)? = lr {
        arguments.append(("lr", .double(value)))
        notes.append("field '\((optimizerPath + [lrField]).joined(separator: "."))': lr \(value), the optimizer's learning rate")
      }
    }
    spec = .object(arguments)
    self.notes = notes
  }

  /// The class or function a node names: Hydra's `_target_` or jsonargparse's `class_path`.
  static func target(of json: JSONValue) -> String? {
    if case .string(let t)? = json["_target_"] { return t }
    if case .string(let t)? = json["class_path"] { return t }
    return nil
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
