import LRSupport

/// Decodes schedule specs: JSON objects with a `"type"` key naming either a peer API by its
/// Python path (`torch.optim.lr_scheduler.OneCycleLR`, `optax.join_schedules`, …) with that API's
/// own parameter names, or a native LRKit family (`cosine`, `wsd`, `sequence`, …).
///
/// Decoding is strict: an unknown key, a missing required key, a wrong JSON type, a value out of
/// range or an inconsistent combination throws a ``ScheduleError`` naming the field.
public enum ScheduleSpec {
  /// Decodes a spec from JSON text.
  ///
  /// An object without `"type"` that Keras wrote (a serialized schedule or optimizer, an
  /// optimizer's `get_config()`, a model's `config.json`) is read as Keras reads it, timm's
  /// `args.yaml` as `timm.scheduler.create_scheduler` reads it; any other
  /// object without `"type"` that holds `learning_rate` or `lr_scheduler_type` is read as a
  /// Hugging Face / TRL training configuration (see ``HFTrainingConfig``), and one with Hydra's
  /// `_target_` or LightningCLI's `class_path` (or a `scheduler` / `lr_scheduler` section with
  /// one, at the top, under `model` or `model.init_args`) as the scheduler they would
  /// instantiate, with the `optimizer` section's `lr`; a DeepSpeed configuration (a `scheduler`
  /// section with `type` and `params`) as the scheduler its engine builds, with the
  /// `optimizer` section's `lr`.
  public static func decode(text: String) throws(ScheduleError) -> DecodedSchedule {
    try decode(try parseJSON(text))
  }

  /// Parses JSON text, turning a syntax error into `ScheduleError.malformedInput`.
  package static func parseJSON(_ text: String) throws(ScheduleError) -> JSONValue {
    do {
      return try JSONValue.parse(text)
    } catch {
      throw .malformedInput(detail: error.description)
    }
  }

  /// Decodes a parsed spec (see ``decode(text:)``).
  package static func decode(_ json: JSONValue) throws(ScheduleError) -> DecodedSchedule {
    if let keras = try kerasSerialized(json) { return keras }
    if let timm = try timmArgsFile(json) { return timm }
    // Keras and timm were ruled out just above.
    if hasTrainerKeys(json) { return try HFTrainingConfig(json).decodedSchedule() }
    if let instantiated = try InstantiatedScheduler(json) {
      var decoded = try decode(instantiated.spec, path: "")
      decoded.warnings = instantiated.notes + decoded.warnings
      return decoded
    }
    if let deepSpeed = try DeepSpeedConfig(json) { return try deepSpeed.decode() }
    // Ultralytics YOLO saves its arguments as `args.yaml` too (timm's has `sched` and
    // `lr_base`): say what the file is rather than only that it has no "type".
    if case .object = json, json["type"] == nil, json["lr0"] != nil, json["lrf"] != nil {
      throw .invalidValue(
        field: "lr0", value: json["lr0"]!.serialized(),
        reason: "this is an Ultralytics YOLO args.yaml; LRKit does not translate Ultralytics' trainer "
          + "(a per-epoch LambdaLR from lr0 to lr0·lrf, linear or cos_lr, after a per-batch warmup over "
          + "max(round(warmup_epochs · batches per epoch), 100) iterations): write its schedule as a spec with a \"type\"")
    }
    return try decode(json, path: "")
  }

  /// Whether ``decode(text:)`` reads `json` as a Hugging Face / TRL training configuration: an
  /// object without `"type"` that holds `learning_rate` or `lr_scheduler_type` and that Keras
  /// and timm did not write.
  package static func isTrainerConfig(_ json: JSONValue) -> Bool {
    hasTrainerKeys(json) && !isTimmArgsFile(json) && (try? kerasSerialized(json)) == nil
  }

  /// An object without `"type"` that holds `learning_rate` or `lr_scheduler_type`.
  static func hasTrainerKeys(_ json: JSONValue) -> Bool {
    guard case .object = json, json["type"] == nil else { return false }
    return json["lr_scheduler_type"] != nil || json["learning_rate"] != nil
  }

  /// Decodes the spec at `path` inside a larger spec (children of composites).
  static func decode(_ json: JSONValue, path: String, inheritedLR: Double? = nil,
                     precision: String = "float64") throws(ScheduleError) -> DecodedSchedule
  {
    let typeField = path.isEmpty ? "type" : "\(path).type"
    guard case .object = json else {
      throw .wrongType(field: path.isEmpty ? "spec" : path, expected: "an object with a \"type\"",
                       found: json.typeName)
    }
    guard let typeValue = json["type"] else {
      throw .missingField(field: typeField, schedule: "every schedule spec")
    }
    guard case .string(let type) = typeValue else {
      throw .wrongType(field: typeField, expected: "a string", found: typeValue.typeName)
    }
    guard let builder = registry[type] else {
      throw .unknownType(type: type, suggestion: nearest(to: type, in: knownTypes))
    }
    var reader = try SpecReader(json, schedule: type, path: path)
    let context = SpecContext(path: path, inheritedLR: inheritedLR, precision: precision)
    let decoded: DecodedSchedule
    do {
      decoded = try builder(&reader, context)
    } catch let error as ScheduleError {
      throw error
    } catch {
      throw .malformedInput(detail: "\(error)")
    }
    try reader.finish()
    return decoded
  }

  /// Every `type` the decoder accepts.
  public static var knownTypes: [String] { registry.keys.sorted() }

  static let registry: [String: SpecBuilder] = {
    var all: [String: SpecBuilder] = [:]
    for table in [nativeBuilders, torchBuilders, transformersBuilders, optaxBuilders, timmBuilders, timmFactoryBuilders, timmArgsBuilders, timmPlateauBuilders,
                  kerasBuilders, mlxBuilders, fastaiBuilders, deepSpeedBuilders] {
      all.merge(table) { a, _ in a }
    }
    return all
  }()
}

/// Decodes one spec type from its reader.
typealias SpecBuilder = @Sendable (inout SpecReader, SpecContext) throws -> DecodedSchedule

/// Where in the whole spec a builder is, and what it inherits from its parent.
struct SpecContext: Sendable {
  /// The dotted path of the object being decoded.
  var path: String
  /// The base learning rate of a torch parent (nested torch specs carry no `lr`).
  var inheritedLR: Double?
  /// The default `precision` of native specs here (a composite's own, for its children).
  var precision: String = "float64"

  /// The same context with another default precision.
  func withPrecision(_ p: String) -> SpecContext {
    var c = self
    c.precision = p
    return c
  }

  /// The path of `key` inside this object.
  func child(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }
}
