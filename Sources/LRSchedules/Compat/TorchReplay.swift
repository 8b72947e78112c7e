/// A replay of PyTorch's scheduler objects (`torch/optim/lr_scheduler.py`, 2.15) against one
/// optimizer param group, the way Python runs them: constructors in argument order (children
/// before their composite), the param group dict they share (`lr`, `initial_lr`, OneCycleLR's
/// `max_lr`/`min_lr`, the cycling schedulers' momentum keys), `SequentialLR`'s reset,
/// `recursive_undo` and hand-offs through `_update_lr(0)`, `ChainedScheduler`'s steps, and the
/// exceptions Python raises. Composites and resumed schedulers are evaluated this way, so their
/// off-by-ones (pytorch/pytorch#196243) and cross-talk (a OneCycleLR rewriting `initial_lr`
/// for its siblings) come out as PyTorch computes them.
struct TorchReplay: Sendable {
  /// The scheduler tree, as decoded.
  indirect enum Node: Sendable {
    case leaf(TorchLeaf, lastEpoch: Int, path: String)
    case sequential([Node], milestones: [Int], lastEpoch: Int, path: String)
    case chained([Node], path: String)
  }

  /// A Python exception raised while stepping.
  struct Raised: Error, Sendable {
    /// The scheduler whose code raised (a spec path).
    var path: String
    /// The exception as Python prints it.
    var reason: String
  }

  /// The optimizer's single param group, as the schedulers see it.
  struct Group: Sendable {
    var lr: Double
    var initialLR: Double?
    var maxLR: Double?
    var minLR: Double?
    /// `momentum` (SGD) or `betas[0]` (Adam); nil while no scheduler has set it.
    var momentum: Double?
    var maxMomentum: Double?
    var baseMomentum: Double?
  }

  /// One scheduler object's attributes.
  struct Object: Sendable {
    enum Kind: Sendable {
      case leaf(TorchLeaf)
      case sequential(children: [Int], milestones: [Int])
      case chained(children: [Int])
    }
    var kind: Kind
    var path: String
    var lastEpochArgument: Int
    var lastEpoch = -1
    var stepCount = 0
    var isInitial = false
    var baseLR = 0.0
    var tCur = 0
    var tI = 0
  }

  var objects: [Object] = []
  var group: Group
  var root = 0

  /// Builds the objects of `node` for an optimizer whose lr is `lr` (nothing constructed yet).
  init(_ node: Node, lr: Double) {
    group = Group(lr: lr)
    root = add(node)
  }

  mutating func add(_ node: Node) -> Int {
    let kind: Object.Kind
    let path: String
    var lastEpoch = -1
    switch node {
    case .leaf(let leaf, let le, let p):
      kind = .leaf(leaf)
      path = p
      lastEpoch = le
    case .sequential(let children, let milestones, let le, let p):
      kind = .sequential(children: children.map { add($0) }, milestones: milestones)
      path = p
      lastEpoch = le
    case .chained(let children, let p):
      kind = .chained(children: children.map { add($0) })
      path = p
    }
    objects.append(Object(kind: kind, path: path, lastEpochArgument: lastEpoch))
    return objects.count - 1
  }

  // MARK: Constructors

  /// Runs the constructors of the tree under `n`, children first, as Python evaluates them.
  mutating func construct(_ n: Int) throws(Raised) {
    let le = objects[n].lastEpochArgument
    switch objects[n].kind {
    case .leaf(let leaf):
      switch leaf {
      case .oneCycle(let p):
        if le == -1 {
          group.initialLR = p.maxLR / p.divFactor
          group.maxLR = p.maxLR
          group.minLR = group.initialLR! / p.finalDivFactor
        }
        if p.cycleMomentum && le == -1 {
          group.momentum = p.maxMomentum
          group.maxMomentum = p.maxMomentum
          group.baseMomentum = p.baseMomentum
        }
      case .cyclic(let p):
        if le == -1 { group.lr = p.baseLR }
        if p.cycleMomentum && le == -1 {
          group.momentum = p.maxMomentum
          group.maxMomentum = p.maxMomentum
          group.baseMomentum = p.baseMomentum
        }
      case .warmRestarts(let t0, _, _):
        objects[n].tI = t0
        objects[n].tCur = le
      default:
        break
      }
      // LRScheduler.__init__
      if le == -1 {
        if group.initialLR == nil { group.initialLR = group.lr }
      } else if group.initialLR == nil {
        throw Raised(path: objects[n].path,
                     reason: "KeyError: param 'initial_lr' is not specified in param_groups[0] when resuming scheduler with last_epoch >= 0")
      }
      objects[n].baseLR = group.initialLR!
      objects[n].lastEpoch = le
      try initialStep(n)
      if case .cyclic(let p) = leaf { objects[n].baseLR = p.baseLR }
    case .sequential(let children, let milestones):
      for c in children { try construct(c) }
      objects[n].lastEpoch = le + 1
      guard let initial = group.initialLR else {
        throw Raised(path: objects[n].path, reason: "KeyError: 'initial_lr'")
      }
      group.lr = initial
      undo(n)
      try initialStep(children[countAtOrBelow(milestones, 0)])
    case .chained(let children):
      for c in children { try construct(c) }
    }
  }

