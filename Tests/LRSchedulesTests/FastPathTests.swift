import Foundation
import Testing

@testable import LRSchedules

/// Faster evaluation paths give the numbers of the formulas they replace, bit for bit.
@Suite("Fast paths are bit-identical")
struct FastPathTests {
  @Test("x^1 is x: libm's pow returns its argument exactly, so k_decay = 1 may skip it")
  func powOne() {
    var rng = SystemRandomNumberGenerator()
    let specials: [Double] = [0, -0.0, 1, -1, 1e-300, -1e-300, .leastNonzeroMagnitude, .greatestFiniteMagnitude, 3.5, -2.75]
    for x in specials + (0..<100_000).map({ _ in Double(bitPattern: rng.next() & 0x7FEF_FFFF_FFFF_FFFF) * (Bool.random() ? 1 : -1) }) {
      #expect(Double.pow(x, 1).bitPattern == x.bitPattern, "\(x)")
    }
  }

  @Test("powf(x, 1) is x for float32 in [0, 1] (optax's cosine and polynomial skip it for power 1)")
  func powfOne() {
    var rng = SystemRandomNumberGenerator()
    let specials: [Float] = [0, 1, .leastNonzeroMagnitude, .ulpOfOne, 0.5, Float(1).nextDown]
    for x in specials + (0..<200_000).map({ _ in Float.random(in: 0...1, using: &rng) }) {
      #expect(Float.pow(x, 1).bitPattern == x.bitPattern, "\(x)")
    }
  }

  @Test("Python's float floor division of a whole step by a whole decay_t is the integer quotient (timm StepLR)")
  func wholeFloorDivision() {
    var rng = SystemRandomNumberGenerator()
    for _ in 0..<200_000 {
      let d = Int.random(in: 1...5000, using: &rng)
      let t = Int.random(in: 0...10_000_000, using: &rng)
      #expect(pythonFloorDiv(Double(t), Double(d)).bitPattern == Double(floorDiv(t, d)).bitPattern, "\(t) // \(d)")
    }
  }

  @Test("timm's cycles: the located cycle table equals timm's floating-log index at every step",
        arguments: 0..<40)
  func timmCycles(_ seed: Int) throws {
    var g = SystemRandomNumberGenerator()
    let initial = Int.random(in: 1...500, using: &g)
    let mul = [0.5, 0.8, 1.5, 2, 3, Double.random(in: 0.3...4, using: &g)][seed % 6]
    let limit = [1, 2, 3, 5, 10, 40][seed % 6 == 0 ? 5 : Int.random(in: 0...5, using: &g)]
    let warmup = Int.random(in: 0...50, using: &g)
    let k = [1.0, 1.0, 0.5, 2.0][seed % 4]
    let decay: TimmSchedule.Decay = [.cosine(kDecay: k), .tanh(lower: -7, upper: 3), .poly(power: 0.5 + Double(seed % 3), kDecay: k)][seed % 3]
    let s = TimmSchedule(kind: .cycles(decay, initial: initial, lrMin: 1e-5, mul: mul, decay: 0.9, limit: limit),
                         base: 0.1, warmupT: warmup, warmupInit: 1e-4, warmupPrefix: seed % 2 == 0)
    let span = Int(min(Double(initial) * (mul > 1 ? Foundation.pow(mul, Double(limit)) : Double(limit)) * 2, 60_000))
    for t in 0..<max(span, 100) {
      let fast = s.value(at: t, fast: true)
      let slow = s.value(at: t, fast: false)
      #expect(fast.bitPattern == slow.bitPattern || (fast.isNaN && slow.isNaN), "t \(t): \(fast) vs \(slow) (initial \(initial), mul \(mul), limit \(limit))")
      if fast.bitPattern != slow.bitPattern && !(fast.isNaN && slow.isNaN) { break }
    }
  }
}

