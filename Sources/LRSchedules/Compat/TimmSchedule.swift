import LRSupport

/// timm's schedulers (`timm/scheduler/*.py`, 1.0.31) with timm's operation order, including its
/// floating-log cycle index (`math.log(x, cycle_mul)`), which misplaces some exact restart
/// boundaries exactly as timm does. `t` is the update count (`t_in_epochs=False`), noise off.
struct TimmSchedule: LearningRateSchedule {
  enum Decay: Sendable {
    case cosine(kDecay: Double)
    case tanh(lower: Double, upper: Double)
    case poly(power: Double, kDecay: Double)
  }

  enum Kind: Sendable {
    case cycles(Decay, initial: Int, lrMin: Double, mul: Double, decay: Double, limit: Int)
    case step(decayT: Double, rate: Double)
    case multiStep(decayT: [Int], rate: Double)
    case wsd(initial: Int, decayT: Int, lrMin: Double, stableFn: WSDStable, timescale: Double,
             stablePower: Double, decayFn: WSDDecay, decayPower: Double, decayRatio: Double)
  }

  /// timm WSD's `stable_fn`, decoded once (a string comparison per evaluation cost ~10 ns).
  enum WSDStable: String, Sendable { case constant, rsqrt, power }
  /// timm WSD's `decay_fn`.
  enum WSDDecay: String, Sendable { case linear, oneMinusSqrt = "1-sqrt", cosine, power, exp }

  let kind: Kind
  let base: Double
  let warmupT: Int
  let warmupInit: Double
  let warmupPrefix: Bool
  /// `(target − warmup_lr_init) / warmup_t`.
  let warmupStep: Double
  /// The cycles of a `cycle_mul ≠ 1` schedule, located once (see ``CycleTable``).
  let cycles: CycleTable?
  /// `base · rate^n` for `StepLRScheduler` (the first 64) and `MultiStepLRScheduler` (all).
  let levels: GeometricLevels

  /// Where each cycle of a `cycle_mul ≠ 1` schedule starts, as timm's floating-log index puts
  /// it, with the cycle's length, offset and peak: evaluating then costs a binary search instead
  /// of a `log` and three `pow`s, with the same numbers (each start is found by evaluating
  /// timm's own index expression around the exact boundary).
  struct CycleTable: Sendable {
    /// Finds `t`'s cycle among the starts: the first `t` whose index is `i`, strictly ascending.
    let search: CycleSearch
    /// `cycle_mul^i · t_initial`.
    let length: [Double]
    /// `(1 − cycle_mul^i) / (1 − cycle_mul) · t_initial`.
    let offset: [Double]
    /// `lr · cycle_decay^i`.
    let peak: [Double]
    /// The table answers for `0 ≤ t < end`.
    let end: Int
    /// Whether every `t ≥ end` is past `cycle_limit` (the index only grows when
    /// `cycle_mul > 1`), where timm returns `lr_min`.
    let limitAtEnd: Bool
  }

  /// timm's cycle index for `t` (nil: math domain error).
  static func cycleIndex(_ t: Int, initial: Int, mul: Double) -> Int? {
    let x = 1 - Double(t) / Double(initial) * (1 - mul)
    guard x > 0 else { return nil }
    return truncatedInt((Double.log(x) / Double.log(mul)).rounded(.down))
  }

  static func makeCycles(_ kind: Kind, base: Double) -> CycleTable? {
    guard case .cycles(_, let initial, _, let mul, let cycleDecay, let limit) = kind, mul != 1, initial > 0
    else { return nil }
    // The exact boundary of cycle i is initial · (mul^i − 1) / (mul − 1); timm's index may move
    // it by one. One more cycle than the limit is located, to know where the limit starts.
    var starts = cycleStarts(
      cycles: min(max(limit, 0), 64) + 1, limit: 1e15,
      exact: { Double(initial) * (Double.pow(mul, Double($0)) - 1) / (mul - 1) },
      index: { cycleIndex($0, initial: initial, mul: mul) })
    let located = starts.count
    var length = starts.indices.map { Double.pow(mul, Double($0)) * Double(initial) }
    var offset = starts.indices.map { (1 - Double.pow(mul, Double($0))) / (1 - mul) * Double(initial) }
    var peak = starts.indices.map { base * Double.pow(cycleDecay, Double($0)) }
    guard starts.count >= 2 else { return nil }
    // The table ends where the next cycle starts (or where it could not be located): answered by
    // the formula from there on.
    let end = starts.removeLast()
    length.removeLast()
    offset.removeLast()
    peak.removeLast()
    return CycleTable(search: CycleSearch(starts: starts), length: length, offset: offset, peak: peak, end: end,
                      limitAtEnd: mul > 1 && located == limit + 1)
  }

