import CKernels

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Forward and backward passes of the element-wise and row-wise layers, over raw Float32
/// buffers (rows × columns, row-major). Backward passes accumulate into gradient buffers.
public enum Kernels {
  /// `y[r, :] += bias` for every row.
  public static func addBias(_ y: UnsafeMutablePointer<Float>, _ bias: UnsafePointer<Float>,
                             rows: Int, cols: Int) {
    lrkit_bias_add(y, bias, rows, cols)
  }

  /// `dbias += Σ_rows dy`.
  public static func biasBackward(_ dbias: UnsafeMutablePointer<Float>, _ dy: UnsafePointer<Float>,
                                  rows: Int, cols: Int) {
    lrkit_bias_backward(dbias, dy, rows, cols)
  }

  /// `y = a + b` element-wise (`y` may be `a` or `b`).
  public static func add(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
                         _ y: UnsafeMutablePointer<Float>, count: Int) {
    EngineProfile.measure(.elementwise) { lrkit_add(a, b, y, count) }
  }

  /// `y = a · b` element-wise (`y` may be `a` or `b`).
  public static func multiply(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
                              _ y: UnsafeMutablePointer<Float>, count: Int) {
    EngineProfile.measure(.elementwise) { lrkit_mul(a, b, y, count) }
  }

  /// `y = max(x, 0)`.
  public static func relu(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
    for i in 0..<count { y[i] = x[i] > 0 ? x[i] : 0 }
  }

  /// `dx += dy · [x > 0]`.
  public static func reluBackward(_ x: UnsafePointer<Float>, _ dy: UnsafePointer<Float>,
                                  _ dx: UnsafeMutablePointer<Float>, count: Int) {
    for i in 0..<count where x[i] > 0 { dx[i] += dy[i] }
  }

  /// Whether GELU runs 16 lanes wide (AVX-512, when the CPU has it and `LRKIT_ISA` is not
  /// `avx2` or `portable`). Its results are bit for bit those of the 8-lane AVX2 path; setting
  /// it to false forces that path (for comparing the two).
  public static var geluUsesAVX512: Bool {
    get { lrkit_has_avx512() != 0 }
    set { lrkit_allow_avx512(newValue ? 1 : 0) }
  }

  /// GELU with the error function, PyTorch's `nn.GELU()`:
  /// ```
  /// y = x · Φ(x) = x · ½ (1 + erf(x / √2))
  /// ```
  /// erf is Abramowitz & Stegun 7.1.26 (absolute error < 1.5e-7), the approximation PyTorch's
  /// vectorized CPU kernel uses; `cdf` keeps Φ(x) for the backward pass.
  public static func gelu(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int,
                          cdf: UnsafeMutablePointer<Float>? = nil) {
    EngineProfile.measure(.gelu) { lrkit_gelu(x, y, cdf, count) }
  }

  /// `dx += dy · (Φ(x) + x φ(x))` (`dx =` when not `accumulate`); `cdf` is Φ(x) kept by the
  /// forward pass, if available.
  public static func geluBackward(_ x: UnsafePointer<Float>, _ dy: UnsafePointer<Float>,
                                  _ dx: UnsafeMutablePointer<Float>, count: Int,
                                  cdf: UnsafePointer<Float>? = nil, accumulate: Bool = true) {
    EngineProfile.measure(.gelu) { lrkit_gelu_backward(x, cdf, dy, dx, count, accumulate ? 1 : 0) }
  }

  /// GELU as ``gelu(_:_:count:cdf:)``, keeping its slope for the backward pass instead of Φ(x):
  /// ```
  /// y = x · Φ(x),   slope = Φ(x) + x · φ(x)
  /// ```
  public static func gelu(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int,
                          slope: UnsafeMutablePointer<Float>) {
    EngineProfile.measure(.gelu) { lrkit_gelu_slope(x, y, slope, count) }
  }

  /// `dx += dy · slope` (`dx =` when not `accumulate`), the slope kept by
  /// ``gelu(_:_:count:slope:)``: the bits of ``geluBackward(_:_:_:count:cdf:accumulate:)``,
  /// reading two arrays instead of three and computing no exponential.
  public static func geluBackward(slope: UnsafePointer<Float>, _ dy: UnsafePointer<Float>,
                                  _ dx: UnsafeMutablePointer<Float>, count: Int, accumulate: Bool = true) {
    EngineProfile.measure(.gelu) { lrkit_gelu_backward_slope(slope, dy, dx, count, accumulate ? 1 : 0) }
  }

  /// LayerNorm over the last dimension, PyTorch's `nn.LayerNorm(cols)` (eps 1e-5); keeps the
  /// mean and reciprocal standard deviation of each row for the backward pass.
  /// ```
  /// y = (x − μ) / √(σ² + ε) · w + b
  /// ```
  public static func layerNorm(_ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>,
                               _ b: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>,
                               mean: UnsafeMutablePointer<Float>, rstd: UnsafeMutablePointer<Float>,
                               rows: Int, cols: Int, eps: Float = 1e-5) {
    EngineProfile.measure(.layerNorm) { lrkit_layernorm(x, w, b, y, mean, rstd, rows, cols, eps) }
  }