@Suite("Fast paths are bit-identical (Keras)")
struct KerasFastPathTests {
  @Test("Keras' restarts: the located restarts equal Keras' float32 logarithm at every step", arguments: 0..<24)
  func kerasRestarts(_ seed: Int) {
    var g = SystemRandomNumberGenerator()
    let first = Float(Int.random(in: 1...700, using: &g))
    let tMul = [Float(2), 1.5, 3, 0.5, 0.8, Float.random(in: 0.3...4, using: &g)][seed % 6]
    let s = KerasRestartsSchedule(initial: 0.1, first: first, tMul: tMul, mMul: [1, 0.9, 1.1][seed % 3], alpha: [0, 0.01][seed % 2])
    for step in 0..<60_000 {
      let fast = s.value(at: step, fast: true)
      let slow = s.value(at: step, fast: false)
      let same = fast.bitPattern == slow.bitPattern || (fast.isNaN && slow.isNaN)
      #expect(same, "step \(step): \(fast) vs \(slow) (first \(first), t_mul \(tMul))")
      if !same { break }
    }
  }
}

/// The precomputed forms of the peer translations (2026-12-03): a flattened join, a table of a
/// step decay's levels, MLX's constants rounded once. Each is compared, bit for bit, with the
/// expression it replaced, on random parameters drawn anew in every run.
@Suite("Fast paths are bit-identical (precomputed)")
struct PrecomputedFastPathTests {
  /// optax's `join_schedules` as its source reads: every child evaluated, `jnp.where` keeps the
  /// later one once its boundary has passed (`zip` ignores surplus boundaries or schedules).
  static func optaxJoin(_ tree: JoinedSchedule<OptaxSchedule<Float>>.Tree, _ count: Int) -> Float {
    switch tree {
    case .leaf(let leaf): return leaf.value(at: count)
    case .join(let children, let boundaries):
      var output = optaxJoin(children[0], count)
      for (boundary, child) in zip(boundaries, children.dropFirst()) where !(count < boundary) {
        output = optaxJoin(child, count - boundary)
      }
      return output
    }
  }

  static func randomLeaf(_ g: inout some RandomNumberGenerator) -> OptaxSchedule<Float> {
    switch Int.random(in: 0..<5, using: &g) {
    case 0: .constant(Double.random(in: 0...1, using: &g))
    case 1: .polynomial(initial: Double.random(in: 0...1, using: &g), end: Double.random(in: 0...0.1, using: &g),
                        power: [1, 2, 0.5][Int.random(in: 0..<3, using: &g)], steps: Int.random(in: 1...300, using: &g),
                        begin: Int.random(in: -5...20, using: &g))
    case 2: .exponential(initial: Double.random(in: 0...1, using: &g), steps: Int.random(in: 1...50, using: &g),
                         rate: Double.random(in: 0.5...0.99, using: &g), begin: 0, staircase: Bool.random(using: &g), end: nil)
    case 3: .cosineDecay(initial: Double.random(in: 0...1, using: &g), steps: Int.random(in: 1...300, using: &g),
                         alpha: Double.random(in: 0...0.2, using: &g), exponent: 1)
    default: OptaxSchedule<Float>.interpolate(cosine: Bool.random(using: &g), initial: 0.1,
                                              scales: [(Int.random(in: 1...100, using: &g), 0.5), (Int.random(in: 100...300, using: &g), 0.1)])
    }
  }

  static func randomTree(_ g: inout some RandomNumberGenerator, depth: Int) -> JoinedSchedule<OptaxSchedule<Float>>.Tree {
    if depth == 0 || Int.random(in: 0..<3, using: &g) == 0 { return .leaf(randomLeaf(&g)) }
    let children = (0..<Int.random(in: 1...4, using: &g)).map { _ in randomTree(&g, depth: depth - 1) }
    // Boundaries as users write them: usually one fewer than the children and ascending, but
    // also unsorted, negative, repeated, too few or too many.
    var boundaries = (0..<max(children.count - 1 + Int.random(in: -1...1, using: &g), 0)).map { _ in Int.random(in: -20...400, using: &g) }
    if Bool.random(using: &g) { boundaries.sort() }
    return .join(children, boundaries: boundaries)
  }

