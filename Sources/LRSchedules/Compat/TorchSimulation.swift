/// A replay of PyTorch's scheduler objects for composites that nest composites
/// (`SequentialLR` inside `SequentialLR`, `ChainedScheduler` inside either): construction order,
/// `recursive_undo`, initial steps and hand-offs run exactly as in `lr_scheduler.py`, so nested
/// composites show PyTorch's real (off-by-one) behaviour (pytorch/pytorch#196243).
///
/// Evaluating step `k` replays steps `0…k`: O(k) per value, O(n) per curve.
struct TorchSimulation: Sendable {
  enum Node: Sendable {
    case leaf(TorchRule)
    case sequential(children: [Int], milestones: [Int])
    case chained(children: [Int])
  }

  var nodes: [Node] = []
  var lastEpoch: [Int] = []
  var stepCount: [Int] = []
  var initial: [Bool] = []
  var tCur: [Int] = []
  var tI: [Int] = []
  var lr: Double
  let base: Double
  var root = 0

  init(rule: TorchRule, base: Double) {
    self.lr = base
    self.base = base
    root = add(rule)
  }

  mutating func add(_ rule: TorchRule) -> Int {
    let node: Node
    switch rule {
    case .sequential(let children, let milestones):
      node = .sequential(children: children.map { add($0) }, milestones: milestones)
    case .chained(let children):
      node = .chained(children: children.map { add($0) })
    default:
      node = .leaf(rule)
    }
    nodes.append(node)
    lastEpoch.append(-1)
    stepCount.append(0)
    initial.append(false)
    tCur.append(-1)
    tI.append(0)
    return nodes.count - 1
  }

  /// Runs the constructors, children first, as Python evaluates the spec's nesting.
  mutating func construct(_ n: Int) {
    switch nodes[n] {
    case .leaf(let rule):
      if case .warmRestarts(let period, _, _) = rule { tI[n] = period }
      lastEpoch[n] = -1
      initialStep(n)
    case .sequential(let children, let milestones):
      for c in children { construct(c) }
      lastEpoch[n] = 0
      lr = base
      undo(n)
      let idx = countAtOrBelow(milestones, 0)
      initialStep(children[idx])
    case .chained(let children):
      for c in children { construct(c) }
    }
  }

  mutating func undo(_ n: Int) {
    switch nodes[n] {
    case .sequential(let children, _), .chained(let children):
      for c in children {
        if case .leaf = nodes[c] { lastEpoch[c] -= 1 } else { undo(c) }
      }
    case .leaf:
      lastEpoch[n] -= 1
    }
  }

  mutating func initialStep(_ n: Int) {
    stepCount[n] = 0
    initial[n] = true
    step(n)
    initial[n] = false
  }

  mutating func step(_ n: Int) {
    switch nodes[n] {
    case .leaf(let rule):
      stepCount[n] += 1
      if case .warmRestarts(_, let mult, _) = rule {
        if lastEpoch[n] < 0 {
          tI[n] = tIInitial(rule)
          tCur[n] = 0
          lastEpoch[n] = 0
        } else {
          lastEpoch[n] += 1
          tCur[n] += 1
          if tCur[n] >= tI[n] {
            tCur[n] %= tI[n]
            tI[n] *= mult
          }
        }
        lr = leafValue(rule, n)
        return
      }
      lastEpoch[n] += 1
      lr = chainable(rule, n)
    case .sequential(let children, let milestones):
      lastEpoch[n] += 1
      let idx = countAtOrBelow(milestones, lastEpoch[n])
      let child = children[idx]
      if idx > 0 && milestones[idx - 1] == lastEpoch[n] {
        if case .leaf(let rule) = nodes[child] {
          lastEpoch[child] = 0
          lr = handoffValue(rule, child)
        } else {
          lr = .nan  // PyTorch: NotImplementedError (a composite has no get_lr)
        }
      } else {
        step(child)
      }
    case .chained(let children):
      for c in children { step(c) }
    }
  }

  func tIInitial(_ rule: TorchRule) -> Int {
    if case .warmRestarts(let period, _, _) = rule { return period }
    return 0
  }

