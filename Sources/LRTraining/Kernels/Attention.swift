#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// `Σ a[i]·b[i]` with eight-lane partial sums.
@inline(__always) func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
  var acc = SIMD8<Float>()
  var i = 0
  while i + 8 <= n {
    acc += UnsafeRawPointer(a + i).loadUnaligned(as: SIMD8<Float>.self)
      * UnsafeRawPointer(b + i).loadUnaligned(as: SIMD8<Float>.self)
    i += 8
  }
  var s = acc.sum()
  while i < n {
    s += a[i] * b[i]
    i += 1
  }
  return s
}

/// `y[i] += w · x[i]`.
@inline(__always) func axpy(_ w: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
  var i = 0
  while i + 8 <= n {
    let v = UnsafeRawPointer(y + i).loadUnaligned(as: SIMD8<Float>.self)
      + w * UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self)
    UnsafeMutableRawPointer(y + i).storeBytes(of: v, as: SIMD8<Float>.self)
    i += 8
  }
  while i < n {
    y[i] += w * x[i]
    i += 1
  }
}

extension Kernels {
  /// Causal multi-head self-attention, forward. `qkv` is (B·T) × 3C with q, k, v side by side;
  /// `out` is (B·T) × C; `probs` keeps the B·H·T·T attention weights for the backward pass.
  /// ```
  /// P = softmax(q kᵀ / √d  masked to s ≤ t);  out = P v        (per batch and head)
  /// ```
  public static func attention(qkv: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>,
                               probs: UnsafeMutablePointer<Float>, batch: Int, time: Int,
                               channels: Int, heads: Int) {
    let hs = channels / heads
    let scale = 1 / Float(hs).squareRoot()
    let c3 = 3 * channels
    for b in 0..<batch {
      for h in 0..<heads {
        for t in 0..<time {
          let q = qkv + (b * time + t) * c3 + h * hs
          let p = probs + ((b * heads + h) * time + t) * time
          var mx = -Float.infinity
          for s in 0...t {
            let k = qkv + (b * time + s) * c3 + channels + h * hs
            let score = dot(q, k, hs) * scale
            p[s] = score
            mx = max(mx, score)
          }
          var sum: Float = 0
          for s in 0...t {
            let e = expf(p[s] - mx)
            p[s] = e
            sum += e
          }
          let inv = 1 / sum
          for s in 0...t { p[s] *= inv }
          for s in (t + 1)..<max(time, t + 1) { p[s] = 0 }
          let o = out + (b * time + t) * channels + h * hs
          for i in 0..<hs { o[i] = 0 }
          for s in 0...t {
            axpy(p[s], qkv + (b * time + s) * c3 + 2 * channels + h * hs, o, hs)
          }
        }
      }
    }
  }

  /// Causal self-attention backward: accumulates `dqkv` from `dout`.
  public static func attentionBackward(qkv: UnsafePointer<Float>, probs: UnsafePointer<Float>,
                                       dout: UnsafePointer<Float>, dqkv: UnsafeMutablePointer<Float>,
                                       batch: Int, time: Int, channels: Int, heads: Int) {
    let hs = channels / heads
    let scale = 1 / Float(hs).squareRoot()
    let c3 = 3 * channels
    let dp = UnsafeMutablePointer<Float>.allocate(capacity: max(time, 1))
    defer { dp.deallocate() }
    for b in 0..<batch {
      for h in 0..<heads {
        for t in 0..<time {
          let p = probs + ((b * heads + h) * time + t) * time
          let dor = dout + (b * time + t) * channels + h * hs
          // dP[s] = dout · v_s ;  dv_s += P[s] dout
          for s in 0...t {
            let v = qkv + (b * time + s) * c3 + 2 * channels + h * hs
            let dv = dqkv + (b * time + s) * c3 + 2 * channels + h * hs
            dp[s] = dot(dor, v, hs)
            axpy(p[s], dor, dv, hs)
          }
          // softmax backward: dscore[s] = P[s] (dP[s] − Σ P dP)
          var inner: Float = 0
          for s in 0...t { inner += p[s] * dp[s] }
          let q = qkv + (b * time + t) * c3 + h * hs
          let dq = dqkv + (b * time + t) * c3 + h * hs
          for s in 0...t {
            let ds = p[s] * (dp[s] - inner) * scale
            axpy(ds, qkv + (b * time + s) * c3 + channels + h * hs, dq, hs)
            axpy(ds, q, dqkv + (b * time + s) * c3 + channels + h * hs, hs)
          }
        }
      }
    }
  }
}
