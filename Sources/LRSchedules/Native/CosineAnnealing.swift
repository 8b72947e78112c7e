/// Cosine annealing from `lr` to `floor` over `steps`, then held at its final value.
///
/// ```
/// c = min(k, T)
/// f = ½ (1 + cos(π · c / T · halfWaves))
/// lr(k) = floor + (lr − floor) · f^exponent
/// ```
/// `halfWaves = 1` is the usual half cosine; `2` comes back up to `lr` at `T` (transformers'
/// `num_cycles = 1`). `exponent` sharpens or flattens the curve (optax's `exponent`). Mirrors
/// `optax.cosine_decay_schedule`, `mlx.optimizers.cosine_decay`, `keras`' `CosineDecay` and,
/// up to `T`, `torch.optim.lr_scheduler.CosineAnnealingLR` (which is periodic past `T`).
public struct CosineAnnealing<Scalar: ScheduleScalar>: LearningRateSchedule {
  /// The learning rate at step 0.
  public let lr: Scalar
  /// The learning rate at the bottom of the cosine.
  public let floor: Scalar
  /// Decay steps T; positive.
  public let steps: Int
  /// Number of half-waves over `steps`.
  public let halfWaves: Scalar
  /// Exponent applied to the cosine factor.
  public let exponent: Scalar

  /// A cosine annealing.
  public init(lr: Scalar, floor: Scalar = 0, steps: Int, halfWaves: Scalar = 1,
              exponent: Scalar = 1) {
    self.lr = lr
    self.floor = floor
    self.steps = max(steps, 1)
    self.halfWaves = halfWaves
    self.exponent = exponent
    self.angleStep = Scalar.pi / Scalar(max(steps, 1)) * halfWaves
  }

  /// `π · halfWaves / steps`: the angle advanced per step.
  @usableFromInline let angleStep: Scalar

  /// The learning rate used by update `step`.
  @_specialize(where Scalar == Double)
  @_specialize(where Scalar == Float)
  @inline(__always) @inlinable public func value(at step: Int) -> Scalar {
    let c = min(max(step, 0), steps)
    let f = (1 + Scalar.cos(angleStep * Scalar(integer: c))) / 2
    return floor + (lr - floor) * (exponent == 1 ? f : Scalar.pow(f, exponent))
  }

  /// Bulk evaluation: one libm `cos`/`sin` pair per 64 points, angle addition in between.
  @_specialize(where Scalar == Double)
  @_specialize(where Scalar == Float)
  public func fill(_ buffer: UnsafeMutableBufferPointer<Scalar>, from start: Int) {
    guard exponent == 1 else {
      for i in buffer.indices { buffer[i] = value(at: start + i) }
      return
    }
    let amplitude = lr - floor
    let delta = angleStep
    fillCosine(buffer, from: start, limit: steps, delta: delta) { cosine in
      floor + amplitude * ((1 + cosine) / 2)
    } outside: { k in value(at: k) }
  }
}

/// Fills `buffer[i]` with `map(cos(delta · (start + i)))` for `0 < start + i < limit`, and with
/// `outside(k)` elsewhere, using a libm call per block of 64 and angle addition inside it.
@inline(__always)
func fillCosine<Scalar: ScheduleScalar>(
  _ buffer: UnsafeMutableBufferPointer<Scalar>, from start: Int, limit: Int, delta: Scalar,
  map: (Scalar) -> Scalar, outside: (Int) -> Scalar
) {
  let block = 64
  withUnsafeTemporaryAllocation(of: Scalar.self, capacity: 2 * block) { table in
    for j in 0..<block {
      table[j] = Scalar.cos(Scalar(j) * delta)
      table[block + j] = Scalar.sin(Scalar(j) * delta)
    }
    var i = 0
    let n = buffer.count
    while i < n {
      let k = start + i
      if k <= 0 || k >= limit {
        buffer[i] = outside(k)
        i += 1
        continue
      }
      let len = min(block, n - i, limit - k)
      let angle = delta * Scalar(integer: k)
      let ca = Scalar.cos(angle)
      let sa = Scalar.sin(angle)
      for j in 0..<len {
        buffer[i + j] = map(ca * table[j] - sa * table[block + j])
      }
      i += len
    }
  }
}
