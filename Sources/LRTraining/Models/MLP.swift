/// A multilayer perceptron classifier with ReLU hidden layers (e.g. 64-128-10 on digits), with
/// hand-written backward passes.
///
/// Initialisation as PyTorch's `nn.Linear`: weights and biases ~ U(−1/√fan_in, 1/√fan_in).
public struct MLP: Sendable {
  /// Layer widths, inputs first, classes last.
  public let widths: [Int]

  /// A model with these widths (at least inputs and classes).
  public init(widths: [Int]) throws(TrainingError) {
    guard widths.count >= 2, widths.allSatisfy({ $0 > 0 }) else {
      throw .invalidConfiguration(field: "hidden", reason: "widths must be positive, got \(widths)")
    }
    self.widths = widths
  }

  /// Offsets of each layer's weight (in × out) and bias in the flat buffer.
  public var offsets: [(weight: Int, bias: Int)] {
    var out: [(Int, Int)] = []
    var o = 0
    for (a, b) in zip(widths, widths.dropFirst()) {
      out.append((o, o + a * b))
      o += a * b + b
    }
    return out
  }

  /// The number of parameters.
  public var parameterCount: Int { zip(widths, widths.dropFirst()).reduce(0) { $0 + $1.0 * $1.1 + $1.1 } }

  /// Named tensors, for parameter groups.
  public var tensors: [(name: String, range: Range<Int>)] {
    offsets.enumerated().flatMap { i, o -> [(String, Range<Int>)] in
      let n = widths[i] * widths[i + 1]
      return [("fc\(i).weight", o.weight..<o.weight + n), ("fc\(i).bias", o.bias..<o.bias + widths[i + 1])]
    }
  }

  /// Initial parameters from `seed`.
  public func initialParameters(seed: UInt64) -> [Float] {
    var rng = SplitMix64(seed: seed)
    var p = [Float](repeating: 0, count: parameterCount)
    for (i, o) in offsets.enumerated() {
      let bound = 1 / Float(widths[i]).squareRoot()
      for j in o.weight..<(o.bias + widths[i + 1]) {
        p[j] = (Float(rng.next() >> 40) / Float(1 << 24) * 2 - 1) * bound
      }
    }
    return p
  }

  /// Forward pass over `rows` examples of `inputs`, optionally the backward pass accumulating
  /// into `gradients`; returns the mean cross-entropy and the number of correct predictions.
  public func pass(inputs: [Float], labels: [Int32], rows: Int, parameters: [Float],
                   gradients: inout [Float]?) -> (loss: Double, correct: Int) {
    let scratch = Scratch()
    let layers = widths.count - 1
    var acts: [UnsafeMutablePointer<Float>] = [scratch.make(rows * widths[0])]
    var pre: [UnsafeMutablePointer<Float>] = []
    inputs.withUnsafeBufferPointer { acts[0].update(from: $0.baseAddress!, count: rows * widths[0]) }
    let offs = offsets
    return parameters.withUnsafeBufferPointer { pb -> (Double, Int) in
      let P = pb.baseAddress!
      for l in 0..<layers {
        let z = scratch.make(rows * widths[l + 1])
        Kernels.linear(acts[l], P + offs[l].weight, P + offs[l].bias, z, rows: rows, inputs: widths[l], outputs: widths[l + 1])
        pre.append(z)
        if l < layers - 1 {
          let a = scratch.make(rows * widths[l + 1])
          Kernels.relu(z, a, count: rows * widths[l + 1])
          acts.append(a)
        }
      }
      let classes = widths[layers]
      let probs = scratch.make(rows * classes)
      let loss = labels.withUnsafeBufferPointer { lb in
        Kernels.softmaxCrossEntropy(pre[layers - 1], targets: lb.baseAddress!, probs: probs, rows: rows, classes: classes)
      }
      var correct = 0
      for r in 0..<rows {
        var best = 0
        for j in 1..<classes where probs[r * classes + j] > probs[r * classes + best] { best = j }
        if best == Int(labels[r]) { correct += 1 }
      }
      guard gradients != nil else { return (loss, correct) }
      gradients!.withUnsafeMutableBufferPointer { gb in
        let G = gb.baseAddress!
        var d = scratch.make(rows * classes)
        labels.withUnsafeBufferPointer { lb in
          Kernels.softmaxCrossEntropyBackward(probs: probs, targets: lb.baseAddress!, d, rows: rows, classes: classes)
        }
        for l in stride(from: layers - 1, through: 0, by: -1) {
          let dIn = l > 0 ? scratch.make(rows * widths[l]) : nil
          Kernels.linearBackward(acts[l], P + offs[l].weight, d, dx: dIn, dw: G + offs[l].weight,
                                 db: G + offs[l].bias, rows: rows, inputs: widths[l], outputs: widths[l + 1])
          if let dIn {
            let dz = scratch.make(rows * widths[l])
            Kernels.reluBackward(pre[l - 1], dIn, dz, count: rows * widths[l])
            d = dz
          }
        }
      }
      return (loss, correct)
    }
  }
}