  @Test("A flattened join (optax, nested, any boundaries) equals optax's where-chain at every count", arguments: 0..<60)
  func joinedSchedule(_ seed: Int) {
    var g = SystemRandomNumberGenerator()
    let tree = Self.randomTree(&g, depth: seed % 3 + 1)
    let joined = JoinedSchedule(tree)
    for count in -30..<700 {
      let fast = joined.value(at: count)
      let slow = Self.optaxJoin(tree, count)
      let same = fast.bitPattern == slow.bitPattern || (fast.isNaN && slow.isNaN)
      #expect(same, "count \(count): \(fast) vs \(slow) (\(tree))")
      if !same { break }
    }
  }

  @Test("Step-decay levels equal base · pow(gamma, n) inside and beyond the table")
  func geometricLevels() {
    var g = SystemRandomNumberGenerator()
    for _ in 0..<200 {
      let base = Double.random(in: 1e-6...2, using: &g)
      let gamma = [0.1, 0.5, 0.9, 0.999, 1.5, Double.random(in: 0.01...1.2, using: &g)][Int.random(in: 0..<6, using: &g)]
      let levels = GeometricLevels(base: base, gamma: gamma, count: Int.random(in: 0...64, using: &g))
      for n in -3..<150 {
        #expect(levels.value(n).bitPattern == (base * Foundation.pow(gamma, Double(n))).bitPattern, "n \(n), base \(base), gamma \(gamma)")
      }
    }
  }

  @Test("torch's StepLR and MultiStepLR and timm's step classes read their levels table as pow gave them")
  func stepClasses() {
    var g = SystemRandomNumberGenerator()
    for _ in 0..<100 {
      let base = Double.random(in: 1e-5...1, using: &g)
      let gamma = Double.random(in: 0.05...0.99, using: &g)
      let size = Int.random(in: 1...40, using: &g)
      let milestones = (0..<Int.random(in: 1...6, using: &g)).map { _ in Int.random(in: 0...500, using: &g) }.sorted()
      let torchStep = TorchSchedule(leaf: .step(size: size, gamma: gamma), base: base)
      let torchMulti = TorchSchedule(leaf: .multiStep(milestones: milestones, gamma: gamma), base: base)
      let timmStep = TimmSchedule(kind: .step(decayT: Double(size), rate: gamma), base: base, warmupT: 0, warmupInit: 0, warmupPrefix: false)
      let timmMulti = TimmSchedule(kind: .multiStep(decayT: milestones, rate: gamma), base: base, warmupT: 0, warmupInit: 0, warmupPrefix: false)
      for t in 0..<3000 {
        let n = Double(t / size)
        #expect(torchStep.value(at: t).bitPattern == (base * Foundation.pow(gamma, n)).bitPattern, "StepLR t \(t)")
        #expect(timmStep.value(at: t).bitPattern == (base * Foundation.pow(gamma, n)).bitPattern, "timm StepLR t \(t)")
        let passed = Double(milestones.filter { $0 <= t }.count)
        #expect(torchMulti.value(at: t).bitPattern == (base * Foundation.pow(gamma, passed)).bitPattern, "MultiStepLR t \(t)")
        let timmPassed = Double(milestones.filter { $0 <= t + 1 }.count)
        #expect(timmMulti.value(at: t).bitPattern == (base * Foundation.pow(gamma, timmPassed)).bitPattern, "timm multistep t \(t)")
      }
    }
  }

