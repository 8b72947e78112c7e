/// The `LambdaLR` multipliers of transformers' `optimization.py` (5.x), evaluated with Python's
/// operation order: update `s` uses `lr · λ(s + offset)`, where `offset` is `last_epoch + 1`
/// for a scheduler resumed with `last_epoch` (0 otherwise). Step counts are kept as the
/// Python numbers they were given as (`num_warmup_steps=2.5` works, as in transformers).
struct HFLambda: LearningRateSchedule {
  enum Kind: Sendable {
    case constant
    case constantWithWarmup(warmup: Double)
    case linear(warmup: Double, total: Double)
    case cosine(warmup: Double, total: Double, cycles: Double, minRate: Double)
    case hardRestarts(warmup: Double, total: Double, cycles: Double)
    case polynomial(warmup: Double, total: Double, lrEnd: Double, power: Double, lrInit: Double)
    case inverseSqrt(warmup: Double, timescale: Double)
    case cosineWarmupWithMinLR(warmup: Double, total: Double, cycles: Double, minRate: Double,
                               warmupRate: Double?)
    case wsd(warmup: Double, stable: Double, decay: Double, warmupType: String, decayType: String,
             minRatio: Double, cycles: Double)
  }

  let kind: Kind
  let lr: Double
  var offset = 0

  func value(at step: Int) -> Double { lr * lambda(step + offset) }

  func lambda(_ step: Int) -> Double {
    let s = Double(integer: step)
    switch kind {
    case .constant:
      return 1
    case .constantWithWarmup(let w):
      return s < w ? s / max(1.0, w) : 1.0
    case .linear(let w, let t):
      if s < w { return s / max(1, w) }
      return max(0.0, (t - s) / max(1, t - w))
    case .cosine(let w, let t, let cycles, let minRate):
      if s < w { return s / max(1, w) }
      let progress = (s - w) / max(1, t - w)
      var factor = 0.5 * (1.0 + Double.cos(Double.pi * cycles * 2.0 * progress))
      factor = factor * (1 - minRate) + minRate
      return max(0, factor)
    case .hardRestarts(let w, let t, let cycles):
      if s < w { return s / max(1, w) }
      let progress = (s - w) / max(1, t - w)
      if progress >= 1.0 { return 0.0 }
      return max(0.0, 0.5 * (1.0 + Double.cos(Double.pi * pythonMod(cycles * progress, 1.0))))
    case .polynomial(let w, let t, let lrEnd, let power, let lrInit):
      if s < w { return s / max(1, w) }
      if s > t { return lrEnd / lrInit }
      let range = lrInit - lrEnd
      let decaySteps = t - w
      let remaining = 1 - (s - w) / decaySteps
      return (range * Double.pow(remaining, power) + lrEnd) / lrInit
    case .inverseSqrt(let w, let timescale):
      if s < w { return s / max(1, w) }
      let shift = timescale - w
      return 1.0 / ((s + shift) / timescale).squareRoot()
    case .cosineWarmupWithMinLR(let w, let t, let cycles, let minRate, let warmupRate):
      if s < w {
        if let rate = warmupRate {
          return rate + (1.0 - rate) * s / max(1, w - 1)
        }
        return (s + 1.0) / max(1.0, w)
      }
      let progress = (s - w + 1.0) / max(1.0, t - w)
      var factor = 0.5 * (1.0 + Double.cos(Double.pi * cycles * 2.0 * progress))
      factor = factor * (1 - minRate) + minRate
      return max(0, factor)
    case .wsd(let w, let stable, let decay, let warmupType, let decayType, let m, let cycles):
      if s < w {
        let progress = s / max(1, w)
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
        let progress = (s - w - stable) / max(1, decay)
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

/// What transformers' `AdafactorSchedule` reports (and the Trainer logs) for an `Adafactor`
/// optimizer with `scale_parameter=False`: `initial_lr` before the first update, then the step
/// size of the update just made, `min(1e-2, 1/√k)` (`warmup_init`: `min(1e-6·k, 1/√k)`) with
/// `relative_step`, or — without it — `initial_lr` throughout (the proxy writes it into the
/// group that Adafactor then reads).
///
/// ```
/// lr(0) = initial_lr;   lr(k) = min(1e-2 or 1e-6·k, 1/√k)  (k ≥ 1, relative_step)
/// ```
struct HFAdafactorProxy: LearningRateSchedule {
  let initialLR: Double
  let relativeStep: Bool
  let warmupInit: Bool

  func value(at step: Int) -> Double {
    guard step >= 1, relativeStep else { return initialLR }
    let k = Double(integer: step)
    let minStep = warmupInit ? 1e-6 * k : 1e-2
    return min(minStep, 1.0 / k.squareRoot())
  }
}

/// Python's `%` for floats: the result takes the sign of the divisor.
func pythonMod(_ a: Double, _ b: Double) -> Double {
  let r = a.truncatingRemainder(dividingBy: b)
  return (r != 0 && (r < 0) != (b < 0)) ? r + b : r
}