  /// `SequentialLR.recursive_undo`: every scheduler below that is not a composite steps back.
  mutating func undo(_ n: Int) {
    switch objects[n].kind {
    case .sequential(let children, _), .chained(let children):
      for c in children { undoChild(c) }
    case .leaf:
      objects[n].lastEpoch -= 1
    }
  }

  mutating func undoChild(_ n: Int) {
    switch objects[n].kind {
    case .sequential, .chained: undo(n)
    case .leaf: objects[n].lastEpoch -= 1
    }
  }

  /// `LRScheduler._initial_step`: step count 0, one step in initial mode.
  mutating func initialStep(_ n: Int) throws(Raised) {
    objects[n].stepCount = 0
    objects[n].isInitial = true
    defer { objects[n].isInitial = false }
    try step(n)
  }

  // MARK: Stepping

  /// `scheduler.step()`.
  mutating func step(_ n: Int) throws(Raised) {
    switch objects[n].kind {
    case .leaf(let leaf):
      if case .warmRestarts(let t0, let mult, _) = leaf {
        // CosineAnnealingWarmRestarts.step overrides LRScheduler.step (no _step_count).
        if objects[n].lastEpoch < 0 {
          if 0 >= t0 {
            objects[n].tCur = 0
          } else {
            objects[n].tI = t0
            objects[n].tCur = 0
          }
          objects[n].lastEpoch = 0
        } else {
          objects[n].lastEpoch += 1
          objects[n].tCur += 1
          if objects[n].tCur >= objects[n].tI {
            objects[n].tCur = pythonModInt(objects[n].tCur, objects[n].tI)
            objects[n].tI *= mult
          }
        }
        group.lr = try getLR(n, leaf)
        return
      }
      objects[n].stepCount += 1
      try updateLR(n, epoch: nil)
    case .sequential(let children, let milestones):
      objects[n].lastEpoch += 1
      let le = objects[n].lastEpoch
      let idx = countAtOrBelow(milestones, le)
      let child = children[idx]
      if idx > 0 && milestones[idx - 1] == le {
        try updateLR(child, epoch: 0)
      } else {
        try step(child)
      }
    case .chained(let children):
      for c in children { try step(c) }
    }
  }

  /// `LRScheduler._update_lr(epoch)`.
  mutating func updateLR(_ n: Int, epoch: Int?) throws(Raised) {
    guard case .leaf(let leaf) = objects[n].kind else {
      // A composite has no get_lr (LRScheduler.get_lr raises).
      throw Raised(path: objects[n].path,
                   reason: "NotImplementedError: a nested composite is handed over with _update_lr(0), which calls get_lr()")
    }
    if let epoch {
      objects[n].lastEpoch = epoch
      if leaf.hasClosedForm {
        group.lr = try closedForm(n, leaf)
        return
      }
    } else {
      objects[n].lastEpoch += 1
    }
    group.lr = try getLR(n, leaf)
  }

  func zeroDivision(_ n: Int) -> Raised {
    Raised(path: objects[n].path, reason: "ZeroDivisionError: float division by zero")
  }

