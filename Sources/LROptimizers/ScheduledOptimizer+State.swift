import LRSupport
import LRSchedules

/// Saving and restoring the complete optimizer and driver state for an exact resume.
///
/// The state is one JSON object (format `lrkit.optimizer-state`, version 2; version 1 states,
/// which lack `momentum_started`, are read too):
///
/// ```json
/// {"format": "lrkit.optimizer-state", "version": 1,
///  "optimizer": {"kind": "adamw", "momentum": 0, "dampening": 0, "nesterov": false,
///                "beta1": 0.9, "beta2": 0.95, "eps": 1e-08, "weight_decay": 0.1,
///                "amsgrad": false, "decoupled_weight_decay": false},
///  "parameter_count": 818176,
///  "groups": [{"name": "decay", "ranges": [[0, 4096], …], "lr_scale": 1, "weight_decay": 0.1}],
///  "optimizer_step": 100, "momentum_started": [true],
///  "driver": {"schedule": "cosine", "step": 100,
///             "plateau": {"best": 1.92, "bad": 2, "cooldown": 0, "scale": 0.5, "reductions": 1}},
///  "buffers": {"first_moment": {"count": 818176, "crc32": 1234567, "data": "<base64 of little-endian float32>"},
///              "second_moment": {…}, "max_second_moment": {…}}}
/// ```
/// Numbers are written in shortest round-trip form and the buffers as raw float32 bits, so a
/// restored optimizer continues bit for bit. Restoring checks the format, version, update
/// rule, hyperparameters, parameter count, groups, schedule and every buffer's length and
/// checksum before changing anything.
extension ScheduledOptimizer {
  /// The saved state's format name.
  public static let stateFormat = "lrkit.optimizer-state"
  /// The saved state's version.
  public static let stateVersion = 2

  /// The state as JSON text.
  public func encodeState() -> String {
    let c = optimizer.configuration
    var pairs: [(key: String, value: JSONValue)] = [
      ("format", .string(Self.stateFormat)),
      ("version", .int(Self.stateVersion)),
      ("optimizer", Self.configurationJSON(c)),
      ("parameter_count", .int(optimizer.parameterCount)),
      ("groups", .array(optimizer.groups.map(Self.groupJSON))),
      ("optimizer_step", .int(optimizer.stepCount)),
      ("momentum_started", .array(optimizer.momentumStarted.map { .bool($0) })),
    ]
    var driverPairs: [(key: String, value: JSONValue)] = [
      ("schedule", .string(driver.schedule.type)), ("step", .int(driver.step)),
    ]
    if let p = driver.plateauState {
      driverPairs.append(("plateau", .object([
        ("best", .double(p.controller.best)), ("bad", .int(p.controller.badCount)),
        ("cooldown", .int(p.controller.cooldownCounter)), ("scale", .double(p.scale)),
        ("reductions", .int(p.reductions)),
      ])))
    } else {
      driverPairs.append(("plateau", .null))
    }
    pairs.append(("driver", .object(driverPairs)))
    var buffers: [(key: String, value: JSONValue)] = []
    for (name, values) in [("first_moment", optimizer.firstMoment),
                           ("second_moment", optimizer.secondMoment),
                           ("max_second_moment", optimizer.maxSecondMoment)] where !values.isEmpty {
      let bytes = BinaryCoding.bytes(values)
      buffers.append((name, .object([
        ("count", .int(values.count)), ("crc32", .int(Int(BinaryCoding.crc32(bytes)))),
        ("data", .string(BinaryCoding.base64(bytes))),
      ])))
    }
    pairs.append(("buffers", .object(buffers)))
    return JSONValue.object(pairs).serialized()
  }

