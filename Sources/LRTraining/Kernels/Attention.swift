import CKernels

extension Kernels {
  /// Causal multi-head self-attention, forward. `qkv` is (B·T) × 3C with q, k, v side by side;
  /// `out` is (B·T) × C; `probs` keeps the B·H·T·T attention weights for the backward pass.
  /// ```
  /// P = softmax(q kᵀ / √d  masked to s ≤ t);  out = P v        (per batch and head)
  /// ```
  /// Each head is two matrix products and a row softmax in C (see nn.c).
  public static func attention(qkv: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>,
                               probs: UnsafeMutablePointer<Float>, batch: Int, time: Int,
                               channels: Int, heads: Int) {
    EngineProfile.measure(.attention) {
      for b in 0..<batch {
        lrkit_attention(qkv + b * time * 3 * channels, out + b * time * channels,
                        probs + b * heads * time * time, time, channels, heads)
      }
    }
  }

  /// Causal self-attention backward: accumulates `dqkv` from `dout` (writes it when not
  /// `accumulate`).
  /// ```
  /// dP = dout vᵀ;  dv += Pᵀ dout;  dS = P ∘ (dP − rowsum(P ∘ dP)) / √d;  dq += dS k;  dk += dSᵀ q
  /// ```
  public static func attentionBackward(qkv: UnsafePointer<Float>, probs: UnsafePointer<Float>,
                                       dout: UnsafePointer<Float>, dqkv: UnsafeMutablePointer<Float>,
                                       batch: Int, time: Int, channels: Int, heads: Int,
                                       accumulate: Bool = true) {
    EngineProfile.measure(.attentionBackward) {
      for b in 0..<batch {
        lrkit_attention_backward(qkv + b * time * 3 * channels, probs + b * heads * time * time,
                                 dout + b * time * channels, dqkv + b * time * 3 * channels,
                                 time, channels, heads, accumulate ? 1 : 0)
      }
    }
  }
}