  /// Python's float `a ** b`, which raises OverflowError where the result is out of range.
  func pythonPow(_ a: Double, _ b: Double, _ n: Int) throws(Raised) -> Double {
    let r = Double.pow(a, b)
    if r.isInfinite && a.isFinite && b.isFinite {
      throw Raised(path: objects[n].path, reason: "OverflowError: (34, 'Numerical result out of range')")
    }
    return r
  }

  /// Python's float `a / b`, which raises on a zero divisor.
  func divide(_ a: Double, _ b: Double, _ n: Int) throws(Raised) -> Double {
    if b == 0 { throw zeroDivision(n) }
    return a / b
  }

  /// `get_lr()`: the chainable form, reading the group's current lr.
  mutating func getLR(_ n: Int, _ leaf: TorchLeaf) throws(Raised) -> Double {
    let o = objects[n]
    let le = o.lastEpoch
    let lr = group.lr
    switch leaf {
    case .step(let size, let gamma):
      return (le == 0 || pythonModInt(le, size) != 0) ? lr : lr * gamma
    case .multiStep(let milestones, let gamma):
      let count = milestones.lazy.filter { $0 == le }.count
      return count == 0 ? lr : lr * Double.pow(gamma, Double(count))
    case .constant(let factor, let iters):
      if le == 0 { return lr * factor }
      if le != iters { return lr }
      return lr * (try divide(1.0, factor, n))
    case .linear(let s, let e, let iters):
      if le == 0 { return lr * s }
      if o.isInitial || le > iters { return lr }
      return lr * (1.0 + (try divide(e - s, Double(iters) * s + Double(le - 1) * (e - s), n)))
    case .exponential(let gamma):
      return o.isInitial ? lr : lr * gamma
    case .polynomial(let iters, let power):
      if o.isInitial || le > iters { return lr }
      let num = 1.0 - (try divide(Double(le), Double(iters), n))
      let den = 1.0 - (try divide(Double(le - 1), Double(iters), n))
      return lr * Double.pow(try divide(num, den, n), power)
    case .cosine(let tMax, let etaMin):
      let t = Double(tMax)
      if o.isInitial { return lr }
      if o.stepCount == 1 && le > 0 {
        return etaMin + (o.baseLR - etaMin) * (1 + Double.cos(try divide(Double(le) * Double.pi, t, n))) / 2
      }
      if tMax == 0 {
        throw Raised(path: o.path, reason: "ZeroDivisionError: integer modulo by zero")
      }
      if pythonModInt(le - 1 - tMax, 2 * tMax) == 0 {
        return lr + (o.baseLR - etaMin) * (1 - Double.cos(Double.pi / t)) / 2
      }
      let den = 1 + Double.cos(Double.pi * Double(le - 1) / t)
      return (try divide(1 + Double.cos(Double.pi * Double(le) / t), den, n)) * (lr - etaMin) + etaMin
    case .warmRestarts(_, _, let etaMin):
      return etaMin + (o.baseLR - etaMin)
        * (1 + Double.cos(Double.pi * (try divide(Double(o.tCur), Double(o.tI), n)))) / 2
    case .oneCycle(let p):
      let stepNum = le
      if stepNum > p.totalSteps {
        throw Raised(path: o.path,
                     reason: "Tried to step \(stepNum) times. The specified number of total steps is \(p.totalSteps)")
      }
      var start = 0.0
      for (i, phase) in p.phases.enumerated() {
        if Double(stepNum) <= phase.end || i == p.phases.count - 1 {
          let pct = try divide(Double(stepNum) - start, phase.end - start, n)
          guard let a = value(phase.startLR), let b = value(phase.endLR) else {
            throw Raised(path: o.path, reason: "KeyError: '\(phase.startLR)' in param_groups[0]")
          }
          let computed = p.anneal(a, b, pct)
          if p.cycleMomentum {
            guard let ma = value(phase.startMomentum), let mb = value(phase.endMomentum) else {
              throw Raised(path: o.path, reason: "KeyError: '\(phase.startMomentum)' in param_groups[0]")
            }
            group.momentum = p.anneal(ma, mb, pct)
          }
          return computed
        }
        start = phase.end
      }
      return lr
    case .cyclic(let p):
      let totalSize = p.up + p.down
      let ratio = try divide(p.up, totalSize, n)
      let cycle = (1 + (try divide(Double(le), totalSize, n))).rounded(.down)
      let x = 1.0 + Double(le) / totalSize - cycle
      let scaleFactor = x <= ratio ? try divide(x, ratio, n) : try divide(x - 1, ratio - 1, n)
      let scale: Double
      switch p.mode {
      case .triangular: scale = 1.0
      case .triangular2: scale = 1 / (try pythonPow(2.0, cycle - 1, n))
      case .exponentialRange: scale = try pythonPow(p.gamma, Double(le), n)
      }
      let baseHeight = (p.maxLR - o.baseLR) * scaleFactor
      let computed = o.baseLR + baseHeight * scale
      if p.cycleMomentum {
        let mHeight = (p.maxMomentum - p.baseMomentum) * scaleFactor
        group.momentum = p.maxMomentum - mHeight * scale
      }
      return computed
    }
  }

