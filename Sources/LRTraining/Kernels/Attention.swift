#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

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
            var dot: Float = 0
            for i in 0..<hs { dot += q[i] * k[i] }
            dot *= scale
            p[s] = dot
            mx = max(mx, dot)
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
            let v = qkv + (b * time + s) * c3 + 2 * channels + h * hs
            let w = p[s]
            for i in 0..<hs { o[i] += w * v[i] }
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
            var dot: Float = 0
            let w = p[s]
            for i in 0..<hs {
              dot += dor[i] * v[i]
              dv[i] += w * dor[i]
            }
            dp[s] = dot
          }
          // softmax backward: dscore[s] = P[s] (dP[s] − Σ P dP)
          var inner: Float = 0
          for s in 0...t { inner += p[s] * dp[s] }
          let q = qkv + (b * time + t) * c3 + h * hs
          let dq = dqkv + (b * time + t) * c3 + h * hs
          for s in 0...t {
            let ds = p[s] * (dp[s] - inner) * scale
            let k = qkv + (b * time + s) * c3 + channels + h * hs
            let dk = dqkv + (b * time + s) * c3 + channels + h * hs
            for i in 0..<hs {
              dq[i] += ds * k[i]
              dk[i] += ds * q[i]
            }
          }
        }
      }
    }
  }
}
