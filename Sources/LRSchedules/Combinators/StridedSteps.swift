/// A schedule read at every `stride`-th step: the learning rate of update `k` is the base's at
/// step `stride·k + offset`.
///
/// ```
/// lr(k) = base(stride·k + offset)
/// ```
///
/// This is Keras 3 with `gradient_accumulation_steps = N`: the optimizer's iteration counter
/// counts micro-steps, and update `k` happens at micro-step `(k+1)·N − 1`, where it reads the
/// schedule (`stride: N, offset: N − 1`). A step past `Int.max` reads the base at `Int.max`.
public struct StridedSteps<Base: LearningRateSchedule>: LearningRateSchedule {
  /// The schedule being read.
  public var base: Base
  /// The base's steps per step of this schedule (≥ 1).
  public var stride: Int
  /// The base's step read for step 0 (≥ 0).
  public var offset: Int

  /// `base` read at `stride·k + offset`; a `stride` below 1 is taken as 1, an `offset` below 0
  /// as 0.
  public init(_ base: Base, stride: Int, offset: Int) {
    self.base = base
    self.stride = max(1, stride)
    self.offset = max(0, offset)
  }

  /// The learning rate used by update `step`.
  public func value(at step: Int) -> Base.Scalar {
    let (product, over) = step.multipliedReportingOverflow(by: stride)
    let (sum, over2) = product.addingReportingOverflow(offset)
    return base.value(at: over || over2 ? (step < 0 ? Int.min : Int.max) : sum)
  }
}
