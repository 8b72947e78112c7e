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
