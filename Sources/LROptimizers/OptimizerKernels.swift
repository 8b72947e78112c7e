import COptimizerKernels
import Dispatch

/// The per-element update rules over raw Float32 buffers, with PyTorch's single-tensor operation
/// order (`torch/optim/sgd.py`, `adam.py`, `radam.py`). Every kernel is element-wise, so
/// splitting the work across threads or SIMD lanes does not change a single bit.
enum OptimizerKernels {
  /// Raw buffers of one contiguous range.
  struct Buffers: @unchecked Sendable {
    var p: UnsafeMutablePointer<Float>
    var g: UnsafePointer<Float>
    var m: UnsafeMutablePointer<Float>?
    var v: UnsafeMutablePointer<Float>?
    var vmax: UnsafeMutablePointer<Float>?

    func offset(_ k: Int) -> Buffers {
      Buffers(p: p + k, g: g + k, m: m.map { $0 + k }, v: v.map { $0 + k },
              vmax: vmax.map { $0 + k })
    }
  }

  /// Scalars of one step for one group, already rounded to Float as PyTorch's kernels do.
  struct SGDScalars {
    var weightDecay: Float
    var momentum: Float
    var dampeningComplement: Float  // 1 − dampening
    var nesterov: Bool
    var firstStep: Bool
    var negativeLR: Float
  }

  struct AdamScalars {
    var decoupledFactor: Float?  // 1 − lr·wd, when decoupled
    var weightDecay: Float  // L2 coefficient, when not decoupled
    var lerpWeight: Float  // 1 − β1
    var beta2: Float
    var oneMinusBeta2: Float
    var amsgrad: Bool
    var biasCorrection2Sqrt: Float
    var eps: Float
    var negativeStepSize: Float  // −lr / (1 − β1^t)
  }

  struct RAdamScalars {
    var decoupledFactor: Float?
    var weightDecay: Float
    var lerpWeight: Float
    var beta2: Float
    var oneMinusBeta2: Float
    var biasCorrection1: Float
    var lr: Float
    var rectified: Bool
    var biasCorrection2Sqrt: Float
    var eps: Float
    var rect: Float
  }

  /// Runs `body(start, count)` over `0..<count` split into chunks, on several threads when large.
  static func parallel(_ count: Int, threads: Int, _ body: @escaping @Sendable (Int, Int) -> Void) {
    let chunks = count >= 1 << 16 ? max(1, min(threads, count >> 15)) : 1
    if chunks == 1 {
      body(0, count)
      return
    }
    DispatchQueue.concurrentPerform(iterations: chunks) { c in
      // Chunk edges on 16-element boundaries keep the SIMD loops aligned to the same lanes.
      let lo = (count * c / chunks) & ~15
      let hi = c == chunks - 1 ? count : (count * (c + 1) / chunks) & ~15
      body(lo, hi - lo)
    }
  }

  @inline(__always) static func lerp(_ m: Float, _ g: Float, _ w: Float) -> Float {
    w < 0.5 ? m + w * (g - m) : g - (g - m) * (1 - w)
  }

  @inline(__always) static func lerp(_ m: SIMD8<Float>, _ g: SIMD8<Float>, _ w: Float) -> SIMD8<Float> {
    w < 0.5 ? m + w * (g - m) : g - (g - m) * (1 - w)
  }

  @inline(__always) static func load(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
  }

  @inline(__always) static func store(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
  }

  static func sgd(_ b: Buffers, _ count: Int, _ s: SGDScalars) {
    let hasMomentum = s.momentum != 0
    var i = 0
    while i + 8 <= count {
      let p = load(b.p + i)
      var g = load(b.g + i)
      if s.weightDecay != 0 { g = g + s.weightDecay * p }
      if hasMomentum, let mb = b.m {
        var buf: SIMD8<Float>
        if s.firstStep { buf = g } else { buf = load(mb + i) * s.momentum + s.dampeningComplement * g }
        store(buf, mb + i)
        g = s.nesterov ? g + s.momentum * buf : buf
      }
      store(p + s.negativeLR * g, b.p + i)
      i += 8
    }
    while i < count {
      let p = b.p[i]
      var g = b.g[i]
      if s.weightDecay != 0 { g = g + s.weightDecay * p }
      if hasMomentum, let mb = b.m {
        let buf = s.firstStep ? g : mb[i] * s.momentum + s.dampeningComplement * g
        mb[i] = buf
        g = s.nesterov ? g + s.momentum * buf : buf
      }
      b.p[i] = p + s.negativeLR * g
      i += 1
    }
  }