  init(kind: Kind, base: Double, warmupT: Int, warmupInit: Double, warmupPrefix: Bool) {
    self.kind = kind
    self.base = base
    self.warmupT = warmupT
    self.warmupInit = warmupInit
    self.warmupPrefix = warmupPrefix
    var step = 1.0
    if warmupT > 0 {
      // Tanh without prefix ramps to its own value at warmup_t; every other class to the base lr.
      var target = base
      if case .cycles(.tanh, _, _, _, _, _) = kind, !warmupPrefix {
        target = TimmSchedule(kind: kind, base: base, warmupT: 0, warmupInit: warmupInit,
                              warmupPrefix: false).value(at: warmupT)
      }
      step = (target - warmupInit) / Double(warmupT)
    }
    self.warmupStep = step
    cycles = Self.makeCycles(kind, base: base)
    switch kind {
    case .step(_, let rate): levels = GeometricLevels(base: base, gamma: rate, count: 64)
    case .multiStep(let decayT, let rate): levels = GeometricLevels(base: base, gamma: rate, count: decayT.count + 1)
    default: levels = GeometricLevels(base: base, gamma: 1, count: 0)
    }
  }

  /// The first update where a cycling schedule takes a fractional power of a negative number:
  /// the floating-log cycle index puts `t_curr` a hair outside `[0, t_i]` at some cycle
  /// boundaries, and `PolyLRScheduler`'s `power` or any `k_decay` then makes timm's lr complex.
  /// Only boundaries can do it, so only they are checked.
  func firstComplexStep() -> Int? {
    guard case .cycles(let decay, let initial, _, let mul, _, let limit) = kind, mul != 1
    else { return nil }
    let fractional: (Double) -> Bool = { $0 != $0.rounded() }
    switch decay {
    case .poly(let power, let k): guard fractional(power) || fractional(k) else { return nil }
    case .cosine(let k): guard fractional(k) else { return nil }
    case .tanh: return nil
    }
    let offset = warmupPrefix ? warmupT : 0
    var start = 0.0
    var length = Double(initial)
    for _ in 0..<min(max(limit, 1), 4096) {
      guard start < 9e15 else { break }
      let s = Int(start)
      let (lo, hi) = (max(warmupT, s + offset - 2), s + offset + 2)
      if lo <= hi {
        for t in lo...hi where value(at: t).isNaN { return t }
      }
      start += length
      length *= mul
    }
    return nil
  }

  func value(at step: Int) -> Double { value(at: step, fast: true) }

