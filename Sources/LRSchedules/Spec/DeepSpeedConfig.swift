import LRSupport

/// A DeepSpeed configuration (`ds_config.json`) read as the scheduler its engine builds: the
/// `scheduler` section's `type` and `params`, with the `optimizer` section's `lr`.
///
/// ```json
/// {"optimizer": {"type": "AdamW", "params": {"lr": 3e-5}},
///  "scheduler": {"type": "WarmupDecayLR", "params": {"warmup_max_lr": 3e-5, "warmup_num_steps": 500, "total_num_steps": 10000}}}
/// ```
/// reads as `{"type": "deepspeed.runtime.lr_schedules.WarmupDecayLR", …params, "lr": 3e-5}`. As in
/// `DeepSpeedEngine._scheduler_from_config`, a `type` that is not one of DeepSpeed's schedulers
/// is looked up in `torch.optim.lr_scheduler` (`{"type": "OneCycleLR", …}`), and the engine
/// steps it after each update, as PyTorch's loop does. `"auto"` (filled in by the Hugging Face
/// Trainer) is refused naming the field and what the Trainer would put there.
struct DeepSpeedConfig {
  /// The spec with a `type`.
  let spec: JSONValue
  /// How the file was read, each naming its field.
  let notes: [String]

  /// Keys only a DeepSpeed configuration has at its top level.
  static let markers = [
    "train_batch_size", "train_micro_batch_size_per_gpu", "zero_optimization", "steps_per_print",
    "wall_clock_breakdown",
  ]

  /// What the Hugging Face Trainer writes over `"auto"` (`HfTrainerDeepSpeedConfig`).
  static let autoValues = [
    "warmup_min_lr": "0", "warmup_max_lr": "learning_rate", "lr": "learning_rate",
    "warmup_num_steps": "the warmup steps (warmup_steps, or warmup_ratio of the updates)",
    "total_num_steps": "the number of updates (max_steps, or epochs × updates per epoch)",
  ]

  /// The scheduler `json` configures, or nil when `json` is not a DeepSpeed configuration.
  init?(_ json: JSONValue) throws(ScheduleError) {
    guard case .object = json, json["type"] == nil else { return nil }
    let section = json["scheduler"]
    let isDeepSpeedSection: Bool
    if case .object? = section, case .string? = section?["type"], section?["_target_"] == nil,
      section?["class_path"] == nil
    {
      isDeepSpeedSection = true
    } else {
      isDeepSpeedSection = false
    }
    let looksLikeDeepSpeed = Self.markers.contains { json[$0] != nil }
    guard isDeepSpeedSection || (looksLikeDeepSpeed && section == nil) else { return nil }
    guard isDeepSpeedSection, let section, case .string(let name)? = section["type"] else {
      throw .missingField(
        field: "scheduler",
        schedule: "a DeepSpeed configuration (without it the engine leaves the lr to the training script: "
          + "the Hugging Face Trainer then builds its own lr_scheduler_type schedule)")
    }
    var notes: [String] = []
    let type: String
    if ScheduleSpec.deepSpeedClasses.contains(name) {
      type = ScheduleSpec.deepSpeedPrefix + name
    } else if ScheduleSpec.registry[ScheduleSpec.torchPrefix + name] != nil {
      type = ScheduleSpec.torchPrefix + name
    } else {
      let known = ScheduleSpec.deepSpeedClasses + ScheduleSpec.torchLeafClasses
      let hint = nearest(to: name, in: known).map { " (did you mean '\($0)'?)" } ?? ""
      throw .invalidValue(
        field: "scheduler.type", value: "'\(name)'",
        reason: "DeepSpeed does not recognize LR scheduler \(name)\(hint): it takes one of "
          + "\(ScheduleSpec.deepSpeedClasses.joined(separator: ", ")) or a torch.optim.lr_scheduler class")
    }
    notes.append("field 'scheduler.type': '\(name)' read as '\(type)'")
    var arguments: [(key: String, value: JSONValue)] = [("type", .string(type))]
    switch section["params"] {
    case .object(let params)?:
      for (key, value) in params {
        try Self.refuseAuto(value, field: "scheduler.params.\(key)", key: key)
        arguments.append((key, value))
      }
    case nil, .null?:
      throw .missingField(field: "scheduler.params",
                          schedule: "a DeepSpeed scheduler (the engine calls it with **params; write {} for the defaults)")
    case let other?:
      throw .wrongType(field: "scheduler.params", expected: "an object", found: other.typeName)
    }
    if case .object(let pairs) = section {
      // DeepSpeed's engine reads only `type` and `params`; a near miss of those is a mistake.
      for (key, _) in pairs where key != "type" && key != "params" {
        if editDistance(key, "params") <= 2 {
          throw .unknownField(field: "scheduler.\(key)", schedule: "DeepSpeed's scheduler section", suggestion: "params")
        }
        notes.append("field 'scheduler.\(key)': not read by DeepSpeed's engine, set aside")
      }
    }
    if let lr = json["optimizer"]?["params"]?["lr"], !arguments.contains(where: { $0.key == "lr" }) {
      try Self.refuseAuto(lr, field: "optimizer.params.lr", key: "lr")
      arguments.append(("lr", lr))
      let params = section["params"]
      let uses = switch name {
      case "WarmupCosineLR": true
      case "WarmupLR": params?["warmup_max_lr"] == nil || params?["warmup_max_lr"] == .null
      case "WarmupDecayLR": params?["warmup_max_lr"] == .null
      case "OneCycle", "LRRangeTest", "OneCycleLR", "CyclicLR": false
      default: true
      }
      notes.append(uses ? "field 'optimizer.params.lr': the optimizer's learning rate, which \(name) starts from"
        : "field 'optimizer.params.lr': not used: \(name) sets the learning rate itself")
    }
    if case .bool(true)? = json["fp16"]?["enabled"] {
      notes.append("field 'fp16.enabled': with fp16 loss scaling DeepSpeed skips the scheduler's step on every "
        + "update that overflows, so the real curve lags this one by the number of skipped updates")
    }
    spec = .object(arguments)
    self.notes = notes
  }

