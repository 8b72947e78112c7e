/// Everything a ``GPT`` pass needs besides the parameters, for one batch size: the batch is
/// cut into two fixed shards (one when the batch is a single sequence) with their own
/// activations, so that both cores run a whole forward and backward pass each, and a gradient
/// buffer for the second shard. The cut depends only on the batch size, never on the machine,
/// so results are the same with one thread or two.
public final class GPTWorkspace: @unchecked Sendable {
  /// Sequences per batch.
  public let batch: Int
  /// The first sequence of each shard.
  let shardStarts: [Int]
  let shards: [GPTActivations]
  /// Gradients of shards 1…, added into the caller's buffer in shard order.
  let shardGradients: [UnsafeMutablePointer<Float>]

  /// Buffers for batches of `batch` sequences of `config.context` tokens.
  public init(config: GPTConfig, batch: Int) {
    self.batch = batch
    let count = min(2, max(batch, 1))
    let bounds = (0...count).map { batch * $0 / count }
    let sizes = zip(bounds, bounds.dropFirst()).map { $1 - $0 }
    shardStarts = Array(bounds.dropLast())
    shards = sizes.map { GPTActivations(config: config, batch: $0) }
    shardGradients = sizes.dropFirst().map { _ in
      let g = UnsafeMutablePointer<Float>.allocate(capacity: max(config.parameterCount, 1))
      g.initialize(repeating: 0, count: max(config.parameterCount, 1))
      return g
    }
  }

  deinit { for g in shardGradients { g.deallocate() } }
}