  /// `fast: false` always takes timm's formula (the tests compare both paths bit for bit).
  func value(at step: Int, fast: Bool) -> Double {
    var t = step
    if t < warmupT { return warmupInit + Double(integer: t) * warmupStep }
    switch kind {
    case .cycles(let decay, let initial, let lrMin, let mul, let cycleDecay, let limit):
      if warmupPrefix { t -= warmupT }
      if fast, let c = cycles, c.limitAtEnd, t >= c.end { return lrMin }
      if fast, let c = cycles, t >= 0, t < c.end {
        let lo = c.search.index(notAbove: t)
        return Self.decayed(decay, tCurr: Double(integer: t) - c.offset[lo], tI: c.length[lo], lrMin: lrMin, lrMax: c.peak[lo])
      }
      let i: Int
      let tI: Double
      let tCurr: Double
      if mul != 1 {
        let x = 1 - Double(integer: t) / Double(integer: initial) * (1 - mul)
        guard x > 0, let index = truncatedInt((Double.log(x) / Double.log(mul)).rounded(.down))
        else { return .nan }  // timm: math domain error
        i = index
        tI = Double.pow(mul, Double(integer: i)) * Double(integer: initial)
        tCurr = Double(integer: t) - (1 - Double.pow(mul, Double(integer: i))) / (1 - mul) * Double(integer: initial)
      } else {
        i = floorDiv(t, initial)
        tI = Double(integer: initial)
        tCurr = Double(integer: t - initial * i)
      }
      guard i < limit else { return lrMin }
      let lrMax = base * Double.pow(cycleDecay, Double(integer: i))
      return Self.decayed(decay, tCurr: tCurr, tI: tI, lrMin: lrMin, lrMax: lrMax)
    case .step(let decayT, let rate):
      if warmupPrefix { t -= warmupT }
      // Python's float floor division of an integer by a whole decay_t is the exact integer
      // quotient, so the common whole decay_t skips fmod (the same number).
      let whole = decayT > 0 && decayT < 0x1p52 && decayT == decayT.rounded() && abs(t) < 1 << 52
      return whole ? levels.value(floorDiv(t, Int(decayT))) : base * Double.pow(rate, pythonFloorDiv(Double(integer: t), decayT))
    case .multiStep(let decayT, _):
      if warmupPrefix { t -= warmupT }
      return levels.value(bisectRight(decayT, t.saturatingAdd(1)))
    case .wsd(let initial, let decayT, let lrMin, let stableFn, let tau, let stablePower,
              let decayFn, let decayPower, let r):
      let ts = t - warmupT
      var stableFactor = 1.0
      if stableFn != .constant {
        let power = stableFn == .rsqrt ? 0.5 : stablePower
        stableFactor = Double.pow(1.0 + Double(integer: ts) / tau, -power)
      }
      let stable = max(base * stableFactor, lrMin)
      let tDecay = ts.saturatingSubtract(initial - decayT)
      if tDecay <= 0 { return stable }
      let frac = min(Double(integer: tDecay) / Double(integer: decayT), 1.0)
      let d: Double
      switch decayFn {
      case .linear: d = 1.0 - frac
      case .oneMinusSqrt: d = 1.0 - frac.squareRoot()
      case .cosine: d = 0.5 * (1.0 + Double.cos(Double.pi * frac))
      case .power: d = 1.0 - Double.pow(frac, decayPower)
      case .exp: d = (Double.pow(r, frac) - r) / (1.0 - r)
      }
      return lrMin + (stable - lrMin) * d
    }
  }
}

extension TimmSchedule {
  /// The value inside a cycle, in timm's operation order (`x^1` is `x` exactly, so `k_decay = 1`
  /// skips the `pow`).
  @inline(__always)
  static func decayed(_ decay: Decay, tCurr: Double, tI: Double, lrMin: Double, lrMax: Double) -> Double {
    switch decay {
    case .cosine(let k):
      let angle = k == 1 ? Double.pi * tCurr / tI : Double.pi * Double.pow(tCurr, k) / Double.pow(tI, k)
      return lrMin + 0.5 * (lrMax - lrMin) * (1 + Double.cos(angle))
    case .tanh(let lb, let ub):
      let tr = tCurr / tI
      return lrMin + 0.5 * (lrMax - lrMin) * (1 - Double.tanh(lb * (1.0 - tr) + ub * tr))
    case .poly(let power, let k):
      let r = k == 1 ? tCurr / tI : Double.pow(tCurr, k) / Double.pow(tI, k)
      return lrMin + (lrMax - lrMin) * Double.pow(1 - r, power)
    }
  }
}

/// Python's `bisect.bisect_right` on a list as given (sorted or not).
func bisectRight(_ a: [Int], _ x: Int) -> Int {
  var lo = 0
  var hi = a.count
  while lo < hi {
    let mid = (lo + hi) / 2
    if x < a[mid] { hi = mid } else { lo = mid + 1 }
  }
  return lo
}

/// Python's `//` for floats (CPython's `float_floor_div`).
func pythonFloorDiv(_ vx: Double, _ wx: Double) -> Double {
  var mod = vx.truncatingRemainder(dividingBy: wx)
  var div = (vx - mod) / wx
  if mod != 0 {
    if (wx < 0) != (mod < 0) {
      mod += wx
      div -= 1.0
    }
  }
  if div != 0 {
    var floordiv = div.rounded(.down)
    if div - floordiv > 0.5 { floordiv += 1.0 }
    return floordiv
  }
  return 0
}
