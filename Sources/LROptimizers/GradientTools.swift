/// Clips gradients to a global L2 norm and returns the norm before clipping, like
/// `torch.nn.utils.clip_grad_norm_`.
///
/// ```
/// n = ‖g‖₂ (all parameters together);  c = min(maxNorm / (n + 1e-6), 1);  g ← c · g
/// ```
/// The norm is accumulated in double precision and rounded to Float, then the coefficient is
/// computed in Float as PyTorch does.
@discardableResult
public func clipGradientNorm(_ gradients: inout [Float], maxNorm: Double) -> Double {
  var sum = 0.0
  gradients.withUnsafeBufferPointer { g in
    var lanes = SIMD4<Double>()
    var i = 0
    while i + 4 <= g.count {
      let v = SIMD4<Double>(Double(g[i]), Double(g[i + 1]), Double(g[i + 2]), Double(g[i + 3]))
      lanes += v * v
      i += 4
    }
    sum = lanes.sum()
    while i < g.count {
      sum += Double(g[i]) * Double(g[i])
      i += 1
    }
  }
  let norm = Float(sum.squareRoot())
  let coefficient = min(Float(maxNorm) / (norm + 1e-6), 1)
  if coefficient < 1 || !coefficient.isFinite {
    gradients.withUnsafeMutableBufferPointer { g in
      for i in g.indices { g[i] *= coefficient }
    }
  }
  return Double(norm)
}

/// Sums the gradients of several micro-batches into one update.
///
/// ```
/// g = Σ_i g_i · scale_i        (scale 1/n for the mean of n equal micro-batches)
/// ```
/// Gradient accumulation as in a training loop that calls `loss.backward()` on `loss / n` for
/// each of `n` micro-batches before `optimizer.step()`.
public struct GradientAccumulator: Sendable {
  /// The running sum.
  public private(set) var sum: [Float]
  /// Micro-batches added since the last reset.
  public private(set) var microBatches = 0

  /// An empty accumulator for `count` parameters.
  public init(count: Int) { sum = [Float](repeating: 0, count: count) }

  /// Adds `scale · gradients`.
  public mutating func add(_ gradients: [Float], scale: Float = 1) throws(OptimizerError) {
    guard gradients.count == sum.count else {
      throw .shapeMismatch(what: "micro-batch gradients", expected: sum.count, found: gradients.count)
    }
    sum.withUnsafeMutableBufferPointer { s in
      gradients.withUnsafeBufferPointer { g in
        for i in s.indices { s[i] += scale * g[i] }
      }
    }
    microBatches += 1
  }

  /// Clears the sum for the next update.
  public mutating func reset() {
    for i in sum.indices { sum[i] = 0 }
    microBatches = 0
  }
}