  /// LayerNorm backward: accumulates `dw`, `db`, and `dx` (written instead when not `accumulate`).
  public static func layerNormBackward(
    _ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>, mean: UnsafePointer<Float>,
    rstd: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>,
    _ dw: UnsafeMutablePointer<Float>, _ db: UnsafeMutablePointer<Float>, rows: Int, cols: Int,
    accumulate: Bool = true
  ) {
    EngineProfile.measure(.layerNorm) { lrkit_layernorm_backward(x, w, mean, rstd, dy, dx, dw, db, rows, cols, accumulate ? 1 : 0) }
  }

  /// Mean cross-entropy of `logits` (rows × classes) against `targets`; writes the
  /// probabilities to `probs`. Returns the mean loss (natural log).
  public static func softmaxCrossEntropy(_ logits: UnsafePointer<Float>, targets: UnsafePointer<Int32>,
                                         probs: UnsafeMutablePointer<Float>, rows: Int, classes: Int) -> Double {
    softmaxCrossEntropySum(logits, targets: targets, probs: probs, rows: rows, classes: classes) / Double(rows)
  }

  /// The summed (not averaged) cross-entropy of ``softmaxCrossEntropy(_:targets:probs:rows:classes:)``.
  static func softmaxCrossEntropySum(_ logits: UnsafePointer<Float>, targets: UnsafePointer<Int32>,
                                     probs: UnsafeMutablePointer<Float>, rows: Int, classes: Int) -> Double {
    EngineProfile.measure(.loss) {
      var total = 0.0
      for r in 0..<rows {
        let lr = logits + r * classes
        let pr = probs + r * classes
        var mx = -Float.infinity
        for j in 0..<classes { mx = max(mx, lr[j]) }
        var sum: Float = 0
        for j in 0..<classes {
          let e = expf(lr[j] - mx)
          pr[j] = e
          sum += e
        }
        let inv = 1 / sum
        for j in 0..<classes { pr[j] *= inv }
        let t = Int(targets[r])
        total -= Double(logf(max(pr[t], Float.leastNormalMagnitude)))
      }
      return total
    }
  }

  /// `dlogits = (probs − onehot(target)) / normalizer` (overwrites); the normalizer is `rows`
  /// unless given (the whole batch's rows when this is one shard of it).
  public static func softmaxCrossEntropyBackward(probs: UnsafePointer<Float>, targets: UnsafePointer<Int32>,
                                                 _ dlogits: UnsafeMutablePointer<Float>, rows: Int, classes: Int,
                                                 normalizer: Int? = nil) {
    let scale = 1 / Float(normalizer ?? rows)
    EngineProfile.measure(.loss) {
      for r in 0..<rows {
        let pr = probs + r * classes
        let dr = dlogits + r * classes
        for j in 0..<classes { dr[j] = pr[j] * scale }
        dr[Int(targets[r])] -= scale
      }
    }
  }

  /// Inverted dropout with a seeded mask: `y = x · m / (1 − p)`, `m ~ Bernoulli(1 − p)`; the mask
  /// (0 or 1/(1 − p)) is kept for the backward pass.
  public static func dropout(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>,
                             mask: UnsafeMutablePointer<Float>, count: Int, p: Float,
                             rng: inout SplitMix64) {
    let keep = 1 / (1 - p)
    EngineProfile.measure(.elementwise) {
      for i in 0..<count {
        let u = Float(rng.next() >> 40) / Float(1 << 24)
        mask[i] = u < p ? 0 : keep
        y[i] = x[i] * mask[i]
      }
    }
  }

  /// `dx += dy · mask`.
  public static func dropoutBackward(_ dy: UnsafePointer<Float>, mask: UnsafePointer<Float>,
                                     _ dx: UnsafeMutablePointer<Float>, count: Int) {
    for i in 0..<count { dx[i] += dy[i] * mask[i] }
  }
}

/// A small, fast, seedable random number generator (Vigna's SplitMix64) whose whole state is
/// one integer, so it saves and restores exactly.
public struct SplitMix64: RandomNumberGenerator, Sendable, Equatable {
  /// The state.
  public var state: UInt64

  /// A generator seeded with `seed`.
  public init(seed: UInt64) { state = seed }

  /// The next 64 random bits.
  public mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// A standard normal sample (Box–Muller).
  public mutating func normal() -> Float {
    let u1 = max(Double(next() >> 11) / Double(1 << 53), 1e-300)
    let u2 = Double(next() >> 11) / Double(1 << 53)
    return Float((-2 * Foundation_log(u1)).squareRoot() * Foundation_cos(2 * Double.pi * u2))
  }
}

@inline(__always) func Foundation_log(_ x: Double) -> Double { log(x) }
@inline(__always) func Foundation_cos(_ x: Double) -> Double { cos(x) }
