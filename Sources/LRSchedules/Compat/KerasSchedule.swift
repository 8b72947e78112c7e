/// Keras 3's `LearningRateSchedule` classes (`learning_rate_schedule.py`) in float32, with
/// Keras' operation order (`CosineDecayRestarts` is ``KerasRestartsSchedule``). The optimizer calls `schedule(iterations)`, 0 for the first update.
enum KerasSchedule: LearningRateSchedule {
  case exponential(initial: Float, steps: Float, rate: Float, staircase: Bool)
  case piecewise(boundaries: [Int], values: [Float])
  case polynomial(initial: Float, steps: Float, stepsInt: Double, end: Float, power: Float,
                  cycle: Bool)
  case inverseTime(initial: Float, steps: Float, rate: Float, staircase: Bool)
  case cosine(initial: Float, steps: Float, alpha: Double, warmupTarget: Float?, warmupSteps: Float)

  func value(at step: Int) -> Float {
    let s = Float(integer: step)
    switch self {
    case .exponential(let initial, let steps, let rate, let staircase):
      var p = s / steps
      if staircase { p = p.rounded(.down) }
      return initial * Float.pow(rate, p)
    case .piecewise(let boundaries, let values):
      var result: Float = 0
      result += (step <= boundaries[0] ? 1 : 0) * values[0]
      result += (step > boundaries[boundaries.count - 1] ? 1 : 0) * values[values.count - 1]
      for i in 0..<(boundaries.count - 1) {
        let inRange: Float = (step > boundaries[i] && step <= boundaries[i + 1]) ? 1 : 0
        result += inRange * values[i + 1]
      }
      return result
    case .polynomial(let initial, var horizon, let stepsInt, let end, let power, let cycle):
      var g = s
      if cycle {
        let multiplier: Float = g == 0 ? 1 : Float(Double(Float(g / Float(stepsInt))).rounded(.up))
        horizon = horizon * multiplier
      } else {
        g = min(g, horizon)
      }
      let p = g / horizon
      return (initial - end) * Float.pow(1 - p, power) + end
    case .inverseTime(let initial, let steps, let rate, let staircase):
      var p = s / steps
      if staircase { p = p.rounded(.down) }
      return initial / (1 + rate * p)
    case .cosine(let initial, let steps, let alpha, let target, let warmupSteps):
      func decay(_ g: Float, from lr: Float) -> Float {
        let fraction = g / steps
        let cosineDecayed = 0.5 * (1.0 + Float.cos(kerasPi * fraction))
        let decayed = Float(1 - alpha) * cosineDecayed + Float(alpha)
        return lr * decayed
      }
      guard let target else { return decay(min(s, steps), from: initial) }
      let g = min(s, steps + warmupSteps)
      if g < warmupSteps {
        let fraction = g / warmupSteps
        return (target - initial) * fraction + initial
      }
      return decay(g - warmupSteps, from: target)
    }
  }
}

/// `ops.array(math.pi, dtype="float32")`: π rounded to the nearest float32 (3.1415927), which
/// is not Swift's `Float.pi` (rounded down, 3.1415925).
let kerasPi = Float(Double.pi)
