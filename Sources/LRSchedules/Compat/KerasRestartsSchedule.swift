/// Keras 3's `CosineDecayRestarts` in float32 with Keras' operation order, with its restarts
/// located once: for `t_mul ≠ 1` Keras finds the restart with a float32 logarithm; here the first
/// step of each restart is found by evaluating that same expression around the exact boundary,
/// so evaluating costs a binary search instead of a `log` and three `pow`s, with the same bits.
struct KerasRestartsSchedule: LearningRateSchedule {
  let initial: Float
  let first: Float
  let tMul: Float
  let mMul: Float
  let alpha: Float
  /// Restart `i` starts at step `starts[i]`; with `sumR[i]`, `tPow[i] = t_mul^i` and
  /// `mFac[i] = m_mul^i` as Keras computes them for `i_restart = i`.
  let starts: [Int]
  /// The index that finds a step's restart in `starts` (nil when there are none).
  let search: CycleSearch?
  let sumR: [Float]
  let tPow: [Float]
  let mFac: [Float]
  /// The table answers for steps below `end`.
  let end: Int

  init(initial: Float, first: Float, tMul: Float, mMul: Float, alpha: Float) {
    self.initial = initial
    self.first = first
    self.tMul = tMul
    self.mMul = mMul
    self.alpha = alpha
    var starts: [Int] = []
    if tMul != 1, tMul > 0 {
      // Float32 steps are exact below 2^24.
      starts = cycleStarts(
        cycles: 64, limit: 1e7,
        exact: { Double(first) * (Double.pow(Double(tMul), Double($0)) - 1) / (Double(tMul) - 1) },
        index: { s in
          let i = Self.restartIndex(s, first: first, tMul: tMul)
          return i.isFinite ? Int(i) : nil
        })
    }
    var sumR = starts.indices.map { (1.0 - Float.pow(tMul, Float($0))) / (1.0 - tMul) }
    var tPow = starts.indices.map { Float.pow(tMul, Float($0)) }
    var mFac = starts.indices.map { Float.pow(mMul, Float($0)) }
    if starts.count >= 2 {
      end = starts.removeLast()
      sumR.removeLast()
      tPow.removeLast()
      mFac.removeLast()
    } else {
      (starts, sumR, tPow, mFac, end) = ([], [], [], [], 0)
    }
    self.starts = starts
    search = starts.isEmpty ? nil : CycleSearch(starts: starts)
    self.sumR = sumR
    self.tPow = tPow
    self.mFac = mFac
  }

  /// Keras' `i_restart` for step `s` (`t_mul ≠ 1`).
  static func restartIndex(_ s: Int, first: Float, tMul: Float) -> Float {
    let fraction = Float(s) / first
    return (Float.log(1.0 - fraction * (1.0 - tMul)) / Float.log(tMul)).rounded(.down)
  }

  func value(at step: Int) -> Float { value(at: step, fast: true) }

  /// `fast: false` always takes Keras' formula (the tests compare both paths bit for bit).
  func value(at step: Int, fast: Bool) -> Float {
    let s = Float(integer: step)
    var fraction = s / first
    let mFactor: Float
    if fast, step >= 0, step < end, let search {
      let lo = search.index(notAbove: step)
      fraction = (fraction - sumR[lo]) / tPow[lo]
      mFactor = mFac[lo]
    } else {
      let iRestart: Float
      if tMul == 1 {
        iRestart = fraction.rounded(.down)
        fraction -= iRestart
      } else {
        iRestart = (Float.log(1.0 - fraction * (1.0 - tMul)) / Float.log(tMul)).rounded(.down)
        let sumR = (1.0 - Float.pow(tMul, iRestart)) / (1.0 - tMul)
        fraction = (fraction - sumR) / Float.pow(tMul, iRestart)
      }
      mFactor = Float.pow(mMul, iRestart)
    }
    let cosineDecayed = 0.5 * mFactor * (1.0 + Float.cos(kerasPi * fraction))
    let decayed = (1 - alpha) * cosineDecayed + alpha
    return initial * decayed
  }
}
