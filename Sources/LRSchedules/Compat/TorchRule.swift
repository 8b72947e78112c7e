/// One `torch.optim.lr_scheduler` class with its parameters, in PyTorch's two forms: the closed
/// form of the step (`_get_closed_form_lr`) and the chainable update of the current lr
/// (`get_lr`, what `step()` runs). Top-level schedulers use the closed form, which agrees with
/// the chainable values to ~1e-14 except where noted; `ChainedScheduler` runs the chain.
indirect enum TorchRule: Sendable {
  case step(size: Int, gamma: Double)
  case multiStep(milestones: [Int], gamma: Double)
  case constant(factor: Double, iters: Int)
  case linear(start: Double, end: Double, iters: Int)
  case exponential(gamma: Double)
  case polynomial(iters: Int, power: Double)
  case cosine(period: Int, etaMin: Double)
  case warmRestarts(period: Int, multiplier: Int, etaMin: Double)
  case oneCycle(OneCycle<Double>)
  case cyclic(Cyclic<Double>)
  case sequential(children: [TorchRule], milestones: [Int])
  case chained([TorchRule])

  /// Whether a composite holds another composite (then only a replay reproduces PyTorch).
  var nestsComposites: Bool {
    switch self {
    case .sequential(let children, _), .chained(let children):
      children.contains { child in
        switch child {
        case .sequential, .chained: true
        default: false
        }
      }
    default: false
    }
  }

  /// The lr at scheduler epoch `t` of a scheduler created with base lr `base` (top level).
  func closed(_ t: Int, base: Double) -> Double {
    switch self {
    case .step(let size, let gamma):
      return base * Double.pow(gamma, Double(floorDiv(t, size)))
    case .multiStep(let milestones, let gamma):
      return base * Double.pow(gamma, Double(countAtOrBelow(milestones, t)))
    case .constant(let factor, let iters):
      // Chainable: with total_iters = 0 the lr stays at factor · base forever.
      if iters == 0 { return base * factor }
      return base * (factor + (t >= iters ? 1 : 0) * (1 - factor))
    case .linear(let s, let e, let iters):
      if iters == 0 { return base * s }
      return base * (s + (e - s) * Double(min(iters, t)) / Double(iters))
    case .exponential(let gamma):
      return base * Double.pow(gamma, Double(t))
    case .polynomial(let iters, let power):
      if iters == 0 { return base }
      return base * Double.pow(1.0 - Double(min(iters, t)) / Double(iters), power)
    case .cosine(let period, let etaMin):
      return etaMin + (base - etaMin) * (1 + Double.cos(Double.pi * Double(t) / Double(period))) / 2
    case .warmRestarts(let period, let multiplier, let etaMin):
      let (tCur, tI) = Self.restartPosition(t, period: period, multiplier: multiplier)
      return etaMin + (base - etaMin) * (1 + Double.cos(Double.pi * Double(tCur) / Double(tI))) / 2
    case .oneCycle(let cycle):
      return cycle.value(at: t)
    case .cyclic(let cyc):
      return cyc.value(at: t)
    case .sequential(let children, let milestones):
      let i = countAtOrBelow(milestones, t)
      if i == 0 { return children[0].closed(t, base: base) }
      return children[i].afterHandoff(t - milestones[i - 1], base: base)
    case .chained(let children):
      var lr = base
      for k in 0...max(t, 0) {
        for child in children { lr = child.chain(k, lr: lr, base: base) }
      }
      return lr
    }
  }

  /// The lr at child epoch `t` of a `SequentialLR` child that took over at a milestone: the hand-off
  /// evaluates the closed form at epoch 0 (`_update_lr(0)`), then the chain continues from it.
  func afterHandoff(_ t: Int, base: Double) -> Double {
    switch self {
    case .constant(_, let iters) where iters == 0:
      return base  // closed form at 0 gives base; the chain never changes it again
    default:
      return closed(t, base: base)
    }
  }

  /// PyTorch's chainable update: the lr after stepping to epoch `t` from `lr`.
  func chain(_ t: Int, lr: Double, base: Double) -> Double {
    switch self {
    case .step(let size, let gamma):
      return (t == 0 || t % size != 0) ? lr : lr * gamma
    case .multiStep(let milestones, let gamma):
      let n = milestones.lazy.filter { $0 == t }.count
      return n == 0 ? lr : lr * Double.pow(gamma, Double(n))
    case .constant(let factor, let iters):
      if t == 0 { return lr * factor }
      return t != iters ? lr : lr * (1.0 / factor)
    case .linear(let s, let e, let iters):
      if t == 0 { return lr * s }
      if t > iters { return lr }
      return lr * (1.0 + (e - s) / (Double(iters) * s + Double(t - 1) * (e - s)))
    case .exponential(let gamma):
      return t == 0 ? lr : lr * gamma
    case .polynomial(let iters, let power):
      if t == 0 || t > iters { return lr }
      let ratio = (1.0 - Double(t) / Double(iters)) / (1.0 - Double(t - 1) / Double(iters))
      return lr * Double.pow(ratio, power)
    case .cosine(let period, let etaMin):
      if t == 0 { return lr }
      let p = Double(period)
      if (t - 1 - period) % (2 * period) == 0 {
        return lr + (base - etaMin) * (1 - Double.cos(Double.pi / p)) / 2
      }
      return (1 + Double.cos(Double.pi * Double(t) / p)) / (1 + Double.cos(Double.pi * Double(t - 1) / p))
        * (lr - etaMin) + etaMin
    case .warmRestarts, .oneCycle, .cyclic, .sequential, .chained:
      return closed(t, base: base)
    }
  }

  /// `(T_cur, T_i)` at epoch `t` for `CosineAnnealingWarmRestarts` stepped without an epoch
  /// argument: integer arithmetic, as the implicit `step()` path is.
  static func restartPosition(_ t: Int, period: Int, multiplier: Int) -> (Int, Int) {
    var tCur = max(t, 0)
    var tI = period
    if multiplier == 1 { return (tCur % period, period) }
    while tCur >= tI {
      tCur -= tI
      tI *= multiplier
    }
    return (tCur, tI)
  }
}

/// Python's `//` for integers.
func floorDiv(_ a: Int, _ b: Int) -> Int {
  let q = a / b
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
}

/// A top-level PyTorch scheduler as a schedule: the lr update `k` uses is the rule at epoch `k`.
struct TorchSchedule: LearningRateSchedule {
  let rule: TorchRule
  let base: Double

  func value(at step: Int) -> Double { rule.closed(step, base: base) }

  func fill(_ buffer: UnsafeMutableBufferPointer<Double>, from start: Int) {
    guard case .chained(let children) = rule else {
      for i in buffer.indices { buffer[i] = rule.closed(start + i, base: base) }
      return
    }
    // The chain is a recursion: run it once over the whole range.
    var lr = base
    for k in 0..<(start + buffer.count) {
      for child in children { lr = child.chain(k, lr: lr, base: base) }
      if k >= start { buffer[k - start] = lr }
    }
  }
}
