/// The one-cycle policy (Smith & Topin 2017): warm up to `lr` (the peak), then anneal far below the
/// start, with momentum moving the opposite way.
///
/// ```
/// start = lr / divFactor,  end = start / finalDivFactor
/// two phases:   [0, p·T − 1]: start → peak,   [p·T − 1, T − 1]: peak → end
/// three phases: [0, p·T − 1]: start → peak, [.., 2p·T − 2]: peak → start, [.., T − 1]: start → end
/// anneal cos: b + (a − b)/2 · (cos(π·x) + 1);   linear: a + (b − a)·x
/// lr(k) = end for k ≥ T − 1
/// ```
/// The phase boundaries are PyTorch's (`OneCycleLR`); unlike PyTorch, stepping past the end
/// holds the final value instead of extrapolating or raising. `momentum(at:)` is the momentum
/// (or Adam's β1) the policy prescribes.
public struct OneCycle<Scalar: ScheduleScalar>: LearningRateSchedule {
  /// How a phase interpolates.
  public enum Anneal: String, Sendable, CaseIterable {
    /// Half-cosine interpolation.
    case cosine = "cos"
    /// Straight-line interpolation.
    case linear
  }

  /// The maximum learning rate.
  public let lr: Scalar
  /// Total steps T; at least 2.
  public let steps: Int
  /// Fraction of the cycle spent rising.
  public let pctStart: Scalar
  /// `lr / start`.
  public let divFactor: Scalar
  /// `start / end`.
  public let finalDivFactor: Scalar
  /// Whether a third phase returns to `start` before the final anneal.
  public let threePhase: Bool
  /// The interpolation shape.
  public let anneal: Anneal
  /// Momentum at the peak learning rate (the low end), or nil when momentum is not driven.
  public let baseMomentum: Scalar?
  /// Momentum at the start and end.
  public let maxMomentum: Scalar
  /// Whether steps past the end hold the final value (true) or extrapolate the last phase as
  /// PyTorch does for its one allowed extra step (false).
  public var holdsFinalValue = true

  /// A one-cycle schedule (PyTorch's defaults).
  public init(lr: Scalar, steps: Int, pctStart: Scalar = 0.3, divFactor: Scalar = 25,
              finalDivFactor: Scalar = 1e4, threePhase: Bool = false, anneal: Anneal = .cosine,
              baseMomentum: Scalar? = 0.85, maxMomentum: Scalar = 0.95) {
    precondition(steps >= 2, "OneCycle needs at least 2 steps (got \(steps))")
    self.lr = lr
    self.steps = max(steps, 2)
    self.pctStart = pctStart
    self.divFactor = divFactor
    self.finalDivFactor = finalDivFactor
    self.threePhase = threePhase
    self.anneal = anneal
    self.baseMomentum = baseMomentum
    self.maxMomentum = maxMomentum
    let initial = lr / divFactor
    self.phases = Self.makePhases(
      steps: max(steps, 2), pctStart: pctStart, threePhase: threePhase, initial: initial,
      peak: lr, minimum: initial / finalDivFactor, baseMomentum: baseMomentum,
      maxMomentum: maxMomentum)
  }

  /// The learning rate at step 0.
  public var initial: Scalar { lr / divFactor }

  /// A one-cycle schedule (the former spelling of ``init(lr:steps:pctStart:divFactor:finalDivFactor:threePhase:anneal:baseMomentum:maxMomentum:)``).
  @available(*, deprecated, renamed: "init(lr:steps:pctStart:divFactor:finalDivFactor:threePhase:anneal:baseMomentum:maxMomentum:)")
  public init(peak: Scalar, steps: Int, pctStart: Scalar = 0.3, divFactor: Scalar = 25,
              finalDivFactor: Scalar = 1e4, threePhase: Bool = false, anneal: Anneal = .cosine,
              baseMomentum: Scalar? = 0.85, maxMomentum: Scalar = 0.95) {
    self.init(lr: peak, steps: steps, pctStart: pctStart, divFactor: divFactor, finalDivFactor: finalDivFactor,
              threePhase: threePhase, anneal: anneal, baseMomentum: baseMomentum, maxMomentum: maxMomentum)
  }
  /// The final learning rate.
  public var minimum: Scalar { initial / finalDivFactor }

  struct Phase {
    var end: Scalar
    var lr: (Scalar, Scalar)
    var momentum: (Scalar, Scalar)
  }

  /// The phases, computed once.
  let phases: [Phase]

  static func makePhases(steps: Int, pctStart: Scalar, threePhase: Bool, initial: Scalar,
                         peak: Scalar, minimum: Scalar, baseMomentum: Scalar?,
                         maxMomentum: Scalar) -> [Phase] {
    let t = Scalar(integer: steps)
    let hiM = maxMomentum
    let loM = baseMomentum ?? maxMomentum
    if threePhase {
      return [
        Phase(end: pctStart * t - 1, lr: (initial, peak), momentum: (hiM, loM)),
        Phase(end: 2 * pctStart * t - 2, lr: (peak, initial), momentum: (loM, hiM)),
        Phase(end: t - 1, lr: (initial, minimum), momentum: (hiM, hiM)),
      ]
    }
    return [
      Phase(end: pctStart * t - 1, lr: (initial, peak), momentum: (hiM, loM)),
      Phase(end: t - 1, lr: (peak, minimum), momentum: (loM, hiM)),
    ]
  }

  func interpolate(_ a: Scalar, _ b: Scalar, _ x: Scalar) -> Scalar {
    switch anneal {
    case .cosine: b + (a - b) / 2 * (Scalar.cos(Scalar.pi * x) + 1)
    case .linear: (b - a) * x + a
    }
  }

  func evaluate(_ step: Int, _ pick: (Phase) -> (Scalar, Scalar)) -> Scalar {
    let k = Scalar(integer: holdsFinalValue ? min(max(step, 0), steps - 1) : max(step, 0))
    var start: Scalar = 0
    for i in phases.indices {
      let phase = phases[i]
      if k <= phase.end || i == phases.count - 1 {
        let span = phase.end - start
        let x = span != 0 ? (k - start) / span : 1
        let (a, b) = pick(phase)
        return interpolate(a, b, x)
      }
      start = phase.end
    }
    return minimum
  }

  /// The learning rate used by update `step`.
  @_specialize(where Scalar == Double)
  @_specialize(where Scalar == Float)
  @inline(__always) public func value(at step: Int) -> Scalar { evaluate(step) { $0.lr } }

  /// The momentum (or β1) used by update `step`; `maxMomentum` when momentum is not driven.
  @_specialize(where Scalar == Double)
  @_specialize(where Scalar == Float)
  @inline(__always) public func momentum(at step: Int) -> Scalar {
    baseMomentum == nil ? maxMomentum : evaluate(step) { $0.momentum }
  }
}
