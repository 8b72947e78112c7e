/// A set of parameters (ranges of the flat parameter buffer) with its own learning-rate scale
/// and weight decay, as a PyTorch param group.
public struct ParameterGroup: Sendable, Equatable {
  /// A name for logs and saved states.
  public var name: String
  /// The parts of the flat buffer that belong to the group.
  public var ranges: [Range<Int>]
  /// The group's learning rate is the schedule's value times this (PyTorch: each group's own
  /// `lr` against the schedule's base).
  public var lrScale: Double
  /// Overrides the optimizer's weight decay for this group.
  public var weightDecay: Double?
  /// Overrides the optimizer's momentum (SGD) or β1 (Adam family) for this group, unless a
  /// schedule drives it.
  public var momentum: Double?

  /// A group.
  public init(name: String, ranges: [Range<Int>], lrScale: Double = 1, weightDecay: Double? = nil,
              momentum: Double? = nil) {
    self.name = name
    self.ranges = ranges
    self.lrScale = lrScale
    self.weightDecay = weightDecay
    self.momentum = momentum
  }

  /// The number of parameters in the group.
  public var count: Int { ranges.reduce(0) { $0 + $1.count } }

  /// A named tensor of a model, for ``decayAndNoDecay(_:weightDecay:)``.
  public struct Tensor: Sendable, Equatable {
    /// Its name (`blocks.0.ln1.weight`, `tok_emb.weight`, `fc.bias`, …).
    public var name: String
    /// Where it lives in the flat buffer.
    public var range: Range<Int>

    /// A named tensor.
    public init(name: String, range: Range<Int>) {
      self.name = name
      self.range = range
    }
  }

  /// The usual split in one call: weight decay on weight matrices, none on biases, LayerNorm
  /// parameters and embeddings.
  ///
  /// A tensor goes to the no-decay group when its name (case-insensitive) ends in `bias`, or
  /// mentions `norm` or `ln` as a component (LayerNorm, `ln_f`), or `emb`/`wte`/`wpe`.
  public static func decayAndNoDecay(_ tensors: [Tensor], weightDecay: Double) -> [ParameterGroup] {
    var decay: [Range<Int>] = []
    var noDecay: [Range<Int>] = []
    for t in tensors {
      if isNoDecay(t.name) { noDecay.append(t.range) } else { decay.append(t.range) }
    }
    return [
      ParameterGroup(name: "decay", ranges: decay, weightDecay: weightDecay),
      ParameterGroup(name: "no_decay", ranges: noDecay, weightDecay: 0),
    ]
  }

  static func isNoDecay(_ name: String) -> Bool {
    let lower = name.lowercased()
    if lower.hasSuffix("bias") { return true }
    let parts = lower.split { $0 == "." || $0 == "/" || $0 == "_" }
    for p in parts {
      if p.contains("norm") || p == "ln" || p.hasPrefix("ln") && p.dropFirst(2).allSatisfy(\.isNumber) {
        return true
      }
      if p.contains("emb") || p == "wte" || p == "wpe" { return true }
    }
    return false
  }

  /// Checks that `groups` cover `0..<count` exactly once.
  static func validate(_ groups: [ParameterGroup], count: Int) throws(OptimizerError) {
    guard !groups.isEmpty else { throw .invalidGroups(reason: "at least one group is needed") }
    var covered = [Range<Int>]()
    for g in groups {
      for r in g.ranges where !r.isEmpty {
        guard r.lowerBound >= 0, r.upperBound <= count else {
          throw .invalidGroups(reason: "group '\(g.name)' has \(r) outside 0..<\(count)")
        }
        covered.append(r)
      }
      if let wd = g.weightDecay, !(wd >= 0 && wd.isFinite) {
        throw .invalidHyperparameter(field: "\(g.name).weight_decay", value: wd, reason: "must be ≥ 0")
      }
      if let m = g.momentum, !(m >= 0 && m < 1) {
        throw .invalidHyperparameter(field: "\(g.name).momentum", value: m, reason: "must be in [0, 1)")
      }
      if !(g.lrScale >= 0 && g.lrScale.isFinite) {
        throw .invalidHyperparameter(field: "\(g.name).lr_scale", value: g.lrScale, reason: "must be ≥ 0")
      }
    }
    covered.sort { $0.lowerBound < $1.lowerBound }
    var next = 0
    for r in covered {
      guard r.lowerBound == next else {
        throw .invalidGroups(reason: r.lowerBound < next
          ? "parameters \(r.lowerBound)..<\(next) belong to two groups"
          : "parameters \(next)..<\(r.lowerBound) belong to no group")
      }
      next = r.upperBound
    }
    guard next == count else {
      throw .invalidGroups(reason: "parameters \(next)..<\(count) belong to no group")
    }
  }
}
