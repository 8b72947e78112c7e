/// `mlx.optimizers.*` schedule specs with MLX's parameter names, in float32 as MLX computes.
extension ScheduleSpec {
  static let mlxFunctions = [
    "cosine_decay", "exponential_decay", "step_decay", "linear_schedule", "join_schedules",
  ]

  static let mlxBuilders: [String: SpecBuilder] = {
    var table: [String: SpecBuilder] = [:]
    for name in mlxFunctions {
      table["mlx.optimizers." + name] = { (r: inout SpecReader, c: SpecContext) throws in
        var info = (warmup: Int?.none, total: Int?.none)
        let lr = try mlxSchedule(name, &r, &info).compiledWidened()
        return DecodedSchedule(type: r.schedule, lr: lr, warmupSteps: info.warmup,
                               totalSteps: info.total)
      }
    }
    return table
  }()

  static func mlxSchedule(_ name: String, _ r: inout SpecReader,
                          _ info: inout (warmup: Int?, total: Int?)) throws(ScheduleError)
    -> JoinedSchedule<MLXSchedule>.Tree
  {
    switch name {
    case "exponential_decay":
      return .leaf(.exponential(initial: Float(try r.double("init")),
                                rate: Float(try r.double("decay_rate"))))
    case "step_decay":
      let initial = try r.double("init")
      let rate = try r.double("decay_rate")
      let size = try r.int("step_size")
      try r.check(size >= 1, "step_size", size, "step_size must be greater than 0")
      return .leaf(.step(initial: Float(initial), rate: Float(rate), size: size))
    case "cosine_decay":
      let initial = try r.double("init")
      let steps = try r.int("decay_steps")
      try r.check(steps >= 1, "decay_steps", steps, "decay_steps must be greater than 0")
      info.total = steps
      return .leaf(.cosine(initial: initial, steps: steps, end: try r.double("end", default: 0)))
    case "linear_schedule":
      let initial = try r.double("init")
      let end = try r.double("end")
      let steps = try r.int("steps")
      try r.check(steps >= 1, "steps", steps, "steps must be greater than 0")
      info.total = steps
      if end > initial { info.warmup = steps }
      return .leaf(.linear(initial: initial, end: end, steps: steps))
    case "join_schedules":
      let items = try r.objects("schedules")
      let boundaries = try r.ints("boundaries")
      if items.isEmpty {
        throw .invalidValue(field: r.field("schedules"), value: "[]",
                            reason: "Must provide at least 1 schedule to join.")
      }
      if items.count != boundaries.count + 1 {
        throw .invalidValue(field: r.field("boundaries"), value: "\(boundaries.count) values",
                            reason: "Received \(boundaries.count) boundaries but expected \(items.count - 1).")
      }
      var schedules: [JoinedSchedule<MLXSchedule>.Tree] = []
      for (i, (json, path)) in items.enumerated() {
        guard case .string(let type) = json["type"] ?? .null, type.hasPrefix("mlx.optimizers."),
          mlxFunctions.contains(String(type.dropFirst(15)))
        else {
          throw .invalidValue(field: "\(path).type", value: "\(json["type"].map { "\($0)" } ?? "none")",
                              reason: "mlx.optimizers.join_schedules holds mlx.optimizers schedules")
        }
        var child = try SpecReader(json, schedule: type, path: path)
        var childInfo = (warmup: Int?.none, total: Int?.none)
        schedules.append(try mlxSchedule(String(type.dropFirst(15)), &child, &childInfo))
        try child.finish()
        if i == 0, let w = childInfo.warmup { info.warmup = w }
      }
      return .join(schedules, boundaries: boundaries)
    default:
      throw .unknownType(type: name, suggestion: nil)
    }
  }
}