  /// Restores a state saved by ``encodeState()`` into this optimizer (same configuration,
  /// parameter count, groups and schedule). Nothing changes unless everything checks out.
  public mutating func restoreState(_ text: String) throws(OptimizerError) {
    let json: JSONValue
    do {
      json = try JSONValue.parse(text)
    } catch {
      throw .corruptState(reason: "\(error)")
    }
    func field(_ key: String, in object: JSONValue? = nil) throws(OptimizerError) -> JSONValue {
      guard let v = (object ?? json)[key] else { throw .corruptState(reason: "missing '\(key)'") }
      return v
    }
    func int(_ v: JSONValue, _ name: String) throws(OptimizerError) -> Int {
      guard case .number(let x, _) = v, x == x.rounded(), abs(x) < 9e15 else {
        throw .corruptState(reason: "'\(name)' is not an integer")
      }
      return Int(x)
    }
    func double(_ v: JSONValue, _ name: String) throws(OptimizerError) -> Double {
      guard case .number(let x, _) = v else { throw .corruptState(reason: "'\(name)' is not a number") }
      return x
    }
    guard case .string(let format) = try field("format"), format == Self.stateFormat else {
      throw .stateMismatch(field: "format", expected: Self.stateFormat, found: "\(json["format"].map { $0.serialized() } ?? "none")")
    }
    let version = try int(try field("version"), "version")
    guard version == Self.stateVersion || version == 1 else {
      throw .stateMismatch(field: "version", expected: "\(Self.stateVersion)", found: "\(version)")
    }
    let savedConfiguration = try field("optimizer")
    let ours = Self.configurationJSON(optimizer.configuration)
    if savedConfiguration != ours {
      let kind = savedConfiguration["kind"].map { $0.serialized() } ?? "?"
      if savedConfiguration["kind"] != ours["kind"] {
        throw .stateMismatch(field: "optimizer kind", expected: optimizer.configuration.kind.rawValue, found: kind)
      }
      throw .stateMismatch(field: "optimizer hyperparameters", expected: ours.serialized(),
                           found: savedConfiguration.serialized())
    }
    let count = try int(try field("parameter_count"), "parameter_count")
    guard count == optimizer.parameterCount else {
      throw .stateMismatch(field: "parameter count", expected: "\(optimizer.parameterCount)", found: "\(count)")
    }
    guard case .array(let groups) = try field("groups") else {
      throw .corruptState(reason: "'groups' is not an array")
    }
    guard groups.count == optimizer.groups.count else {
      throw .stateMismatch(field: "group count", expected: "\(optimizer.groups.count)", found: "\(groups.count)")
    }
    for (i, (saved, group)) in zip(groups, optimizer.groups).enumerated() where saved != Self.groupJSON(group) {
      throw .stateMismatch(field: "group \(i) ('\(group.name)')", expected: Self.groupJSON(group).serialized(),
                           found: saved.serialized())
    }
    let optimizerStep = try int(try field("optimizer_step"), "optimizer_step")
    guard optimizerStep >= 0 else { throw .corruptState(reason: "'optimizer_step' is negative") }
    let driverJSON = try field("driver")
    guard case .string(let scheduleType) = try field("schedule", in: driverJSON),
      scheduleType == driver.schedule.type
    else {
      throw .stateMismatch(field: "schedule", expected: driver.schedule.type,
                           found: driverJSON["schedule"].map { $0.serialized() } ?? "none")
    }
    let driverStep = try int(try field("step", in: driverJSON), "driver.step")
    guard driverStep >= 0 else { throw .corruptState(reason: "'driver.step' is negative") }
    var plateau: (controller: (best: Double, badCount: Int, cooldownCounter: Int), scale: Double, reductions: Int)?
    let savedPlateau = driverJSON["plateau"] ?? .null
    if driver.usesMetrics != (savedPlateau != .null) {
      throw .stateMismatch(field: "plateau state", expected: driver.usesMetrics ? "present" : "absent",
                           found: savedPlateau == .null ? "absent" : "present")
    }
    if savedPlateau != .null {
      plateau = (
        (try double(try field("best", in: savedPlateau), "plateau.best"),
         try int(try field("bad", in: savedPlateau), "plateau.bad"),
         try int(try field("cooldown", in: savedPlateau), "plateau.cooldown")),
        try double(try field("scale", in: savedPlateau), "plateau.scale"),
        try int(try field("reductions", in: savedPlateau), "plateau.reductions"))
    }
    let buffers = try field("buffers")
    func buffer(_ name: String, expected: Int) throws(OptimizerError) -> [Float] {
      guard expected > 0 else {
        if buffers[name] != nil { throw .stateMismatch(field: "buffer '\(name)'", expected: "absent", found: "present") }
        return []
      }
      guard let b = buffers[name] else { throw .stateMismatch(field: "buffer '\(name)'", expected: "present", found: "absent") }
      let n = try int(try field("count", in: b), "\(name).count")
      guard n == expected else {
        throw .stateMismatch(field: "buffer '\(name)' length", expected: "\(expected)", found: "\(n)")
      }
      guard case .string(let data) = try field("data", in: b), let bytes = BinaryCoding.unbase64(data) else {
        throw .corruptState(reason: "buffer '\(name)' is not valid base64")
      }
      let crc = try int(try field("crc32", in: b), "\(name).crc32")
      guard UInt32(truncatingIfNeeded: crc) == BinaryCoding.crc32(bytes), crc >= 0, crc <= Int(UInt32.max) else {
        throw .corruptState(reason: "buffer '\(name)' fails its CRC-32 check")
      }
      guard let values = BinaryCoding.floats(bytes), values.count == expected else {
        throw .corruptState(reason: "buffer '\(name)' holds \(bytes.count) bytes, expected \(expected * 4)")
      }
      return values
    }
    // SGD's momentum buffer exists once any group has used a momentum.
    let first = buffers["first_moment"] == nil && optimizer.configuration.kind == .sgd
      ? [] : try buffer("first_moment", expected: optimizer.parameterCount)
    var started = [Bool](repeating: !first.isEmpty && optimizerStep > 0, count: optimizer.groups.count)
    if version >= 2 {
      guard case .array(let flags) = try field("momentum_started"), flags.count == started.count else {
        throw .corruptState(reason: "'momentum_started' is not one flag per group")
      }
      for (i, f) in flags.enumerated() {
        guard case .bool(let b) = f else { throw .corruptState(reason: "'momentum_started' holds a non-boolean") }
        started[i] = b
      }
    }
    let second = try buffer("second_moment", expected: optimizer.secondMoment.count)
    let maxSecond = try buffer("max_second_moment", expected: optimizer.maxSecondMoment.count)
    // Everything checked: now commit.
    optimizer.firstMoment = first
    optimizer.momentumStarted = started
    optimizer.secondMoment = second
    optimizer.maxSecondMoment = maxSecond
    optimizer.stepCount = optimizerStep
    driver.restore(step: driverStep, plateau: plateau)
  }

  static func configurationJSON(_ c: OptimizerConfiguration) -> JSONValue {
    .object([
      ("kind", .string(c.kind.rawValue)), ("momentum", .double(c.momentum)),
      ("dampening", .double(c.dampening)), ("nesterov", .bool(c.nesterov)),
      ("beta1", .double(c.beta1)), ("beta2", .double(c.beta2)), ("eps", .double(c.eps)),
      ("weight_decay", .double(c.weightDecay)), ("amsgrad", .bool(c.amsgrad)),
      ("decoupled_weight_decay", .bool(c.decoupledWeightDecay)),
    ])
  }

  static func groupJSON(_ g: ParameterGroup) -> JSONValue {
    .object([
      ("name", .string(g.name)),
      ("ranges", .array(g.ranges.map { .array([.int($0.lowerBound), .int($0.upperBound)]) })),
      ("lr_scale", .double(g.lrScale)),
      ("weight_decay", g.weightDecay.map { .double($0) } ?? .null),
      ("momentum", g.momentum.map { .double($0) } ?? .null),
    ])
  }
}
