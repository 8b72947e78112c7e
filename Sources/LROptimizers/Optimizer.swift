import LRSchedules

/// An optimizer over a flat Float32 parameter buffer split into parameter groups: SGD, Adam,
/// AdamW or RAdam, numerically PyTorch's `torch.optim` (single-tensor implementation) to within
/// float32 rounding.
///
/// ```
/// SGD:   g ← g + λp;  b ← μb + (1−τ)g (b ← g at the first step);  g ← nesterov ? g + μb : b;  p ← p − ηg
/// Adam:  g ← g + λp (AdamW: p ← p(1 − ηλ));  m ← lerp(m, g, 1−β1);  v ← β2v + (1−β2)g²
///        p ← p − η/(1−β1ᵗ) · m / (√v̂ / √(1−β2ᵗ) + ε)        (v̂ = max over time with AMSGrad)
/// RAdam: ρ∞ = 2/(1−β2) − 1,  ρt = ρ∞ − 2tβ2ᵗ/(1−β2ᵗ);  if ρt > 5:  p ← p − η m̂ · r · √(1−β2ᵗ)/(√v + ε)
///        else p ← p − η m̂     (m̂ = m/(1−β1ᵗ), r the variance rectification)
/// ```
/// The learning rate (and momentum or β1, for schedules that drive them) of each step comes
/// from the caller, normally a ``ScheduleDriver``.
public struct Optimizer: Sendable {
  /// The update rule and its hyperparameters.
  public let configuration: OptimizerConfiguration
  /// The parameter groups; they tile `0..<parameterCount`.
  public let groups: [ParameterGroup]
  /// The number of parameters.
  public let parameterCount: Int
  /// Updates applied so far (PyTorch's per-parameter `step`, equal for all).
  public internal(set) var stepCount = 0
  /// First moment (Adam family) or momentum buffer (SGD).
  public internal(set) var firstMoment: [Float]
  /// Second moment (Adam family).
  public internal(set) var secondMoment: [Float]
  /// AMSGrad's running maximum of the second moment.
  public internal(set) var maxSecondMoment: [Float]
  /// Per group, whether SGD's momentum buffer holds a value (PyTorch's `momentum_buffer` is
  /// not None): its first update with a nonzero momentum starts the buffer at the gradient.
  public internal(set) var momentumStarted: [Bool]
  /// Threads used for large buffers.
  public var threads: Int = 2

  /// An optimizer for `parameterCount` parameters; one group holding all of them by default.
  public init(_ configuration: OptimizerConfiguration, parameterCount: Int,
              groups: [ParameterGroup]? = nil) throws(OptimizerError) {
    try configuration.validate()
    let groups = groups ?? [ParameterGroup(name: "all", ranges: [0..<parameterCount])]
    try ParameterGroup.validate(groups, count: parameterCount)
    self.configuration = configuration
    self.groups = groups
    self.parameterCount = parameterCount
    let usesFirst = configuration.kind != .sgd || configuration.momentum != 0
      || groups.contains { ($0.momentum ?? 0) != 0 }
    firstMoment = usesFirst ? [Float](repeating: 0, count: parameterCount) : []
    momentumStarted = [Bool](repeating: false, count: groups.count)
    let usesSecond = configuration.kind != .sgd
    secondMoment = usesSecond ? [Float](repeating: 0, count: parameterCount) : []
    maxSecondMoment = configuration.amsgrad && configuration.kind != .radam && configuration.kind != .sgd
      ? [Float](repeating: 0, count: parameterCount) : []
  }

  /// Hyperparameters of one update for one group.
  public struct GroupStep: Sendable, Equatable {
    /// The learning rate.
    public var lr: Double
    /// Momentum (SGD) or β1 (Adam family) for this update, when a schedule drives it.
    public var momentum: Double?

    /// Hyperparameters of one update.
    public init(lr: Double, momentum: Double? = nil) {
      self.lr = lr
      self.momentum = momentum
    }
  }

