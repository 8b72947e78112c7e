/// The MLP classifier on the UCI digits: shuffled minibatches, one epoch after another.
struct DigitsTask: TrainingTask {
  let model: MLP
  let data: Digits
  let batchSize: Int

  init(hidden: [Int], seed: UInt64, batchSize: Int) throws(TrainingError) {
    model = try MLP(widths: [Digits.features] + hidden + [Digits.classes])
    data = try Digits(seed: seed)
    self.batchSize = batchSize
  }

  var tensors: [(name: String, range: Range<Int>)] { model.tensors }

  func initialParameters(seed: UInt64) -> [Float] { model.initialParameters(seed: seed) }

  func lossAndGradients(step: Int, parameters: [Float], gradients: inout [Float]?,
                        seed: (Int, UInt64) -> UInt64) -> (loss: Double, items: Int) {
    let n = data.trainCount
    let perEpoch = (n + batchSize - 1) / batchSize
    let epoch = step / perEpoch
    let j = step % perEpoch
    var order = Array(0..<n)
    var rng = SplitMix64(seed: seed(epoch, 1))
    order.shuffle(using: &rng)
    let idx = order[(j * batchSize)..<min(n, (j + 1) * batchSize)]
    var x: [Float] = []
    x.reserveCapacity(idx.count * Digits.features)
    for i in idx { x += data.trainX[(i * Digits.features)..<((i + 1) * Digits.features)] }
    let y = idx.map { data.trainY[$0] }
    return (model.pass(inputs: x, labels: y, rows: idx.count, parameters: parameters, gradients: &gradients).loss, idx.count)
  }

  func evaluate(parameters: [Float]) -> (loss: Double, accuracy: Double?) {
    var none: [Float]? = nil
    let r = model.pass(inputs: data.validX, labels: data.validY, rows: data.validCount, parameters: parameters,
                       gradients: &none)
    return (r.loss, Double(r.correct) / Double(data.validCount))
  }
}
