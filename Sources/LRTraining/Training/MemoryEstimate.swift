import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The least memory a training run holds, counted before anything is allocated, so that a shape
/// too large for the machine is refused with an error naming the field rather than ending in a
/// failed allocation.
///
/// ```
/// parameter bytes  = 4 · P · (2 + optimizer states + shards − 1)
/// activation bytes = 4 · (the floats every shard's forward pass keeps for the backward pass)
/// checkpoint bytes = 2 · (4/3) · 4 · P · (1 + optimizer states)
/// ```
/// `P` is the parameter count; the 2 are the parameters and the gradient, the optimizer states
/// are 2 for Adam, AdamW and RAdam (the moments), 1 for SGD with momentum, 0 without; each shard
/// after the first has its own gradient. A checkpoint holds the parameters and the optimizer
/// state in base64 (4/3 of their bytes), once as text and once as the bytes written. Buffers
/// smaller than these (a batch of tokens) and the checkpoint's other copies are not counted, so
/// the estimate is a lower bound.
struct MemoryEstimate: Sendable, Equatable {
  /// Bytes of the parameter-sized buffers: parameters, gradient, optimizer state, shard gradients.
  var parameterBytes: Double
  /// Bytes of the activations and the backward pass's scratch.
  var activationBytes: Double
  /// Bytes of `checkpoint.json` while it is written: its text and the bytes written from it.
  var checkpointBytes: Double
  /// Bytes of the scores (`batch · heads · context²` per layer), part of ``activationBytes``.
  var attentionBytes: Double

  /// Both parts together.
  var totalBytes: Double { parameterBytes + activationBytes + checkpointBytes }

  /// The least memory a run of `config` holds, for a configuration whose fields
  /// `TrainConfig.validate()` has checked (the activations are counted in `Double`, which no
  /// batch, context or width overflows).
  init(_ config: TrainConfig) {
    let states: Double
    switch config.optimizer.kind {
    case "sgd": states = config.optimizer.momentum != 0 ? 1 : 0
    default: states = 2
    }
    let parameters: Double
    var extraShards = 0.0
    switch config.task {
    case .digits:
      let widths = [Digits.features] + config.hidden + [Digits.classes]
      // The widths were checked by `validate()`: the count fits an Int.
      parameters = Double((try? MLP(widths: widths))?.parameterCount ?? 0)
      // Each layer's output, kept for the backward pass.
      activationBytes = 4 * Double(config.batchSize) * Double(widths.reduce(0, +))
      attentionBytes = 0
    case .shakespeare:
      let g = config.gpt
      let (l, t) = (Double(g.layers), Double(g.context))
      // The shape was checked by `GPT(_:)` (at most 2^31 weights): the count fits an Int.
      parameters = Double(g.parameterCount)
      extraShards = Double(max(1, min(config.shards, config.batchSize)) - 1)
      activationBytes = 4 * GPTActivations.floats(config: g, batch: config.batchSize)
      attentionBytes = 4 * Double(config.batchSize) * Double(g.heads) * t * t * l
    }
    parameterBytes = 4 * parameters * (2 + states + extraShards)
    checkpointBytes = 2 * 4 / 3 * 4 * parameters * (1 + states)
  }

  /// The field to name when the run does not fit: what holds most of the memory.
  func field(for task: TrainConfig.Task) -> String {
    if parameterBytes + checkpointBytes >= activationBytes { return task == .digits ? "hidden" : "width" }
    return attentionBytes * 2 > activationBytes ? "context" : "batch-size"
  }

  /// The bytes this process may use: the least of the machine's physical memory, the address-space
  /// limit (`ulimit -v`) and the control group's limit (a container's: `memory.max`, or
  /// `memory.limit_in_bytes` under cgroup v1).
  static func availableBytes() -> Double {
    var limit = Double(ProcessInfo.processInfo.physicalMemory)
    var rl = rlimit()
    #if os(Linux)
      let got = getrlimit(__rlimit_resource_t(RLIMIT_AS.rawValue), &rl)
    #else
      let got = getrlimit(RLIMIT_AS, &rl)
    #endif
    // No limit is RLIM_INFINITY: all ones on Linux, 2^63 − 1 on Darwin.
    if got == 0 && rl.rlim_cur < rlim_t(Int64.max) { limit = min(limit, Double(rl.rlim_cur)) }
    // cgroup v2, then v1 ("max" or an unlimited v1 value leaves the limit as it is).
    for file in ["/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"] {
      if let text = try? String(contentsOfFile: file, encoding: .utf8),
        let max = Double(text.trimmingCharacters(in: .whitespacesAndNewlines)), max > 0
      {
        limit = min(limit, max)
      }
    }
    return limit
  }

  /// A size in the unit that reads best: `23.4 GB`, `812 MB`.
  static func text(_ bytes: Double) -> String {
    if bytes >= 1e9 { return String(format: "%.1f GB", bytes / 1e9) }
    return String(format: "%.0f MB", bytes / 1e6)
  }
}
