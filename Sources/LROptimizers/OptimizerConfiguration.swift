/// Which update rule an ``Optimizer`` applies, with its hyperparameters and PyTorch's defaults.
///
/// Mirrors the constructors of `torch.optim.SGD`, `Adam`, `AdamW` and `RAdam`.
public struct OptimizerConfiguration: Sendable, Equatable {
  /// The update rules.
  public enum Kind: String, Sendable, CaseIterable {
    /// Stochastic gradient descent, optionally with (Nesterov) momentum.
    case sgd
    /// Adam (Kingma & Ba 2015) with L2 weight decay folded into the gradient.
    case adam
    /// Adam with decoupled weight decay (Loshchilov & Hutter 2019).
    case adamw
    /// Rectified Adam (Liu et al. 2020): no warmup needed for the variance estimate.
    case radam
  }

  /// The update rule.
  public var kind: Kind
  /// Momentum (SGD); driven per step by one-cycle and cyclic schedules.
  public var momentum: Double = 0
  /// Dampening of the momentum buffer (SGD).
  public var dampening: Double = 0
  /// Nesterov momentum (SGD).
  public var nesterov = false
  /// `β1` (Adam family); driven per step by one-cycle and cyclic schedules.
  public var beta1: Double = 0.9
  /// `β2` (Adam family).
  public var beta2: Double = 0.999
  /// Added to the denominator (Adam family).
  public var eps: Double = 1e-8
  /// Weight decay: L2 for SGD and Adam, decoupled for AdamW (and RAdam when
  /// `decoupledWeightDecay`).
  public var weightDecay: Double = 0
  /// AMSGrad's running maximum of the second moment (Adam, AdamW).
  public var amsgrad = false
  /// Decoupled weight decay for Adam (PyTorch 2.x's `decoupled_weight_decay=True`, which makes
  /// it AdamW) and RAdam; AdamW always decouples.
  public var decoupledWeightDecay = false

  /// A configuration with PyTorch's defaults for `kind` (AdamW: weight decay 0.01).
  public init(kind: Kind) {
    self.kind = kind
    if kind == .adamw { weightDecay = 0.01 }
  }

  /// SGD.
  public static func sgd(momentum: Double = 0, dampening: Double = 0, nesterov: Bool = false,
                         weightDecay: Double = 0) -> OptimizerConfiguration {
    var c = OptimizerConfiguration(kind: .sgd)
    c.momentum = momentum
    c.dampening = dampening
    c.nesterov = nesterov
    c.weightDecay = weightDecay
    return c
  }

  /// Adam (L2 weight decay), AdamW (decoupled) or RAdam.
  public static func adam(_ kind: Kind = .adam, betas: (Double, Double) = (0.9, 0.999),
                          eps: Double = 1e-8, weightDecay: Double? = nil, amsgrad: Bool = false,
                          decoupledWeightDecay: Bool = false) -> OptimizerConfiguration {
    var c = OptimizerConfiguration(kind: kind)
    c.beta1 = betas.0
    c.beta2 = betas.1
    c.eps = eps
    if let weightDecay { c.weightDecay = weightDecay }
    c.amsgrad = amsgrad
    c.decoupledWeightDecay = decoupledWeightDecay
    return c
  }

  /// Checks the ranges PyTorch checks, naming the field.
  public func validate() throws(OptimizerError) {
    func check(_ ok: Bool, _ field: String, _ value: Double, _ reason: String) throws(OptimizerError) {
      if !ok { throw .invalidHyperparameter(field: field, value: value, reason: reason) }
    }
    try check(momentum >= 0 && momentum.isFinite, "momentum", momentum, "must be ≥ 0")
    try check(weightDecay >= 0 && weightDecay.isFinite, "weight_decay", weightDecay, "must be ≥ 0")
    try check(eps >= 0 && eps.isFinite, "eps", eps, "must be ≥ 0")
    try check(beta1 >= 0 && beta1 < 1, "betas[0]", beta1, "must be in [0, 1)")
    try check(beta2 >= 0 && beta2 < 1, "betas[1]", beta2, "must be in [0, 1)")
    try check(dampening.isFinite, "dampening", dampening, "must be finite")
    if nesterov {
      try check(momentum > 0 && dampening == 0, "nesterov", momentum,
                "Nesterov momentum requires a momentum and zero dampening")
    }
    // Options the update rule does not have are refused, as PyTorch's constructors refuse
    // unknown arguments (TypeError), never silently ignored.
    if amsgrad && (kind == .radam || kind == .sgd) {
      throw .invalidHyperparameter(field: "amsgrad", value: 1,
                                   reason: "\(kind.rawValue) has no AMSGrad variant (torch.optim.\(kind == .sgd ? "SGD" : "RAdam") takes no 'amsgrad')")
    }
    if decoupledWeightDecay && kind == .sgd {
      throw .invalidHyperparameter(field: "decoupled_weight_decay", value: 1,
                                   reason: "SGD has no decoupled weight decay (torch.optim.SGD takes no such argument)")
    }
    if kind != .sgd && (momentum != 0 || dampening != 0 || nesterov) {
      throw .invalidHyperparameter(field: "momentum", value: momentum,
                                   reason: "momentum, dampening and nesterov belong to SGD; the Adam family's momentum is betas[0]")
    }
  }
}
