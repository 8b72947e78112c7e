/// The `LambdaLR` multipliers of transformers' `optimization.py`, evaluated with Python's
/// operation order: update `s` uses `lr · λ(s)`.
struct HFLambda: LearningRateSchedule {
  enum Kind: Sendable {
    case constant
    case constantWithWarmup(warmup: Int)
    case linear(warmup: Int, total: Int)
    case cosine(warmup: Int, total: Int, cycles: Double, minRate: Double)
    case hardRestarts(warmup: Int, total: Int, cycles: Double)
    case polynomial(warmup: Int, total: Int, lrEnd: Double, power: Double, lrInit: Double)
    case inverseSqrt(warmup: Int, timescale: Double)
    case cosineWarmupWithMinLR(warmup: Int, total: Int, cycles: Double, minRate: Double,
                               warmupRate: Double?)
    case wsd(warmup: Int, stable: Int, decay: Int, warmupType: String, decayType: String,
             minRatio: Double, cycles: Double)
  }

  let kind: Kind
  let lr: Double

  func value(at step: Int) -> Double { lr * lambda(step) }

  func lambda(_ s: Int) -> Double {
    switch kind {
    case .constant:
      return 1
    case .constantWithWarmup(let w):
      return s < w ? Double(s) / max(1.0, Double(w)) : 1.0
    case .linear(let w, let t):
      if s < w { return Double(s) / Double(max(1, w)) }
      return max(0.0, Double(t - s) / Double(max(1, t - w)))
    case .cosine(let w, let t, let cycles, let minRate):
      if s < w { return Double(s) / Double(max(1, w)) }
      let progress = Double(s - w) / Double(max(1, t - w))
      var factor = 0.5 * (1.0 + Double.cos(Double.pi * cycles * 2.0 * progress))
      factor = factor * (1 - minRate) + minRate
      return max(0, factor)
    case .hardRestarts(let w, let t, let cycles):
      if s < w { return Double(s) / Double(max(1, w)) }
      let progress = Double(s - w) / Double(max(1, t - w))
      if progress >= 1.0 { return 0.0 }
      return max(0.0, 0.5 * (1.0 + Double.cos(Double.pi * pythonMod(cycles * progress, 1.0))))
    case .polynomial(let w, let t, let lrEnd, let power, let lrInit):
      if s < w { return Double(s) / Double(max(1, w)) }
      if s > t { return lrEnd / lrInit }
      let range = lrInit - lrEnd
      let decaySteps = t - w
      let remaining = 1 - Double(s - w) / Double(decaySteps)
      return (range * Double.pow(remaining, power) + lrEnd) / lrInit
    case .inverseSqrt(let w, let timescale):
      if s < w { return Double(s) / Double(max(1, w)) }
      let shift = timescale - Double(w)
      return 1.0 / ((Double(s) + shift) / timescale).squareRoot()
    case .cosineWarmupWithMinLR(let w, let t, let cycles, let minRate, let warmupRate):
      let step = Double(s)
      let warm = Double(w)
      if step < warm {
        if let rate = warmupRate {
          return rate + (1.0 - rate) * step / max(1, warm - 1)
        }
        return (step + 1.0) / max(1.0, warm)
      }
      let progress = (step - warm + 1.0) / max(1.0, Double(t) - warm)
      var factor = 0.5 * (1.0 + Double.cos(Double.pi * cycles * 2.0 * progress))
      factor = factor * (1 - minRate) + minRate
      return max(0, factor)
    case .wsd(let w, let stable, let decay, let warmupType, let decayType, let m, let cycles):
      if s < w {
        let progress = Double(s) / Double(max(1, w))
        var factor: Double
        switch warmupType {
        case "cosine": factor = 0.5 * (1.0 - Double.cos(Double.pi * progress))
        case "1-sqrt": factor = 1.0 - (1.0 - progress).squareRoot()
        default: factor = progress
        }
        factor = factor * (1.0 - m) + m
        return max(0.0, factor)
      }
      if s < w + stable { return 1.0 }
      if s < w + stable + decay {
        let progress = Double(s - w - stable) / Double(max(1, decay))
        var factor: Double
        switch decayType {
        case "cosine": factor = 0.5 * (1.0 + Double.cos(Double.pi * cycles * 2.0 * progress))
        case "1-sqrt": factor = 1.0 - progress.squareRoot()
        default: factor = 1.0 - progress
        }
        factor = factor * (1.0 - m) + m
        return max(0.0, factor)
      }
      return m
    }
  }
}

/// Python's `%` for floats: the result takes the sign of the divisor.
func pythonMod(_ a: Double, _ b: Double) -> Double {
  let r = a.truncatingRemainder(dividingBy: b)
  return (r != 0 && (r < 0) != (b < 0)) ? r + b : r
}