  @Test("MLX's cosine_decay and linear_schedule with their float32 constants rounded once equal the per-call expressions")
  func mlxConstants() {
    var g = SystemRandomNumberGenerator()
    for _ in 0..<300 {
      let initial = Double.random(in: -1...1, using: &g)
      let end = [0, Double.random(in: -1...1, using: &g)][Int.random(in: 0...1, using: &g)]
      let steps = Int.random(in: 1...100_000, using: &g)
      let cosine = MLXSchedule.cosine(initial: initial, steps: steps, end: end)
      let linear = MLXSchedule.linear(initial: initial, end: end, steps: steps)
      for _ in 0..<200 {
        let step = Int.random(in: 0...(2 * steps), using: &g)
        let s = Float(min(step, steps))
        let decay = 0.5 * (1.0 + Float.cos(Float(Double.pi / Double(steps)) * s))
        #expect(cosine.value(at: step).bitPattern == (Float(end) + decay * Float(initial - end)).bitPattern, "cosine step \(step)")
        #expect(linear.value(at: step).bitPattern == (s * Float((end - initial) / Double(steps)) + Float(initial)).bitPattern, "linear step \(step)")
      }
    }
  }
}

@Suite("Fast paths are bit-identical (integer conversion)")
struct IntegerConversionTests {
  /// Integers around every edge of the magic-constant conversion: 0, the 2²³ and 2⁵² limits,
  /// the float32 rounding region above 2²⁴, negatives and the extremes; then random ones of
  /// every magnitude, drawn anew each run.
  static func integers() -> [Int] {
    var edges: [Int] = [0, 1, 2, 3, -1, -2, Int.max, Int.min, Int.max - 1, Int.min + 1]
    for p in [22, 23, 24, 25, 51, 52, 53, 62] {
      for d in -3...3 { edges.append((1 << p) + d); edges.append(-(1 << p) + d) }
    }
    var g = SystemRandomNumberGenerator()
    for _ in 0..<20_000 {
      let bits = Int.random(in: 0...63, using: &g)
      let magnitude = bits == 0 ? 0 : Int.random(in: 0...(Int.max >> (63 - bits)), using: &g)
      edges.append(Bool.random(using: &g) ? magnitude : -magnitude)
    }
    return edges
  }

  @Test("Scalar(integer: k) is Scalar(k) bit for bit, in Double and Float, for every Int")
  func sameBits() {
    for k in Self.integers() {
      #expect(Double(integer: k).bitPattern == Double(k).bitPattern, "Double \(k)")
      #expect(Float(integer: k).bitPattern == Float(k).bitPattern, "Float \(k)")
    }
    // Every integer below 2²³ in float32 (the fast range), exhaustively.
    var mismatches = 0
    for k in 0..<(1 << 23) where Float(integer: k).bitPattern != Float(k).bitPattern { mismatches += 1 }
    #expect(mismatches == 0)
  }
}

@Suite("Fast paths are bit-identical (cycle tables)")
struct CycleTableSearchTests {
  /// The textbook binary search the restart schedules each had before.
  static func branching<T: Comparable>(_ x: T, _ sorted: [T]) -> Int {
    var lo = 0
    var hi = sorted.count
    while hi - lo > 1 {
      let mid = (lo + hi) / 2
      if sorted[mid] <= x { lo = mid } else { hi = mid }
    }
    return lo
  }

  @Test("The shared cycle search finds the textbook binary search's index: random ascending tables with repeats, Int and Double")
  func sameIndex() {
    var g = SystemRandomNumberGenerator()
    for _ in 0..<2_000 {
      let count = Int.random(in: 1...80, using: &g)
      var table = [0]
      for _ in 1..<count { table.append(table[table.count - 1] + [0, 1, 2, 7, 1000][Int.random(in: 0..<5, using: &g)]) }
      let doubles = table.map { Double($0) * 0.37 }
      for _ in 0..<50 {
        let x = Int.random(in: 0...(table[table.count - 1] + 3), using: &g)
        #expect(lastIndex(notAbove: x, in: table) == Self.branching(x, table), "\(table) at \(x)")
        let y = Double(x) * 0.37 + [0, 0.1, -0.0][Int.random(in: 0..<3, using: &g)]
        #expect(lastIndex(notAbove: y, in: doubles) == Self.branching(y, doubles), "\(doubles) at \(y)")
      }
      // The answer is the last entry not above x: every later one is above it.
      let x = Int.random(in: 0...(table[table.count - 1] + 3), using: &g)
      let i = lastIndex(notAbove: x, in: table)
      #expect(table[i] <= x && (i + 1 == table.count || table[i + 1] > x))
    }
  }