  /// `_update_lr(0)`: the closed form where the class has one, else `get_lr()` at epoch 0.
  func handoffValue(_ rule: TorchRule, _ n: Int) -> Double {
    switch rule {
    case .constant(let factor, let iters):
      return base * (factor + (0 >= iters ? 1 : 0) * (1 - factor))
    case .linear(let s, let e, let iters):
      return iters == 0 ? .nan : base * (s + (e - s) * Double(min(iters, 0)) / Double(iters))
    case .polynomial(let iters, let power):
      return iters == 0 ? .nan : base * Double.pow(1.0 - 0 / Double(iters), power)
    case .warmRestarts:
      return leafValue(rule, n)
    default:
      return rule.closed(0, base: base)
    }
  }

  /// Absolute-valued classes (CAWR, one-cycle, cyclic) at the node's state.
  func leafValue(_ rule: TorchRule, _ n: Int) -> Double {
    switch rule {
    case .warmRestarts(_, _, let etaMin):
      return etaMin + (base - etaMin) * (1 + Double.cos(Double.pi * Double(tCur[n]) / Double(tI[n]))) / 2
    default:
      return rule.closed(lastEpoch[n], base: base)
    }
  }

  /// `get_lr()` of a leaf at its current `last_epoch`, from the current lr.
  func chainable(_ rule: TorchRule, _ n: Int) -> Double {
    let t = lastEpoch[n]
    switch rule {
    case .step(let size, let gamma):
      return (t == 0 || pythonModInt(t, size) != 0) ? lr : lr * gamma
    case .multiStep(let milestones, let gamma):
      let count = milestones.lazy.filter { $0 == t }.count
      return count == 0 ? lr : lr * Double.pow(gamma, Double(count))
    case .constant(let factor, let iters):
      if t == 0 { return lr * factor }
      return t != iters ? lr : lr * (1.0 / factor)
    case .linear(let s, let e, let iters):
      if t == 0 { return lr * s }
      if initial[n] || t > iters { return lr }
      return lr * (1.0 + (e - s) / (Double(iters) * s + Double(t - 1) * (e - s)))
    case .exponential(let gamma):
      return initial[n] ? lr : lr * gamma
    case .polynomial(let iters, let power):
      if initial[n] || t > iters { return lr }
      let ratio = (1.0 - Double(t) / Double(iters)) / (1.0 - Double(t - 1) / Double(iters))
      return lr * Double.pow(ratio, power)
    case .cosine(let period, let etaMin):
      if initial[n] { return lr }
      if stepCount[n] == 1 && t > 0 { return rule.closed(t, base: base) }
      if pythonModInt(t - 1 - period, 2 * period) == 0 {
        return lr + (base - etaMin) * (1 - Double.cos(Double.pi / Double(period))) / 2
      }
      return (1 + Double.cos(Double.pi * Double(t) / Double(period)))
        / (1 + Double.cos(Double.pi * Double(t - 1) / Double(period))) * (lr - etaMin) + etaMin
    default:
      return leafValue(rule, n)
    }
  }

  /// The lr updates `0..<count` use.
  func run(count: Int) -> [Double] {
    var sim = self
    var out: [Double] = []
    out.reserveCapacity(count)
    guard count > 0 else { return out }
    sim.construct(sim.root)
    out.append(sim.lr)
    while out.count < count {
      sim.step(sim.root)
      out.append(sim.lr)
    }
    return out
  }
}

/// Python's `%` for integers.
func pythonModInt(_ a: Int, _ b: Int) -> Int {
  let r = a % b
  return (r != 0 && (r < 0) != (b < 0)) ? r + b : r
}

/// A PyTorch composite with nested composites, replayed object by object.
struct TorchReplaySchedule: LearningRateSchedule {
  let simulation: TorchSimulation

  func value(at step: Int) -> Double { simulation.run(count: max(step, 0) + 1)[max(step, 0)] }

  func fill(_ buffer: UnsafeMutableBufferPointer<Double>, from start: Int) {
    let all = simulation.run(count: start + buffer.count)
    for i in buffer.indices { buffer[i] = all[start + i] }
  }
}
