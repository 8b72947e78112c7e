/// The character GPT on tiny Shakespeare: random windows per update, fixed validation windows.
struct ShakespeareTask: TrainingTask {
  let model: GPT
  let data: Shakespeare
  let workspace: GPTWorkspace
  let batchSize: Int
  let evalBatches: Int

  init(config: GPTConfig, batchSize: Int, shards: Int = GPTWorkspace.defaultShards, evalBatches: Int) throws(TrainingError) {
    data = try Shakespeare()
    var g = config
    g.vocabulary = data.vocabulary.count
    model = try GPT(g)
    workspace = GPTWorkspace(config: g, batch: batchSize, shards: shards)
    self.batchSize = batchSize
    self.evalBatches = evalBatches
  }

  var tensors: [(name: String, range: Range<Int>)] { model.tensors }

  func initialParameters(seed: UInt64) -> [Float] { model.initialParameters(seed: seed) }

  func lossAndGradients(step: Int, parameters: [Float], gradients: inout [Float]?,
                        seed: (Int, UInt64) -> UInt64) -> (loss: Double, items: Int) {
    var rng = SplitMix64(seed: seed(step, 2))
    let (x, y) = Shakespeare.batch(from: data.train, batch: batchSize, context: model.config.context, rng: &rng)
    var dropoutRNG: SplitMix64? = model.config.dropout > 0 ? SplitMix64(seed: seed(step, 3)) : nil
    let loss = model.pass(tokens: x, targets: y, parameters: parameters, gradients: &gradients, workspace: workspace,
                          rng: &dropoutRNG)
    return (loss, x.count)
  }

  func evaluate(parameters: [Float]) -> (loss: Double, accuracy: Double?) {
    var none: [Float]? = nil
    var total = 0.0
    var rng = SplitMix64(seed: 0xE7A1)  // the same validation windows at every evaluation
    var noRNG: SplitMix64? = nil
    for _ in 0..<evalBatches {
      let (x, y) = Shakespeare.batch(from: data.valid, batch: batchSize, context: model.config.context, rng: &rng)
      total += model.pass(tokens: x, targets: y, parameters: parameters, gradients: &none, workspace: workspace, rng: &noRNG)
    }
    return (total / Double(evalBatches), nil)
  }
}
