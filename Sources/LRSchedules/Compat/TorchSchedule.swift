/// A top-level `torch.optim.lr_scheduler` class (not resumed, not in a composite) as a pure
/// function of the update: its closed form, which agrees with the chainable values PyTorch's
/// `step()` produces to ~1e-14 (the replay, ``TorchReplay``, is exact and serves everything
/// else). Quirks of the chainable form are kept: `ConstantLR`/`LinearLR` with `total_iters=0`
/// stay at their start factor, `PolynomialLR` with `total_iters=0` stays at the base lr.
struct TorchSchedule: LearningRateSchedule {
  let leaf: TorchLeaf
  let base: Double
  /// `base · gamma^n` for the step classes: every level of `MultiStepLR`, the first 64 of
  /// `StepLR`.
  let levels: GeometricLevels
  /// `CosineAnnealingWarmRestarts` with `T_mult > 1`: the first epoch of each cycle and its
  /// length `T_0 · T_mult^i`, while they fit in an `Int` (empty for `T_mult = 1`).
  let restartStarts: [Int]
  let restartLengths: [Int]
  /// The index over `restartStarts` (nil when it is empty).
  let restartSearch: CycleSearch?

  init(leaf: TorchLeaf, base: Double) {
    self.leaf = leaf
    self.base = base
    (restartStarts, restartLengths) = if case .warmRestarts(let t0, let mult, _) = leaf, mult > 1, t0 > 0 {
      Self.restartTable(period: t0, multiplier: mult)
    } else {
      ([], [])
    }
    restartSearch = restartStarts.isEmpty ? nil : CycleSearch(starts: restartStarts)
    switch leaf {
    case .step(_, let gamma): levels = GeometricLevels(base: base, gamma: gamma, count: 64)
    case .multiStep(let milestones, let gamma):
      levels = GeometricLevels(base: base, gamma: gamma, count: milestones.count + 1)
    default: levels = GeometricLevels(base: base, gamma: 1, count: 0)
    }
  }

  func value(at step: Int) -> Double {
    let t = max(step, 0)
    switch leaf {
    case .step(let size, _):
      return levels.value(floorDiv(t, size))
    case .multiStep(let milestones, _):
      return levels.value(countAtOrBelow(milestones, t))
    case .constant(let factor, let iters):
      if iters == 0 { return base * factor }
      return base * (factor + (t >= iters ? 1 : 0) * (1 - factor))
    case .linear(let s, let e, let iters):
      if iters == 0 { return base * s }
      return base * (s + (e - s) * Double(integer: min(iters, t)) / Double(integer: iters))
    case .exponential(let gamma):
      return base * Double.pow(gamma, Double(integer: t))
    case .polynomial(let iters, let power):
      if iters == 0 { return base }
      return base * Double.pow(1.0 - Double(integer: min(iters, t)) / Double(integer: iters), power)
    case .cosine(let tMax, let etaMin):
      return etaMin + (base - etaMin) * (1 + Double.cos(Double.pi * Double(integer: t) / Double(integer: tMax))) / 2
    case .warmRestarts(let t0, _, let etaMin):
      // PyTorch's step() loop subtracts one cycle at a time; the table locates the cycle at once.
      let (tCur, tI): (Int, Int)
      if let restartSearch {
        let i = restartSearch.index(notAbove: t)
        (tCur, tI) = (t - restartStarts[i], restartLengths[i])
      } else {
        (tCur, tI) = (t % t0, t0)
      }
      return etaMin + (base - etaMin) * (1 + Double.cos(Double.pi * Double(integer: tCur) / Double(integer: tI))) / 2
    case .oneCycle(let p):
      return Self.oneCycle(p, t, momentum: false).lr
    case .cyclic(let p):
      return Self.cyclic(p, t).lr
    }
  }

  /// The momentum OneCycleLR / CyclicLR set for update `step`, if they cycle it.
  func momentum(at step: Int) -> Double? {
    let t = max(step, 0)
    switch leaf {
    case .oneCycle(let p): return p.cycleMomentum ? Self.oneCycle(p, t).momentum : nil
    case .cyclic(let p): return p.cycleMomentum ? Self.cyclic(p, t).momentum : nil
    default: return nil
    }
  }

  /// OneCycleLR's `get_lr` at `t` with the param group it wrote itself.
  /// `momentum: false` leaves the momentum out (NaN) and skips its annealing (a second cosine).
  static func oneCycle(_ p: TorchLeaf.OneCycleParameters, _ t: Int, momentum: Bool = true) -> (lr: Double, momentum: Double) {
    let initial = p.maxLR / p.divFactor
    func value(_ key: TorchLeaf.GroupKey) -> Double {
      switch key {
      case .initialLR: initial
      case .maxLR: p.maxLR
      case .minLR: initial / p.finalDivFactor
      case .maxMomentum: p.maxMomentum
      case .baseMomentum: p.baseMomentum
      }
    }
    var start = 0.0
    for (i, phase) in p.phases.enumerated() {
      if Double(integer: t) <= phase.end || i == p.phases.count - 1 {
        let pct = (Double(integer: t) - start) / (phase.end - start)
        return (p.anneal(value(phase.startLR), value(phase.endLR), pct),
                momentum ? p.anneal(value(phase.startMomentum), value(phase.endMomentum), pct) : .nan)
      }
      start = phase.end
    }
    return (initial, p.maxMomentum)
  }

  /// CyclicLR's `get_lr` at `t`, in Python's operation order.
  static func cyclic(_ p: TorchLeaf.CyclicParameters, _ t: Int) -> (lr: Double, momentum: Double) {
    let totalSize = p.up + p.down
    let ratio = p.up / totalSize
    let cycle = (1 + Double(integer: t) / totalSize).rounded(.down)
    let x = 1.0 + Double(integer: t) / totalSize - cycle
    let scaleFactor = x <= ratio ? x / ratio : (x - 1) / (ratio - 1)
    let scale: Double
    switch p.mode {
    case .triangular: scale = 1.0
    case .triangular2: scale = 1 / Double.pow(2.0, cycle - 1)
    case .exponentialRange: scale = Double.pow(p.gamma, Double(integer: t))
    }
    let lr = p.baseLR + (p.maxLR - p.baseLR) * scaleFactor * scale
    let momentum = p.maxMomentum - (p.maxMomentum - p.baseMomentum) * scaleFactor * scale
    return (lr, momentum)
  }

  /// The cycle starts and lengths of `CosineAnnealingWarmRestarts` with `T_mult > 1`, from 0
  /// until the next start would pass `Int.max` (a length past it is held at `Int.max`). Locating
  /// `t` in this table gives the `(T_cur, T_i)` of PyTorch's `step()` loop, which subtracts one
  /// cycle at a time in integers (the tests compare the two), without that loop's overflow at
  /// huge `t`.
  static func restartTable(period: Int, multiplier: Int) -> ([Int], [Int]) {
    var starts = [0]
    var lengths = [period]
    while true {
      let (next, overflow) = starts[starts.count - 1].addingReportingOverflow(lengths[lengths.count - 1])
      if overflow { break }
      let (length, longer) = lengths[lengths.count - 1].multipliedReportingOverflow(by: multiplier)
      starts.append(next)
      lengths.append(longer ? Int.max : length)
    }
    return (starts, lengths)
  }
}

/// Python's `//` for integers.
func floorDiv(_ a: Int, _ b: Int) -> Int {
  let q = a / b
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
}

/// Python's `%` for integers.
func pythonModInt(_ a: Int, _ b: Int) -> Int {
  let r = a % b
  return (r != 0 && (r < 0) != (b < 0)) ? r + b : r
}
