/// Everything a ``GPT`` pass needs besides the parameters, for one batch size: the batch is
/// cut into a fixed number of contiguous shards (``GPTWorkspace/defaultShards``, or what the
/// run's configuration asks for, never more than the batch) with their own activations and,
/// from the second shard on, their own gradient buffers. The cut depends only on the batch
/// size and the shard count, never on the machine, so results are the same with any number of
/// threads.
public final class GPTWorkspace: @unchecked Sendable {
  /// The shard count when a configuration does not set one: two halves, one per core of a
  /// two-core machine.
  public static let defaultShards = 2

  /// Sequences per batch.
  public let batch: Int
  /// The first sequence of each shard.
  let shardStarts: [Int]
  let shards: [GPTActivations]
  /// Gradients of shards 1…, reduced into the caller's buffer as a fixed pairwise tree.
  let shardGradients: [UnsafeMutablePointer<Float>]

  /// The number of shards the batch is cut into: `min(shards, batch)`, at least 1.
  public var shardCount: Int { shards.count }

  /// Buffers for batches of `batch` sequences of `config.context` tokens, cut into
  /// `min(shards, batch)` shards of `⌊batch · s / S⌋ …` sequences.
  public init(config: GPTConfig, batch: Int, shards: Int = GPTWorkspace.defaultShards) {
    self.batch = batch
    let count = max(1, min(shards, batch))
    let bounds = (0...count).map { batch * $0 / count }
    let sizes = zip(bounds, bounds.dropFirst()).map { $1 - $0 }
    shardStarts = Array(bounds.dropLast())
    self.shards = sizes.map { GPTActivations(config: config, batch: $0) }
    shardGradients = sizes.dropFirst().map { _ in
      let g = UnsafeMutablePointer<Float>.allocate(capacity: max(config.parameterCount, 1))
      g.initialize(repeating: 0, count: max(config.parameterCount, 1))
      return g
    }
  }

  deinit { for g in shardGradients { g.deallocate() } }
}