  /// `_get_closed_form_lr()`, from the object's `base_lrs`.
  func closedForm(_ n: Int, _ leaf: TorchLeaf) throws(Raised) -> Double {
    let o = objects[n]
    let le = o.lastEpoch
    let base = o.baseLR
    switch leaf {
    case .step(let size, let gamma):
      return base * Double.pow(gamma, Double(floorDiv(le, size)))
    case .multiStep(let milestones, let gamma):
      return base * Double.pow(gamma, Double(countAtOrBelow(milestones.sorted(), le)))
    case .constant(let factor, let iters):
      return base * (factor + (le >= iters ? 1 : 0) * (1 - factor))
    case .linear(let s, let e, let iters):
      return base * (s + (try divide((e - s) * Double(min(iters, le)), Double(iters), n)))
    case .exponential(let gamma):
      return base * Double.pow(gamma, Double(le))
    case .polynomial(let iters, let power):
      return base * Double.pow(1.0 - (try divide(Double(min(iters, le)), Double(iters), n)), power)
    case .cosine(let tMax, let etaMin):
      return etaMin + (base - etaMin) * (1 + Double.cos(try divide(Double.pi * Double(le), Double(tMax), n))) / 2
    default:
      return group.lr
    }
  }

  func value(_ key: TorchLeaf.GroupKey) -> Double? {
    switch key {
    case .initialLR: group.initialLR
    case .maxLR: group.maxLR
    case .minLR: group.minLR
    case .maxMomentum: group.maxMomentum
    case .baseMomentum: group.baseMomentum
    }
  }

  // MARK: Runs

  /// The replay positioned for recording: constructed, or — for a top-level scheduler resumed
  /// with `last_epoch = N` — run N steps from scratch, then constructed again on the group
  /// those steps left (the optimizer's loaded state), as a resumed script does.
  static func start(_ node: Node, lr: Double) throws(Raised) -> TorchReplay {
    if case .leaf(let leaf, let le, let path) = node, le >= 0 {
      var fresh = TorchReplay(.leaf(leaf, lastEpoch: -1, path: path), lr: lr)
      try fresh.construct(fresh.root)
      for _ in 0..<le { try fresh.step(fresh.root) }
      var resumed = TorchReplay(node, lr: lr)
      resumed.group = fresh.group
      try resumed.construct(resumed.root)
      return resumed
    }
    var replay = TorchReplay(node, lr: lr)
    try replay.construct(replay.root)
    return replay
  }
}

/// The parameters of one leaf `torch.optim.lr_scheduler` class.
enum TorchLeaf: Sendable {
  case step(size: Int, gamma: Double)
  case multiStep(milestones: [Int], gamma: Double)
  case constant(factor: Double, iters: Int)
  case linear(start: Double, end: Double, iters: Int)
  case exponential(gamma: Double)
  case polynomial(iters: Int, power: Double)
  case cosine(tMax: Int, etaMin: Double)
  case warmRestarts(t0: Int, mult: Int, etaMin: Double)
  case oneCycle(OneCycleParameters)
  case cyclic(CyclicParameters)

  /// Whether even a top-level instance must be replayed (its closed form divides by zero
  /// where PyTorch's first steps do not).
  var needsReplay: Bool {
    if case .cosine(0, _) = self { return true }
    return false
  }

