import LRSupport

/// `timm.scheduler.PlateauLRScheduler` (deprecated in timm 1.0.31): PyTorch's
/// `ReduceLROnPlateau` behind timm's linear warmup, stepped once per epoch as timm's `train.py`
/// steps it, `step(epoch + 1, metric)` after each epoch (it has no per-update form).
///
/// ```
/// lr(0) = warmup_lr_init if warmup_t > 0 else lr           (no step(0) in train.py)
/// lr(k) = warmup_lr_init + k · (lr − warmup_lr_init) / warmup_t    for 1 ≤ k ≤ warmup_t
/// then the value at warmup_t, cut by ReduceLROnPlateau(mode, patience_t, threshold,
/// cooldown_t, lr_min, factor = decay_rate) from the metric of epoch warmup_t on
/// ```
///
/// `mode` defaults to `"max"` (an accuracy), unlike PyTorch. LRKit's step is the epoch, and
/// `--metrics` line k is the metric timm receives after epoch k.
extension ScheduleSpec {
  static let timmPlateauBuilders: [String: SpecBuilder] = [
    "timm.scheduler.PlateauLRScheduler": { (r: inout SpecReader, c: SpecContext) throws in
      try decodeTimmPlateau(&r)
    }
  ]

  static func decodeTimmPlateau(_ r: inout SpecReader) throws(ScheduleError) -> DecodedSchedule {
    let lr = try r.rate("lr")
    let factor = try r.double("decay_rate", default: 0.1)
    try r.check(factor < 1, "decay_rate", factor, "Factor should be < 1.0. (PyTorch's ReduceLROnPlateau)")
    try r.check(factor > 0, "decay_rate", factor, "must be positive")
    let patience = try r.int("patience_t", default: 10)
    try r.check(patience >= 0, "patience_t", patience, "cannot be negative")
    let threshold = try r.double("threshold", default: 1e-4)
    let cooldown = try r.int("cooldown_t", default: 0)
    try r.check(cooldown >= 0, "cooldown_t", cooldown, "cannot be negative")
    let warmupT = try r.int("warmup_t", default: 0)
    try r.check(warmupT >= 0, "warmup_t", warmupT, "cannot be negative")
    let warmupInit = try r.double("warmup_lr_init", default: 0)
    try r.check(warmupInit >= 0, "warmup_lr_init", warmupInit, "cannot be negative")
    let minLR = try r.double("lr_min", default: 0)
    try r.check(minLR >= 0, "lr_min", minLR, "cannot be negative")
    let mode = try r.choice("mode", ["min", "max"], default: "max")
    try r.refuse("noise_range_t", "timm's noise is drawn from torch's random generator, which "
      + "LRKit does not reproduce; set noise_range_t to null (no noise) to draw the curve")
    _ = try r.choice("noise_type", ["normal", "uniform"], default: "normal")
    for key in ["noise_pct", "noise_std"] { _ = try r.optionalDouble(key) }
    _ = try r.optionalInt("noise_seed")
    _ = try r.bool("initialize", default: true)

    // timm's own arithmetic: the warmup step per epoch, and the value the warmup ends on, which
    // ReduceLROnPlateau then holds and cuts.
    let step = warmupT > 0 ? (lr - warmupInit) / Double(warmupT) : 1
    let held = warmupT > 0 ? warmupInit + Double(warmupT) * step : lr
    let base = ClosureSchedule<Double> { k in
      if k <= 0 { return warmupT > 0 ? warmupInit : lr }
      return k <= warmupT ? warmupInit + Double(integer: k) * step : held
    }
    let controller = PlateauController(mode: .init(rawValue: mode)!, patience: patience, threshold: threshold,
                                       thresholdMode: .rel, cooldown: cooldown)
    let rule = PlateauRule(controller: controller, factor: factor, minLR: minLR, eps: 1e-8, start: warmupT)
    return DecodedSchedule(type: r.schedule, lr: base, plateau: rule, warmupSteps: warmupT > 0 ? warmupT : nil)
  }
}
