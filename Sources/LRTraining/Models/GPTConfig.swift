/// The shape of a character-level GPT.
public struct GPTConfig: Sendable, Equatable, Codable {
  /// Where the LayerNorm sits in each block.
  public enum Norm: String, Sendable, Codable, CaseIterable {
    /// `x + f(LN(x))` (GPT-2, nanoGPT): trains at high learning rates without warmup.
    case preLN = "pre-ln"
    /// `LN(x + f(x))` (the original Transformer): needs warmup at high learning rates.
    case postLN = "post-ln"
  }

  /// Vocabulary size.
  public var vocabulary: Int
  /// Context length T.
  public var context: Int
  /// Number of blocks.
  public var layers: Int
  /// Width C.
  public var channels: Int
  /// Attention heads (C must be divisible by it).
  public var heads: Int
  /// LayerNorm placement.
  public var norm: Norm
  /// Dropout probability on the attention output, MLP output and embeddings.
  public var dropout: Float

  /// A configuration.
  public init(vocabulary: Int = 65, context: Int = 64, layers: Int = 4, channels: Int = 128,
              heads: Int = 4, norm: Norm = .preLN, dropout: Float = 0) {
    self.vocabulary = vocabulary
    self.context = context
    self.layers = layers
    self.channels = channels
    self.heads = heads
    self.norm = norm
    self.dropout = dropout
  }

  /// Parameters per block: two LayerNorms, qkv and output projections, the 4x MLP, with biases.
  public var parametersPerLayer: Int {
    let c = channels
    return 2 * c + (c * 3 * c + 3 * c) + (c * c + c) + 2 * c + (c * 4 * c + 4 * c) + (4 * c * c + c)
  }

  /// All parameters: embeddings, blocks, final LayerNorm and the untied output head (no bias).
  public var parameterCount: Int {
    vocabulary * channels + context * channels + layers * parametersPerLayer + 2 * channels
      + channels * vocabulary
  }
}