  /// Refuses the Hugging Face Trainer's `"auto"`.
  static func refuseAuto(_ value: JSONValue, field: String, key: String) throws(ScheduleError) {
    guard case .string("auto") = value else { return }
    let filled = autoValues[key].map { " with \($0)" } ?? ""
    throw .invalidValue(
      field: field, value: "\"auto\"",
      reason: "\"auto\" is filled in by the Hugging Face Trainer from its TrainingArguments\(filled); "
        + "draw the Trainer config whose 'deepspeed' names this file, or write the number it stands for")
  }
}

extension ScheduleError {
  /// The same error with its field renamed by `rename` (a spec decoded at one path whose
  /// fields live elsewhere in the file).
  func renamingField(_ rename: (String) -> String) -> ScheduleError {
    switch self {
    case .malformedInput: self
    case .missingField(let f, let s): .missingField(field: rename(f), schedule: s)
    case .unknownField(let f, let s, let g): .unknownField(field: rename(f), schedule: s, suggestion: g)
    case .wrongType(let f, let e, let found): .wrongType(field: rename(f), expected: e, found: found)
    case .invalidValue(let f, let v, let r): .invalidValue(field: rename(f), value: v, reason: r)
    case .unknownType(let t, let g): .invalidValue(field: rename("type"), value: "'\(t)'",
                                                  reason: "not a type LRKit knows" + (g.map { " (did you mean '\($0)'?)" } ?? ""))
    case .stepOutOfRange(let f, let s, let r): .stepOutOfRange(field: rename(f), step: s, reason: r)
    }
  }
}

extension DeepSpeedConfig {
  /// Where the translated spec is decoded: its fields are the scheduler's params.
  static let paramsPath = "scheduler.params"

  /// The file's name for a field of the translated spec: the lr is the optimizer's, the type the
  /// section's.
  static func fileField(_ field: String, under prefix: String = "") -> String {
    let name: String = switch field {
    case "\(paramsPath).lr": "optimizer.params.lr"
    case "\(paramsPath).type", "type": "scheduler.type"
    default: field
    }
    return prefix + name
  }

  /// Decodes the translated spec, naming fields as the file does (under `prefix`, e.g.
  /// `deepspeed.` inside a Trainer config).
  func decode(prefix: String = "") throws(ScheduleError) -> DecodedSchedule {
    var decoded: DecodedSchedule
    do {
      decoded = try ScheduleSpec.decode(spec, path: Self.paramsPath)
    } catch {
      throw error.renamingField { Self.fileField($0, under: prefix) }
    }
    decoded.warnings = (notes + decoded.warnings).map { warning in
      guard warning.hasPrefix("field '"), let end = warning.dropFirst(7).firstIndex(of: "'") else { return warning }
      let field = String(warning[warning.index(warning.startIndex, offsetBy: 7)..<end])
      return "field '\(Self.fileField(field, under: prefix))'" + warning[end...].dropFirst()
    }
    return decoded
  }
}