  /// A random ascending table as the restart schedules build them: geometric growth (a
  /// multiplier from barely above 1 to 1000), repeats, fractional starts, starts near 2⁵³.
  static func randomStarts(_ g: inout SystemRandomNumberGenerator) -> [Double] {
    let count = [1, 2, 3, Int.random(in: 1...80, using: &g), Int.random(in: 1...5000, using: &g)][Int.random(in: 0..<5, using: &g)]
    let multiplier = [1.0001, 1.01, 1.1, 1.5, 2, 3, 10, 1000, Double.random(in: 1...4, using: &g)][Int.random(in: 0..<9, using: &g)]
    var length = [0.5, 1, 3, 500, Double.random(in: 1...1e6, using: &g)][Int.random(in: 0..<5, using: &g)]
    var table = [Bool.random(using: &g) ? 0 : Double(Int.random(in: 0...1000, using: &g))]
    for _ in 1..<count {
      let next = table[table.count - 1] + (Int.random(in: 0..<20, using: &g) == 0 ? 0 : length)
      guard next < 9e15 else { break }
      table.append(next)
      length *= multiplier
    }
    return table
  }

  @Test("CycleSearch, the restart schedules' indexed search, gives the binary search's index: random tables and steps, every run")
  func indexedSearch() {
    var g = SystemRandomNumberGenerator()
    var checked = 0
    for round in 0..<1_500 {
      var doubles = Self.randomStarts(&g)
      if round % 3 == 0 { doubles = doubles.map { $0.rounded(.up) } }
      let search = CycleSearch(starts: doubles)
      let last = doubles[doubles.count - 1]
      for _ in 0..<200 {
        let s = doubles[Int.random(in: 0..<doubles.count, using: &g)]
        let x = [s, s.nextDown, s.nextUp, s - 1, s + 1, s + 0.5, Double.random(in: doubles[0]...(last + 10), using: &g),
                 last * 4, 1e300, .infinity][Int.random(in: 0..<10, using: &g)]
        guard x >= doubles[0] else { continue }
        #expect(search.index(notAbove: x) == Self.branching(x, doubles), "\(doubles.prefix(8))… (\(doubles.count)) at \(x)")
        checked += 1
      }
      // Integer tables: the Double path below 2⁵³, the integers above (starts past 2⁵³ too).
      var ints = doubles.map { Int($0.rounded(.up)) }
      if round % 5 == 0 { ints += [(1 << 53) - 1, 1 << 53, (1 << 53) + 1, (1 << 62) + 3, Int.max - 1] }
      let intSearch = CycleSearch(starts: ints)
      for _ in 0..<100 {
        let s = ints[Int.random(in: 0..<ints.count, using: &g)]
        let k = [s, s.saturatingSubtract(1), s.saturatingAdd(1), Int.random(in: ints[0]...Int.max, using: &g), Int.max][Int.random(in: 0..<5, using: &g)]
        guard k >= ints[0] else { continue }
        #expect(intSearch.index(notAbove: k) == Self.branching(k, ints), "\(ints.prefix(8))… (\(ints.count)) at \(k)")
        checked += 1
      }
    }
    #expect(checked > 300_000)
    // Below the first start (outside the contract) it stays inside the table: -0, negatives, NaN.
    let search = CycleSearch(starts: [0, 5, 17, 40])
    for x in [-0.0, -1, -1e300, -.infinity, .nan] { #expect((0..<4).contains(search.index(notAbove: x))) }
  }

  @Test("Native restarts (Double and Float) find the cycle the binary search over their starts finds, past 2²⁴ in Float")
  func nativeRestartsCycle() {
    var g = SystemRandomNumberGenerator()
    for _ in 0..<300 {
      let period = [1, 7, 500, Int.random(in: 1...100_000, using: &g)][Int.random(in: 0..<4, using: &g)]
      let multiplier = [1.05, 1.5, 2, 3, Double.random(in: 1.001...10, using: &g)][Int.random(in: 0..<5, using: &g)]
      let d = WarmRestarts<Double>(lr: 0.1, period: period, multiplier: multiplier)
      let f = WarmRestarts<Float>(lr: 0.1, period: period, multiplier: Float(multiplier))
      for _ in 0..<200 {
        let k = [Int.random(in: 0...100_000, using: &g), Int.random(in: 0...(1 << 30), using: &g),
                 Int.random(in: 0...(1 << 55), using: &g)][Int.random(in: 0..<3, using: &g)]
        #expect(d.cycle(at: k).index == Self.branching(Double(k), d.starts), "Double \(period) \(multiplier) at \(k)")
        #expect(f.cycle(at: k).index == Self.branching(Float(k), f.starts), "Float \(period) \(multiplier) at \(k)")
      }
    }
  }

  @Test("A sequence calls its children in place: at random steps it gives each random native child's value at the shifted step, bit for bit, and its fill agrees within the bulk paths' few ulps")
  func sequenceChildren() throws {
    var d = NativeReferenceTests.Draw()
    var checked = 0
    for _ in 0..<150 {
      let count = d.int(1, 4)
      let specs = (0..<count).map { _ in
        NativeReferenceTests.randomSpec(d.pick(NativeReferenceTests.families), &d)
      }
      var milestones: [Int] = []
      for _ in 1..<count { milestones.append((milestones.last ?? 0) + d.int(1, 150)) }
      let float32 = d.bool(0.3)
      let sequence: [String: Any] = ["type": "sequence", "schedules": specs, "milestones": milestones,
                                     "precision": float32 ? "float32" : "float64"]
      let text = NativeReferenceTests.json(sequence)
      let decoded = try ScheduleSpec.decode(text: text)
      let children = try specs.map { spec in
        // A child without its own precision computes in the sequence's.
        var child = spec
        if child["precision"] == nil { child["precision"] = float32 ? "float32" : "float64" }
        return try ScheduleSpec.decode(text: NativeReferenceTests.json(child)).lr
      }
      let end = (milestones.last ?? 0) + 300
      var steps = (0..<60).map { _ in d.int(-3, end) } + milestones + milestones.map { $0 - 1 }
      steps += [Int.min, Int.max]
      for k in steps {
        let i = milestones.filter { $0 <= k }.count
        let expected = children[i].value(at: i == 0 ? k : k - milestones[i - 1])
        #expect(decoded.lr.value(at: k).bitPattern == expected.bitPattern, "seed \(d.seed): \(text) at \(k)")
        checked += 1
      }
      let start = d.int(-5, end)
      let filled = [Double](unsafeUninitializedCapacity: 64) { buffer, n in
        decoded.lr.fill(buffer, from: start)
        n = 64
      }
      // The bulk path of a native family may differ by a few ulps (cosine by angle addition):
      // the protocol's documented allowance, here in absolute terms for learning rates ≤ 2.
      let anyFloat32 = float32 || specs.contains { $0["precision"] as? String == "float32" }
      for (j, x) in filled.enumerated() {
        let v = decoded.lr.value(at: start + j)
        #expect(abs(x - v) <= (anyFloat32 ? 1e-6 : 1e-13), "seed \(d.seed): \(text) fill from \(start) at \(start + j)")
      }
    }
    #expect(checked > 9_000)
  }

  /// `(T_cur, T_i)` at epoch `t` as PyTorch's `step()` reaches it for `CosineAnnealingWarmRestarts`
  /// (`T_mult > 1`): one cycle subtracted at a time, in integers.
  static func stepLoop(_ t: Int, period: Int, multiplier: Int) -> (Int, Int) {
    var tCur = t
    var tI = period
    while tCur >= tI {
      tCur -= tI
      tI *= multiplier
    }
    return (tCur, tI)
  }

  @Test("torch's CosineAnnealingWarmRestarts: the cycle table gives step()'s (T_cur, T_i) at random epochs, and no overflow at Int.max")
  func torchRestartTable() throws {
    var g = SystemRandomNumberGenerator()
    for _ in 0..<500 {
      let t0 = [1, 2, 3, 10, 500, Int.random(in: 1...100_000, using: &g)][Int.random(in: 0..<6, using: &g)]
      let mult = [2, 3, 10, Int.random(in: 2...1000, using: &g)][Int.random(in: 0..<4, using: &g)]
      let (starts, lengths) = TorchSchedule.restartTable(period: t0, multiplier: mult)
      #expect(starts.count == lengths.count && starts[0] == 0 && lengths[0] == t0)
      for _ in 0..<100 {
        // Epochs where step()'s own loop does not overflow: within the table's last complete cycle.
        let bound = starts.count > 1 ? starts[starts.count - 1] - 1 : 1_000_000
        let t = Int.random(in: 0...bound, using: &g)
        let i = lastIndex(notAbove: t, in: starts)
        let loop = Self.stepLoop(t, period: t0, multiplier: mult)
        #expect(t - starts[i] == loop.0 && lengths[i] == loop.1, "T_0 \(t0), T_mult \(mult), t \(t)")
      }
    }
    let spec = #"{"type":"torch.optim.lr_scheduler.CosineAnnealingWarmRestarts","lr":0.1,"T_0":3,"T_mult":7}"#
    let schedule = try ScheduleSpec.decode(text: spec).lr
    #expect(schedule.value(at: Int.max).isFinite)
    #expect(schedule.value(at: 1 << 62).isFinite)
  }

  @Test("fastai's combined cosine: the cut points as scalars give the array version's bits")
  func fastaiCuts() {
    // The version with the cut points in an array, as written before.
    func reference(_ c: FastaiCombinedCos, _ step: Int) -> Double {
      let pos = Float(Double(integer: step) / Double(integer: c.total))
      let cuts: [Float] = [0, Float(c.pct), Float(c.pct) + Float(1 - c.pct)]
      var idx = 0
      for i in cuts.indices where pos >= cuts[i] { idx = i }
      idx = min(idx, 1)
      let actual = Double((pos - cuts[idx]) / (cuts[idx + 1] - cuts[idx]))
      let (s, e) = idx == 0 ? (c.start, c.middle) : (c.middle, c.end)
      return s + (1 + Double.cos(Double.pi * (1 - actual))) * (e - s) / 2
    }
    var rng = SystemRandomNumberGenerator()
    let pcts: [Double] = [0, 0.25, 0.3, 0.75, 1, 1.5, -0.5, 1e-9, 0.999_999_9]
    for _ in 0..<2_000 {
      let total = Int.random(in: 1...5_000, using: &rng)
      let pct = Bool.random(using: &rng) ? pcts.randomElement(using: &rng)! : Double.random(in: -0.2...1.2, using: &rng)
      let c = FastaiCombinedCos(total: total, pct: pct, start: Double.random(in: 0...1, using: &rng),
                                middle: Double.random(in: 0...1, using: &rng), end: Double.random(in: 0...1, using: &rng))
      for step in [0, 1, total / 2, total - 1, total, total + 1, -1, Int.random(in: -10...(2 * total), using: &rng)] {
        let fast = c.value(at: step), slow = reference(c, step)
        #expect(fast.bitPattern == slow.bitPattern || (fast.isNaN && slow.isNaN), "pct \(pct), total \(total), step \(step)")
      }
    }
  }
}
