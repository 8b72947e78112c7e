import Foundation

/// Tiny Shakespeare as characters: the vocabulary is the sorted set of characters of the whole
/// text (65), the first 90 % trains and the last 10 % validates, and batches are windows of
/// `context + 1` characters at seeded random offsets.
public struct Shakespeare: Sendable {
  /// The characters, in token order.
  public let vocabulary: [Character]
  /// Training tokens.
  public let train: [Int32]
  /// Validation tokens.
  public let valid: [Int32]

  /// Loads the shipped text (or `text`).
  public init(text: String? = nil) throws(TrainingError) {
    let content = if let text { text } else { try bundledText("tinyshakespeare", "txt") }
    let chars = Array(content)
    guard chars.count > 100 else { throw .invalidData(file: "tinyshakespeare.txt", reason: "too short") }
    vocabulary = Array(Set(chars)).sorted()
    var index: [Character: Int32] = [:]
    for (i, c) in vocabulary.enumerated() { index[c] = Int32(i) }
    let tokens = chars.map { index[$0]! }
    let cut = tokens.count * 9 / 10
    train = Array(tokens[..<cut])
    valid = Array(tokens[cut...])
  }

  /// The unigram loss: the entropy of the training characters' frequencies, in nats (3.31 for
  /// the shipped text) — what a model that has learned only which characters are common scores.
  ///
  /// ```
  /// H = −Σ_c p(c) · ln p(c)
  /// ```
  public var unigramLoss: Double {
    var counts = [Int](repeating: 0, count: vocabulary.count)
    for t in train { counts[Int(t)] += 1 }
    let n = Double(train.count)
    return counts.filter { $0 > 0 }.reduce(0.0) { h, c in h - Double(c) / n * log(Double(c) / n) }
  }

  /// A batch of `batch` windows from `tokens`: inputs and next-character targets, each
  /// `batch × context`.
  public static func batch(from tokens: [Int32], batch: Int, context: Int, rng: inout SplitMix64)
    -> (inputs: [Int32], targets: [Int32])
  {
    var x = [Int32]()
    var y = [Int32]()
    x.reserveCapacity(batch * context)
    y.reserveCapacity(batch * context)
    let span = UInt64(tokens.count - context - 1)
    for _ in 0..<batch {
      let start = Int(rng.next() % span)
      x += tokens[start..<start + context]
      y += tokens[start + 1..<start + context + 1]
    }
    return (x, y)
  }
}