  /// Applies one update: `parameters` moves along `gradients` with each group's hyperparameters.
  /// - Throws: `shapeMismatch` when the buffers or the hyperparameter list have the wrong size.
  public mutating func step(parameters: inout [Float], gradients: [Float], hyperparameters: [GroupStep])
    throws(OptimizerError)
  {
    guard parameters.count == parameterCount else {
      throw .shapeMismatch(what: "parameters", expected: parameterCount, found: parameters.count)
    }
    guard gradients.count == parameterCount else {
      throw .shapeMismatch(what: "gradients", expected: parameterCount, found: gradients.count)
    }
    guard hyperparameters.count == groups.count else {
      throw .shapeMismatch(what: "group hyperparameters", expected: groups.count, found: hyperparameters.count)
    }
    let c = configuration
    // SGD momentum may be switched on by a group or a schedule (OneCycleLR cycles it even when
    // the optimizer's own momentum is 0): the buffer exists before any kernel writes to it.
    if c.kind == .sgd, firstMoment.count != parameterCount,
      zip(groups, hyperparameters).contains(where: { ($1.momentum ?? $0.momentum ?? c.momentum) != 0 })
    {
      firstMoment = [Float](repeating: 0, count: parameterCount)
    }
    stepCount += 1
    let t = Double(stepCount)
    let threads = self.threads
    let n = parameterCount
    var started = momentumStarted
    parameters.withUnsafeMutableBufferPointer { pb in
      gradients.withUnsafeBufferPointer { gb in
        firstMoment.withUnsafeMutableBufferPointer { mb in
          secondMoment.withUnsafeMutableBufferPointer { vb in
            maxSecondMoment.withUnsafeMutableBufferPointer { xb in
              // A buffer is handed to the kernels only when it has one value per parameter
              // (an empty Swift array still has a base address).
              guard let p = pb.baseAddress, let g = gb.baseAddress else { return }
              let base = OptimizerKernels.Buffers(
                p: p, g: g, m: mb.count == n ? mb.baseAddress : nil,
                v: vb.count == n ? vb.baseAddress : nil, vmax: xb.count == n ? xb.baseAddress : nil)
              for (gi, (group, h)) in zip(groups, hyperparameters).enumerated() {
                let lr = h.lr
                let wd = group.weightDecay ?? c.weightDecay
                switch c.kind {
                case .sgd:
                  let momentum = h.momentum ?? group.momentum ?? c.momentum
                  let s = OptimizerKernels.SGDScalars(
                    weightDecay: Float(wd), momentum: Float(momentum),
                    dampeningComplement: Float(1 - c.dampening), nesterov: c.nesterov,
                    firstStep: !started[gi], negativeLR: Float(-lr))
                  if momentum != 0 { started[gi] = true }
                  for r in group.ranges where !r.isEmpty {
                    let b = base.offset(r.lowerBound)
                    OptimizerKernels.parallel(r.count, threads: threads) { lo, n in
                      OptimizerKernels.sgd(b.offset(lo), n, s)
                    }
                  }
                case .adam, .adamw:
                  let beta1 = h.momentum ?? group.momentum ?? c.beta1
                  let beta2 = c.beta2
                  let decoupled = c.kind == .adamw || c.decoupledWeightDecay
                  let bc1 = 1 - Double.pow(beta1, t)
                  let bc2 = 1 - Double.pow(beta2, t)
                  let s = OptimizerKernels.AdamScalars(
                    decoupledFactor: decoupled && wd != 0 ? Float(1 - lr * wd) : nil,
                    weightDecay: decoupled ? 0 : Float(wd), lerpWeight: Float(1 - beta1),
                    beta2: Float(beta2), oneMinusBeta2: Float(1 - beta2), amsgrad: c.amsgrad,
                    biasCorrection2Sqrt: Float(Double.pow(bc2, 0.5)), eps: Float(c.eps),
                    negativeStepSize: Float(-(lr / bc1)))
                  for r in group.ranges where !r.isEmpty {
                    let b = base.offset(r.lowerBound)
                    OptimizerKernels.parallel(r.count, threads: threads) { lo, n in
                      OptimizerKernels.adam(b.offset(lo), n, s)
                    }
                  }
                case .radam:
                  let beta1 = h.momentum ?? group.momentum ?? c.beta1
                  let beta2 = c.beta2
                  let bc1 = 1 - Double.pow(beta1, t)
                  let bc2 = 1 - Double.pow(beta2, t)
                  let rhoInf = 2 / (1 - beta2) - 1
                  let rhoT = rhoInf - 2 * t * Double.pow(beta2, t) / bc2
                  var rect = 1.0
                  if rhoT > 5 {
                    rect = Double.pow((rhoT - 4) * (rhoT - 2) * rhoInf / ((rhoInf - 4) * (rhoInf - 2) * rhoT), 0.5)
                  }
                  let decoupled = c.decoupledWeightDecay
                  let s = OptimizerKernels.RAdamScalars(
                    decoupledFactor: decoupled && wd != 0 ? Float(1 - lr * wd) : nil,
                    weightDecay: decoupled ? 0 : Float(wd), lerpWeight: Float(1 - beta1),
                    beta2: Float(beta2), oneMinusBeta2: Float(1 - beta2), biasCorrection1: Float(bc1),
                    lr: Float(lr), rectified: rhoT > 5, biasCorrection2Sqrt: Float(Double.pow(bc2, 0.5)),
                    eps: Float(c.eps), rect: Float(rect))
                  for r in group.ranges where !r.isEmpty {
                    let b = base.offset(r.lowerBound)
                    OptimizerKernels.parallel(r.count, threads: threads) { lo, n in
                      OptimizerKernels.radam(b.offset(lo), n, s)
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
    momentumStarted = started
  }
}
