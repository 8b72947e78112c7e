/// `{"type": "product", "schedules": [...]}`: the learning rates multiply (write the factors
/// as schedules around 1, e.g. a `constant` 1 with a `warmup`). At most one child may drive
/// momentum.
enum ProductSpec: NativeSpecFamily {
  static let type = "product"
  static let warmupUse = NativeWarmupUse.ramp

  @_specialize(where S == Double)
  @_specialize(where S == Float)
  static func build<S: ScheduleScalar>(_ r: inout SpecReader, _ c: inout NativeContext<S>)
    throws(ScheduleError) -> NativeBuilt<S>
  {
    let children = try ScheduleSpec.decodeChildren(&r, c.spec, key: "schedules")
    let drivers = children.indices.filter { children[$0].momentum != nil }
    if drivers.count > 1 {
      throw .invalidValue(field: r.field("schedules[\(drivers[1])]"), value: children[drivers[1]].type,
                          reason: "drives momentum too; a product can follow only one momentum schedule")
    }
    var built = NativeBuilt(lr: c.finish(ProductSchedule(children.map { Narrowed<S>.wrap($0.lr) })))
    built.drivenMomentum = drivers.first.flatMap { children[$0].momentum }
    built.rampEnd = children.compactMap(\.warmupSteps).max()
    built.total = children.compactMap(\.totalSteps).max()
    built.warnings = children.flatMap(\.warnings)
    built.stepLimit = children.compactMap(\.stepLimit).min { $0.steps < $1.steps }
    return built
  }
}
