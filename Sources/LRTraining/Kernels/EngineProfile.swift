import Foundation
import Synchronization

/// Where the training engine's time goes, by kind of work: `lrkit-bench train --profile`.
///
/// Off by default; when ``enabled``, every kernel entry point adds its wall-clock time to its
/// part. Times from several threads add up (CPU time), so profile on one thread to read the
/// parts as shares of a step.
public enum EngineProfile {
  /// A kind of work.
  public enum Part: Int, CaseIterable, Sendable {
    /// `y = x W + b` (the linear layers and the head), bias included.
    case matmulForward
    /// `dx = dy Wᵀ` of the linear layers.
    case matmulBackwardInput
    /// `dW = xᵀ dy` and the bias gradient of the linear layers.
    case matmulBackwardWeights
    /// Causal attention forward: `q kᵀ`, the masked softmax, `P v`.
    case attention
    /// Causal attention backward.
    case attentionBackward
    /// LayerNorm forward and backward.
    case layerNorm
    /// GELU forward and backward.
    case gelu
    /// Softmax cross-entropy of the head, forward and backward.
    case loss
    /// Token and position embeddings, forward and backward.
    case embedding
    /// Dropout, element-wise adds and products.
    case elementwise
    /// Zeroing the shard gradients and adding them up.
    case shardGradients

    /// The part's name in the benchmark's output.
    public var name: String {
      switch self {
      case .matmulForward: "matmul_forward"
      case .matmulBackwardInput: "matmul_backward_dx"
      case .matmulBackwardWeights: "matmul_backward_dw"
      case .attention: "attention_forward"
      case .attentionBackward: "attention_backward"
      case .layerNorm: "layernorm"
      case .gelu: "gelu"
      case .loss: "softmax_cross_entropy"
      case .embedding: "embedding"
      case .elementwise: "elementwise"
      case .shardGradients: "shard_gradients"
      }
    }
  }

  /// Whether kernels record their time.
  nonisolated(unsafe) public static var enabled = false
  private static let nanoseconds = Mutex([UInt64](repeating: 0, count: Part.allCases.count))

  /// Clears the recorded times.
  public static func reset() {
    nanoseconds.withLock { $0 = [UInt64](repeating: 0, count: Part.allCases.count) }
  }

  /// Seconds recorded per part since the last ``reset()``.
  public static func seconds() -> [(part: Part, seconds: Double)] {
    let ns = nanoseconds.withLock { $0 }
    return Part.allCases.map { ($0, Double(ns[$0.rawValue]) / 1e9) }
  }

  /// Runs `body`, adding its time to `part` when profiling.
  @inline(__always)
  static func measure<R>(_ part: Part, _ body: () -> R) -> R {
    guard enabled else { return body() }
    let start = DispatchTime.now().uptimeNanoseconds
    let result = body()
    let elapsed = DispatchTime.now().uptimeNanoseconds &- start
    nanoseconds.withLock { $0[part.rawValue] &+= elapsed }
    return result
  }
}
