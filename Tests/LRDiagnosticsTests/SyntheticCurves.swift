import Foundation
import LRDiagnostics

/// Labelled synthetic training curves: each generator draws a curve that shows one problem
/// (or none), with seeded noise.
enum SyntheticCurves {
  struct Case: Sendable, CustomStringConvertible {
    let name: String
    let expected: Verdict.Kind
    let log: TrainingLog
    var description: String { name }
  }

  static func make(_ name: String, _ expected: Verdict.Kind, n: Int = 400,
                   loss: (Int, inout SplitMix64) -> Double, lr: ((Int) -> Double)? = nil,
                   eval: ((Int) -> Double)? = nil, seed: UInt64) -> Case {
    var rng = SplitMix64(seed: seed)
    var log = TrainingLog(format: "synthetic", path: name)
    for k in 0..<n {
      log.add("loss", step: k, value: loss(k, &rng))
      if let lr { log.add("lr", step: k, value: lr(k)) }
      if let eval, k % 40 == 39 { log.add("eval_loss", step: k, value: eval(k)) }
    }
    return Case(name: name, expected: expected, log: log.normalized())
  }

  static func noise(_ rng: inout SplitMix64, _ scale: Double) -> Double { Double(rng.normal()) * scale }

  static var all: [Case] {
    var cases: [Case] = []
    for seed in UInt64(1)...4 {
      let s = Double(seed)
      cases.append(make("healthy cosine \(seed)", .healthy, loss: { k, r in
        0.4 + 2.0 * exp(-Double(k) / (60 + 10 * s)) + noise(&r, 0.03) }, lr: { k in 1e-3 * (k < 20 ? Double(k) / 20 : 0.5 * (1 + cos(Double.pi * Double(k) / 400))) }, seed: seed))
      cases.append(make("diverged NaN \(seed)", .diverged, loss: { k, r in
        k < 150 + 20 * Int(seed) ? 2.5 * exp(-Double(k) / 80) + 0.5 + noise(&r, 0.02) : .nan }, seed: seed))
      cases.append(make("blow-up \(seed)", .diverged, loss: { k, r in
        k < 200 ? 2.3 * exp(-Double(k) / 50) + 0.3 + noise(&r, 0.02) : 0.3 + Double(k - 200) * 0.05 * s + noise(&r, 0.1) }, seed: seed))
      cases.append(make("stagnation \(seed)", .stagnation, loss: { k, r in
        2.3 - 0.0002 * s * Double(k) + noise(&r, 0.01) }, lr: { _ in 1e-6 }, seed: seed))
      cases.append(make("oscillation \(seed)", .oscillation, loss: { k, r in
        let base = 1.8 * exp(-Double(k) / 40) + 0.15
        return k < 150 ? base + noise(&r, 0.02) : 0.6 + abs(noise(&r, 0.35 + 0.05 * s)) }, lr: { _ in 0.3 }, seed: seed))
      cases.append(make("overfitting \(seed)", .overfitting, loss: { k, r in
        2.0 * exp(-Double(k) / 60) + 0.05 + noise(&r, 0.01) }, eval: { k in
        let t = Double(k) / 400
        return 1.2 - 1.2 * t + 2.2 * t * t * (1 + 0.1 * s) }, seed: seed))
      cases.append(make("warmup missing \(seed)", .warmup, loss: { k, r in
        if k >= 3 && k < 12 { return 6.0 + Double(seed) + noise(&r, 0.3) }
        return 2.2 * exp(-Double(k) / 70) + 0.4 + noise(&r, 0.02) }, lr: { _ in 3e-3 }, seed: seed))
      cases.append(make("spikes \(seed)", .spikes, loss: { k, r in
        let base = 2.0 * exp(-Double(k) / 80) + 0.6 + noise(&r, 0.01)
        return [180, 260, 330].contains(k + Int(seed)) ? base * 3 : base }, seed: seed))
    }
    return cases
  }
}

/// SplitMix64 with a Box–Muller normal: the seeded noise of the synthetic curves (the same
/// sequence as LRTraining's generator, kept here so that these tests need only LRDiagnostics).
struct SplitMix64 {
  var state: UInt64

  init(seed: UInt64) { state = seed }

  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  mutating func normal() -> Float {
    let u1 = max(Double(next() >> 11) / Double(1 << 53), 1e-300)
    let u2 = Double(next() >> 11) / Double(1 << 53)
    return Float((-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2))
  }
}
