import LROptimizers
import LRSchedules
import LRTraining

/// Times full AdamW training steps (forward, backward, clip, update) of `shape`'s model on its
/// batches, as `Trainer` runs them: `warmup` steps, then the best of `rounds` rounds of `steps`
/// steps. Returns the JSON lines' fields: with `profiling` (one thread) first a `profile-LABEL`
/// line with the milliseconds per step in each kind of work, then the `train-LABEL` line
/// (tokens/s, FLOPs per token, GFLOP/s and the fraction of `peakCore · threads`).
func timeTrainingSteps(_ shape: BenchOptions.Shape, threads: Int, shards: Int, profiling: Bool, peakCore: Double,
                       warmup: Int = 3, steps: Int = 20, rounds: Int = 3) throws -> [[(String, String)]] {
  let (config, batch) = (shape.config, shape.batch)
  var records: [[(String, String)]] = []
  let model = try GPT(config)
  var parameters = model.initialParameters(seed: 1)
  var optimizer = try ScheduledOptimizer(
    .adam(.adamw, betas: (0.9, 0.95), weightDecay: 0.1), parameterCount: config.parameterCount,
    schedule: try ScheduleSpec.decode(text: #"{"type":"constant","lr":1e-3}"#))
  let workspace = GPTWorkspace(config: config, batch: batch, shards: shards)
  var rng = SplitMix64(seed: 7)
  let tokens = (0..<batch * config.context).map { _ in Int32(rng.next() % 65) }
  let targets = (0..<batch * config.context).map { _ in Int32(rng.next() % 65) }
  var noRNG: SplitMix64? = nil
  // As the trainer does: one gradient buffer, zeroed before each update.
  var buffer: [Float]? = [Float](repeating: 0, count: config.parameterCount)
  var optimizerNs: UInt64 = 0
  var zeroNs: UInt64 = 0
  func step() throws {
    let t0 = now()
    buffer!.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
    let t1 = now()
    _ = model.pass(tokens: tokens, targets: targets, parameters: parameters, gradients: &buffer,
                   workspace: workspace, rng: &noRNG, threads: threads)
    let t2 = now()
    _ = try optimizer.update(parameters: &parameters, gradients: &buffer!, clipNorm: 1)
    optimizerNs &+= now() &- t2
    zeroNs &+= t1 &- t0
  }
  for _ in 0..<warmup { try step() }
  EngineProfile.enabled = profiling
  EngineProfile.reset()
  optimizerNs = 0
  zeroNs = 0
  let profileStart = now()
  var bestNs = Double.infinity
  for _ in 0..<rounds {
    let t0 = now()
    for _ in 0..<steps { try step() }
    bestNs = min(bestNs, Double(now() - t0) / Double(steps))
  }
  if profiling {
    EngineProfile.enabled = false
    let count = Double(rounds * steps)
    let totalMs = Double(now() &- profileStart) / 1e6 / count
    var fields: [(String, String)] = [("name", quoted("profile-" + shape.label)), ("threads", "1"),
                                      ("ms_per_step", rounded(totalMs))]
    var accounted = 0.0
    let parts = EngineProfile.seconds().map { ($0.part.name, $0.seconds * 1e3 / count) }
      + [("optimizer_adamw_clip", Double(optimizerNs) / 1e6 / count), ("zero_gradients", Double(zeroNs) / 1e6 / count)]
    for (part, ms) in parts {
      accounted += ms
      fields.append((part + "_ms", rounded(ms)))
    }
    fields.append(("other_ms", rounded(max(0, totalMs - accounted))))
    records.append(fields)
  }
  let tokensPerStep = Double(batch * config.context)
  let (l, d, t) = (Double(config.layers), Double(config.channels), Double(config.context))
  let flopsPerToken = 6 * (12 * l * d * d + d * 65) + 6 * l * t * d
  let tokensPerSecond = tokensPerStep / (bestNs / 1e9)
  let gflops = tokensPerSecond * flopsPerToken / 1e9
  records.append([
    ("name", quoted("train-" + shape.label)), ("gemm", quoted(GEMM.backend)), ("params", "\(config.parameterCount)"), ("batch", "\(batch)"),
    ("context", "\(config.context)"), ("threads", "\(threads)"), ("shards", "\(workspace.shardCount)"),
    ("ms_per_step", rounded(bestNs / 1e6)), ("tokens_per_s", rounded(tokensPerSecond)),
    ("flops_per_token", rounded(flopsPerToken)), ("gflops", rounded(gflops)),
    ("fraction_of_peak", rounded(gflops / (peakCore * Double(threads)))),
  ])
  return records
}