  /// Whether the class defines `_get_closed_form_lr` (used by `_update_lr(epoch)`).
  var hasClosedForm: Bool {
    switch self {
    case .step, .multiStep, .constant, .linear, .exponential, .polynomial, .cosine: true
    case .warmRestarts, .oneCycle, .cyclic: false
    }
  }

  /// A param group key OneCycleLR reads its phase ends from.
  enum GroupKey: String, Sendable {
    case initialLR = "initial_lr"
    case maxLR = "max_lr"
    case minLR = "min_lr"
    case maxMomentum = "max_momentum"
    case baseMomentum = "base_momentum"
  }

  /// OneCycleLR's constructor arguments and phases.
  struct OneCycleParameters: Sendable {
    struct Phase: Sendable {
      var end: Double
      var startLR: GroupKey
      var endLR: GroupKey
      var startMomentum: GroupKey
      var endMomentum: GroupKey
    }
    var maxLR: Double
    var totalSteps: Int
    var divFactor: Double
    var finalDivFactor: Double
    var cycleMomentum: Bool
    var baseMomentum: Double
    var maxMomentum: Double
    var linear: Bool
    var phases: [Phase]

    init(maxLR: Double, totalSteps: Int, pctStart: Double, linear: Bool, cycleMomentum: Bool,
         baseMomentum: Double, maxMomentum: Double, divFactor: Double, finalDivFactor: Double,
         threePhase: Bool) {
      self.maxLR = maxLR
      self.totalSteps = totalSteps
      self.divFactor = divFactor
      self.finalDivFactor = finalDivFactor
      self.cycleMomentum = cycleMomentum
      self.baseMomentum = baseMomentum
      self.maxMomentum = maxMomentum
      self.linear = linear
      let t = Double(totalSteps)
      if threePhase {
        phases = [
          Phase(end: pctStart * t - 1, startLR: .initialLR, endLR: .maxLR,
                startMomentum: .maxMomentum, endMomentum: .baseMomentum),
          Phase(end: 2 * pctStart * t - 2, startLR: .maxLR, endLR: .initialLR,
                startMomentum: .baseMomentum, endMomentum: .maxMomentum),
          Phase(end: t - 1, startLR: .initialLR, endLR: .minLR,
                startMomentum: .maxMomentum, endMomentum: .maxMomentum),
        ]
      } else {
        phases = [
          Phase(end: pctStart * t - 1, startLR: .initialLR, endLR: .maxLR,
                startMomentum: .maxMomentum, endMomentum: .baseMomentum),
          Phase(end: t - 1, startLR: .maxLR, endLR: .minLR,
                startMomentum: .baseMomentum, endMomentum: .maxMomentum),
        ]
      }
    }

    /// `_annealing_cos` / `_annealing_linear`.
    func anneal(_ start: Double, _ end: Double, _ pct: Double) -> Double {
      if linear { return (end - start) * pct + start }
      let cosOut = Double.cos(Double.pi * pct) + 1
      return end + (start - end) / 2.0 * cosOut
    }
  }

  /// CyclicLR's constructor arguments.
  struct CyclicParameters: Sendable {
    /// The first epoch whose scale `2.0 ** (cycle − 1)` (triangular2) or `gamma ** epoch`
    /// (exp_range, gamma > 1) overflows: Python raises OverflowError there.
    var overflowEpoch: Int? {
      let total = up + down
      switch mode {
      case .triangular:
        return nil
      case .triangular2:
        let estimate = 1024 * total
        guard estimate.isFinite, estimate < 9e15 else { return nil }
        var t = max(0, Int(estimate) - 3)
        while (1 + Double(t) / total).rounded(.down) - 1 < 1024 { t += 1 }
        return t
      case .exponentialRange:
        guard gamma > 1 else { return nil }
        let estimate = 1024 * Double.log(2) / Double.log(gamma)
        guard estimate.isFinite, estimate < 9e15 else { return nil }
        var t = max(0, Int(estimate) - 3)
        while Double.pow(gamma, Double(t)).isFinite { t += 1 }
        return t
      }
    }

    var baseLR: Double
    var maxLR: Double
    var up: Double
    var down: Double
    var mode: Cyclic<Double>.Mode
    var gamma: Double
    var cycleMomentum: Bool
    var baseMomentum: Double
    var maxMomentum: Double
  }
}
