/// DeepSpeed's schedulers (`deepspeed/runtime/lr_schedules.py`, 0.19.8) in DeepSpeed's operation
/// order, counted as DeepSpeed's engine counts them.
///
/// The constructor sets the learning rate of iteration −1 and the engine calls
/// `scheduler.step()` after each optimizer step, so update `k` uses iteration `k − 1`:
///
/// ```
/// lr(k) = f(k − 1),   f(−1) = what the constructor sets
/// WarmupLR        f(i) = min + (max − min) · γ(i),  γ = log(i + 1) / log(W)  or  i / W  for i < W, else 1
/// WarmupDecayLR   γ(i) = max(0, (total − i) / max(1, total − W))  for i ≥ W
/// WarmupCosineLR  f(i) = lr · max(0, c + (1 − c) · (1 + cos(π · min(1, (i − W + 1) / max(1, total − W)))) / 2)
/// LRRangeTest     f(i) = min · (1 + rate · (i + 1) / size)   (floored with staircase)
/// OneCycle        min + (max − min) · scale(i + 1) over the cycle, then min / (1 + rate · (i − cycle + 1) / size)
/// ```
/// with `W = max(2, warmup_num_steps)`; `f(−1)` is `min` for the warmups, the range test and the
/// cycle, and 0 for `WarmupCosineLR`. Mirrors `deepspeed.runtime.lr_schedules.*.get_lr`.
struct DeepSpeedSchedule: LearningRateSchedule {
  /// How a warmup of `steps = W` iterations rises: `log(i + 1) · (1 / log(W))` or `i / W`.
  struct Warmup: Sendable {
    /// `1 / log(W)` for the log warmup (DeepSpeed's `inverse_log_warm_up`), nil for linear.
    var inverseLog: Double?
    /// `max(2, warmup_num_steps)`.
    var steps: Int

    /// `_get_gamma`'s warmup part at iteration `i < W`.
    @inline(__always) func rise(_ i: Int) -> Double {
      if let inverseLog { return inverseLog * Double.log(Double(i + 1)) }
      return Double(i) / Double(steps)
    }
  }

  /// `OneCycle`'s shape, as DeepSpeed's `_initialize_cycle` stores it.
  struct Cycle: Sendable {
    var minLR: Double
    var maxLR: Double
    var first: Double
    var second: Double
    var total: Double
    var ratio: Double
    var firstStairs: Double
    var secondStairs: Double
    var decayStepSize: Double
    var decayLRRate: Double
    var skipLRDecay: Bool
    var minMomentum: Double
    var maxMomentum: Double
    var decayMomentumRate: Double
    var skipMomentumDecay: Bool

    /// `_get_scale_factor` at batch `b = i + 1`.
    func scale(_ b: Double) -> Double {
      let cycle = (1 + b / total).rounded(.down)
      let x = 1.0 + b / total - cycle
      var factor: Double
      let stairs: Double
      if x <= ratio {
        factor = x / ratio
        stairs = firstStairs
      } else {
        factor = (x - 1) / (ratio - 1)
        stairs = secondStairs
      }
      if stairs > 0 {
        let position = b.truncatingRemainder(dividingBy: total)
        let stair = position <= first
          ? position * stairs / first : (total - position) * stairs / second
        factor = stair.rounded(.down) / stairs
      }
      return factor
    }

    /// The lr of iteration `i ≥ 0`: up and down the cycle, then `min / (1 + rate · n / size)`.
    func lr(_ i: Int) -> Double {
      if Double(i) < total { return minLR + (maxLR - minLR) * scale(Double(i + 1)) }
      if skipLRDecay { return minLR }
      return minLR / (1 + decayLRRate * decayInterval(i))
    }

    /// β1 of iteration `i ≥ 0`: down and up the cycle, then `max · (1 + rate · n / size)`.
    func momentum(_ i: Int) -> Double {
      if Double(i) < total { return maxMomentum - (maxMomentum - minMomentum) * scale(Double(i + 1)) }
      if skipMomentumDecay { return maxMomentum }
      return maxMomentum * (1 + decayMomentumRate * decayInterval(i))
    }

    /// `(i − total + 1) / decay_step_size`: how far past the cycle, in decay steps.
    func decayInterval(_ i: Int) -> Double { (Double(i) - total + 1) / decayStepSize }
  }

  enum Kind: Sendable {
    /// `WarmupLR` (`decayTotal` nil) and `WarmupDecayLR`.
    case warmup(Warmup, min: Double, delta: Double, decayTotal: Double?)
    /// `WarmupCosineLR`: the optimizer's lr scaled by a ratio.
    case cosine(Warmup, lr: Double, warmupMinRatio: Double, cosMinRatio: Double, total: Double)
    /// `LRRangeTest`.
    case rangeTest(min: Double, stepSize: Double, rate: Double, staircase: Bool)
    /// `OneCycle`.
    case oneCycle(Cycle)
  }

  let kind: Kind

  func value(at step: Int) -> Double {
    let i = step.saturatingSubtract(1)
    switch kind {
    case .warmup(let warmup, let min, let delta, let total):
      if i < 0 { return min }
      let gamma: Double
      if i < warmup.steps {
        gamma = warmup.rise(i)
      } else if let total {
        let q = (total - Double(i)) / Swift.max(1.0, total - Double(warmup.steps))
        gamma = q > 0 ? q : 0.0
      } else {
        gamma = 1.0
      }
      return min + delta * gamma
    case .cosine(let warmup, let lr, let warmupMinRatio, let cosMinRatio, let total):
      if i < 0 { return 0.0 }
      var ratio: Double
      if i < warmup.steps {
        ratio = warmupMinRatio + warmup.rise(i) * (1.0 - warmupMinRatio)
      } else {
        let last = Double(i - warmup.steps + 1)
        let span = Swift.max(1, total - Double(warmup.steps))
        let q = last / span
        let progress = q < 1.0 ? q : 1.0
        ratio = (1 + Double.cos(Double.pi * progress)) / 2
        let r = cosMinRatio + (1.0 - cosMinRatio) * ratio
        ratio = r > 0 ? r : 0.0
      }
      return lr * ratio
    case .rangeTest(let min, let stepSize, let rate, let staircase):
      if i < 0 { return min }
      var interval = Double(i.saturatingAdd(1)) / stepSize
      if staircase { interval.round(.down) }
      return min * (1 + rate * interval)
    case .oneCycle(let c):
      return i < 0 ? c.minLR : c.lr(i)
    }
  }

  /// `OneCycle`'s β1 for update `step` (DeepSpeed sets `betas` to `(momentum, 0.99)`); nil for
  /// the other schedulers.
  func momentum(at step: Int) -> Double? {
    guard case .oneCycle(let c) = kind else { return nil }
    let i = step.saturatingSubtract(1)
    return i < 0 ? c.minMomentum : c.momentum(i)
  }
}
