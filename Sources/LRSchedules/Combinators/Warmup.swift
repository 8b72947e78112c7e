/// A warmup in front of any schedule.
///
/// ```
/// prefix:  k < W: start + (base(0) − start) · shape(k / W);   k ≥ W: base(k − W)
/// overlap: k < W: start + (base(W) − start) · shape(k / W);   k ≥ W: base(k)
/// shape: linear x;  cosine ½(1 − cos πx);  sqrt 1 − √(1 − x)
/// ```
/// `prefix` puts the warmup before the decay (the decay keeps its full length); `overlap` puts
/// it inside the decay span, replacing the first `W` steps with a ramp that meets the decay
/// at `W` without a jump.
public struct Warmup<Base: LearningRateSchedule>: LearningRateSchedule {
  /// The scalar type of the base schedule.
  public typealias Scalar = Base.Scalar

  /// Where the warmup sits relative to the base schedule.
  public enum Placement: String, Sendable, CaseIterable {
    /// Before the base schedule, which is shifted by `W` steps.
    case prefix
    /// Over the first `W` steps of the base schedule.
    case overlap
  }

  /// The shape of the ramp.
  public enum Shape: String, Sendable, CaseIterable {
    /// A straight line.
    case linear
    /// A half cosine, flat at both ends.
    case cosine
    /// `1 − √(1 − x)`, steep at first.
    case sqrt = "1-sqrt"
  }

  /// The schedule after (or under) the warmup.
  public let base: Base
  /// Warmup steps W.
  public let steps: Int
  /// The learning rate at step 0.
  public let start: Scalar
  /// Where the warmup sits.
  public let placement: Placement
  /// The ramp shape.
  public let shape: Shape
  @usableFromInline let target: Scalar

  /// A warmup of `steps` steps from `start` in front of `base` (a value: to change it, make a
  /// new one, so the ramp's target always matches the base).
  public init(_ base: Base, steps: Int, start: Scalar = 0, placement: Placement = .prefix,
              shape: Shape = .linear) {
    precondition(steps >= 0, "Warmup needs steps ≥ 0 (got \(steps))")
    self.base = base
    self.steps = steps
    self.start = start
    self.placement = placement
    self.shape = shape
    self.target = base.value(at: placement == .prefix ? 0 : max(steps, 0))
  }

  @inlinable func ramp(_ x: Scalar) -> Scalar {
    switch shape {
    case .linear: x
    case .cosine: (1 - Scalar.cos(Scalar.pi * x)) / 2
    case .sqrt: 1 - (1 - x).squareRoot()
    }
  }

  /// The learning rate used by update `step`.
  @_specialize(where Base == AnySchedule<Double>)
  @_specialize(where Base == AnySchedule<Float>)
  @inline(__always) @inlinable public func value(at step: Int) -> Scalar {
    if step < steps { return start + (target - start) * ramp(Scalar(integer: max(step, 0)) / Scalar(integer: steps)) }
    return base.value(at: placement == .prefix ? step - steps : step)
  }

  /// Bulk evaluation: the ramp point by point, the rest through the base's bulk path.
  @_specialize(where Base == AnySchedule<Double>)
  @_specialize(where Base == AnySchedule<Float>)
  public func fill(_ buffer: UnsafeMutableBufferPointer<Scalar>, from start: Int) {
    let rampCount = min(max(steps.saturatingSubtract(start), 0), buffer.count)
    for i in 0..<rampCount { buffer[i] = value(at: start + i) }
    guard rampCount < buffer.count else { return }
    let rest = UnsafeMutableBufferPointer(rebasing: buffer[rampCount...])
    let first = start + rampCount
    base.fill(rest, from: placement == .prefix ? first - steps : first)
  }
}
