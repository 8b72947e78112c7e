import LRSupport

extension ScheduleSpec {
  /// Decodes the array of child specs under `key`; children inherit the parent's precision as
  /// their default.
  static func decodeChildren(_ r: inout SpecReader, _ c: SpecContext, key: String,
                             inheritedLR: Double? = nil) throws(ScheduleError)
    -> [DecodedSchedule]
  {
    let items = try r.objects(key)
    if items.isEmpty {
      throw .invalidValue(field: r.field(key), value: "[]", reason: "needs at least one schedule")
    }
    var out: [DecodedSchedule] = []
    for (json, path) in items {
      let child = try decode(json, path: path, inheritedLR: inheritedLR, precision: c.precision)
      if child.plateau != nil {
        throw .invalidValue(field: path, value: child.type,
                            reason: "a metric-driven schedule cannot be nested; use it at the top")
      }
      out.append(child)
    }
    return out
  }

  /// Milestones must be one fewer than the children and ascending.
  static func checkMilestones(_ milestones: [Int], children: Int, _ r: inout SpecReader,
                              key: String = "milestones") throws(ScheduleError)
  {
    if milestones.count != children - 1 {
      throw .invalidValue(
        field: r.field(key), value: "\(milestones.count) values",
        reason: "needs exactly one fewer than the \(children) schedules")
    }
    for i in milestones.indices.dropFirst() where milestones[i] < milestones[i - 1] {
      throw .invalidValue(field: r.field("\(key)[\(i)]"), value: "\(milestones[i])",
                          reason: "milestones must be ascending")
    }
  }
}