  /// Adam / AdamW through the C kernel (AVX2 or portable, chosen at run time; the
  /// same bits on every path).
  static func adam(_ b: Buffers, _ count: Int, _ s: AdamScalars) {
    guard let mb = b.m, let vb = b.v else { return }
    var c = lrkit_adam_scalars(
      decoupled_factor: s.decoupledFactor ?? 1, decoupled: s.decoupledFactor == nil ? 0 : 1,
      weight_decay: s.weightDecay, lerp_weight: s.lerpWeight, beta2: s.beta2,
      one_minus_beta2: s.oneMinusBeta2, amsgrad: s.amsgrad ? 1 : 0,
      bias_correction2_sqrt: s.biasCorrection2Sqrt, eps: s.eps,
      negative_step_size: s.negativeStepSize)
    lrkit_adam(b.p, b.g, mb, vb, b.vmax, count, &c)
  }

  /// Adam / AdamW in portable Swift SIMD (kept as the reference the C kernel is checked against).
  static func adamSwift(_ b: Buffers, _ count: Int, _ s: AdamScalars) {
    guard let mb = b.m, let vb = b.v else { return }
    var i = 0
    while i + 8 <= count {
      var p = load(b.p + i)
      var g = load(b.g + i)
      if let f = s.decoupledFactor { p = p * f } else if s.weightDecay != 0 { g = g + s.weightDecay * p }
      let m = lerp(load(mb + i), g, s.lerpWeight)
      var v = load(vb + i) * s.beta2
      v = v + s.oneMinusBeta2 * g * g
      store(m, mb + i)
      store(v, vb + i)
      var second = v
      if s.amsgrad, let xb = b.vmax {
        second = load(xb + i).replacing(with: v, where: v .> load(xb + i))
        store(second, xb + i)
      }
      let denom = second.squareRoot() / s.biasCorrection2Sqrt + s.eps
      store(p + s.negativeStepSize * (m / denom), b.p + i)
      i += 8
    }
    while i < count {
      var p = b.p[i]
      var g = b.g[i]
      if let f = s.decoupledFactor { p = p * f } else if s.weightDecay != 0 { g = g + s.weightDecay * p }
      let m = lerp(mb[i], g, s.lerpWeight)
      var v = vb[i] * s.beta2
      v = v + s.oneMinusBeta2 * g * g
      mb[i] = m
      vb[i] = v
      var second = v
      if s.amsgrad, let xb = b.vmax {
        second = v > xb[i] ? v : xb[i]
        xb[i] = second
      }
      let denom = second.squareRoot() / s.biasCorrection2Sqrt + s.eps
      b.p[i] = p + s.negativeStepSize * (m / denom)
      i += 1
    }
  }

  static func radam(_ b: Buffers, _ count: Int, _ s: RAdamScalars) {
    guard let mb = b.m, let vb = b.v else { return }
    var i = 0
    while i + 8 <= count {
      var p = load(b.p + i)
      var g = load(b.g + i)
      if let f = s.decoupledFactor { p = p * f } else if s.weightDecay != 0 { g = g + s.weightDecay * p }
      let m = lerp(load(mb + i), g, s.lerpWeight)
      var v = load(vb + i) * s.beta2
      v = v + s.oneMinusBeta2 * g * g
      store(m, mb + i)
      store(v, vb + i)
      let corrected = m / s.biasCorrection1
      if s.rectified {
        let adaptive = s.biasCorrection2Sqrt / (v.squareRoot() + s.eps)
        store(p - corrected * s.lr * adaptive * s.rect, b.p + i)
      } else {
        store(p - corrected * s.lr, b.p + i)
      }
      i += 8
    }
    while i < count {
      var p = b.p[i]
      var g = b.g[i]
      if let f = s.decoupledFactor { p = p * f } else if s.weightDecay != 0 { g = g + s.weightDecay * p }
      let m = lerp(mb[i], g, s.lerpWeight)
      var v = vb[i] * s.beta2
      v = v + s.oneMinusBeta2 * g * g
      mb[i] = m
      vb[i] = v
      let corrected = m / s.biasCorrection1
      if s.rectified {
        let adaptive = s.biasCorrection2Sqrt / (v.squareRoot() + s.eps)
        b.p[i] = p - corrected * s.lr * adaptive * s.rect
      } else {
        b.p[i] = p - corrected * s.lr
      }
      i += 1
    }
  }
}
