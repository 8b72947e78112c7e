import LRSupport
import LRSchedules
import LRTraining

/// The experiment grids that show the lore on the built-in tasks.
public enum Experiments {
  /// A spec written in the grids below. The numbers in it come from the callers (the CLI checks
  /// that they are finite); text that does not parse becomes `null`, which the spec decoder
  /// refuses by field when the run starts, instead of a trap here.
  static func spec(_ text: String) -> JSONValue { (try? JSONValue.parse(text)) ?? .null }

  static func digits(lr: Double, steps: Int, schedule: JSONValue?, seed: UInt64, batch: Int = 64,
                     momentum: Double = 0.9) -> TrainConfig {
    var c = TrainConfig(task: .digits)
    c.optimizer = OptimizerConfigurationJSON(kind: "sgd", momentum: momentum, nesterov: false,
                                             betas: (0.9, 0.999), eps: 1e-8, weightDecay: nil)
    c.lr = lr
    c.schedule = schedule
    c.steps = steps
    c.batchSize = batch
    c.seed = seed
    c.evalEvery = max(1, steps / 10)
    return c
  }

  /// The schedules `compare` runs by default, all with the same peak `lr` over `steps`.
  package static func defaultSchedules(lr: Double, steps: Int) -> [(String, JSONValue)] {
    let w = max(1, steps / 20)
    return [
      ("constant", spec(#"{"type":"constant","lr":\#(lr)}"#)),
      ("step decay", spec(#"{"type":"step","lr":\#(lr),"step_size":\#(max(1, steps / 3)),"gamma":0.1}"#)),
      ("cosine", spec(#"{"type":"cosine","lr":\#(lr),"steps":\#(steps)}"#)),
      ("warmup + cosine", spec(#"{"type":"cosine","lr":\#(lr),"steps":\#(steps),"warmup":\#(w)}"#)),
      ("one-cycle", spec(#"{"type":"onecycle","lr":\#(lr),"steps":\#(steps),"pct_start":0.25,"momentum":false}"#)),
      ("WSD", spec(#"{"type":"wsd","lr":\#(lr),"steps":\#(steps),"warmup":\#(w),"decay":\#(max(1, steps / 5)),"shape":"1-sqrt"}"#)),
    ]
  }

  /// The LR range test's suggestions, each trained as the one-cycle spec `lrkit find` prints
  /// (digits, SGD with momentum 0.9, batch 64): the check that the recommendation wins.
  package static func rangeCheck(suggestions: [(String, Double)], epochs: Int = 10, seeds: [UInt64] = [0, 1, 2]) -> [PlannedRun] {
    let steps = epochs * 23
    return suggestions.flatMap { name, lr in
      seeds.map { seed in
        PlannedRun(id: "find/\(name)/seed=\(seed)", labels: ["suggestion": name, "lr": "\(lr)", "seed": "\(seed)", "epochs": "\(epochs)"],
                   config: digits(lr: lr, steps: steps, schedule: LRRangeTest.recommendedSpec(peak: lr, steps: steps), seed: seed))
      }
    }
  }

  /// The range test's task and optimizer: the digits MLP, SGD with momentum 0.9, batch 64.
  public static func rangeTestBase() -> TrainConfig {
    var base = TrainConfig(task: .digits)
    base.optimizer = OptimizerConfigurationJSON(kind: "sgd", momentum: 0.9, nesterov: false, betas: (0.9, 0.999), eps: 1e-8, weightDecay: nil)
    return base
  }

  /// Several schedules on digits with the same peak lr and seeds.
  package static func compare(lr: Double = 0.3, epochs: Int = 10, seeds: [UInt64] = [0, 1, 2],
                             schedules: [(String, JSONValue)]? = nil) -> [PlannedRun] {
    let steps = epochs * 23
    let set = schedules ?? defaultSchedules(lr: lr, steps: steps)
    return set.flatMap { name, s in
      seeds.map { seed in
        PlannedRun(id: "compare/\(name)/seed=\(seed)", labels: ["schedule": name, "seed": "\(seed)"],
                   config: digits(lr: lr, steps: steps, schedule: s, seed: seed))
      }
    }
  }

  /// The failure modes on digits: too high, too low, constant high, the same peak with decay.
  public static func failureModes(epochs: Int = 10, seed: UInt64 = 0) -> [PlannedRun] {
    let steps = epochs * 23
    let cases: [(String, Double, JSONValue?)] = [
      ("too high (lr 10)", 10, nil),
      ("too low (lr 1e-4)", 1e-4, nil),
      ("constant high (lr 0.3)", 0.3, nil),
      ("lr 0.3 with cosine decay (the fix)", 0.3, spec(#"{"type":"cosine","lr":0.3,"steps":\#(steps)}"#)),
    ]
    return cases.map { name, lr, s in
      PlannedRun(id: "failure/\(name)", labels: ["case": name], config: digits(lr: lr, steps: steps, schedule: s, seed: seed))
    }
  }

  /// The batch-size grid on digits: how the best lr moves with the batch size (SGD with
  /// momentum, a fixed budget of epochs).
  /// A quarter-decade lr grid: fine enough to tell the linear rule (the best lr × 4 per 4× batch,
  /// 0.6 decades) from the square-root rule (× 2, 0.3 decades).
  public static let batchGridLRs: [Double] = [0.01, 0.0178, 0.0316, 0.0562, 0.1, 0.178, 0.316, 0.562, 1]

  public static func batchSizes(batches: [Int] = [16, 64, 256], lrs: [Double] = batchGridLRs,
                                epochs: Int = 5, seeds: [UInt64] = [0]) -> [PlannedRun] {
    batches.flatMap { b in
      lrs.flatMap { lr in
        seeds.map { seed in
          let steps = epochs * ((1437 + b - 1) / b)
          var c = digits(lr: lr, steps: steps, schedule: spec(#"{"type":"cosine","lr":\#(lr),"steps":\#(steps)}"#), seed: seed, batch: b)
          c.evalEvery = steps
          return PlannedRun(id: "batch/b=\(b)/lr=\(lr)/seed=\(seed)",
                            labels: ["batch": "\(b)", "lr": "\(lr)", "seed": "\(seed)"], config: c)
        }
      }
    }
  }

  /// The warmup ablation's peak learning rates: half-decades from a safe 1e-3 to 3e-2.
  public static let warmupLRs: [Double] = [1e-3, 3e-3, 1e-2, 3e-2]

  /// The warmup ablation on tiny Shakespeare (the tutorial's, scaled to the run): Post-LN and
  /// Pre-LN GPTs with Adam (0.9, 0.98) at four peak lrs, each held constant after a linear warmup
  /// of 0, 25, 100 or 500 updates (the tutorial's 0/50/200/1000 at half the length), 600 updates,
  /// two seeds.
  public static func warmup(lrs: [Double] = warmupLRs, warmups: [Int] = [0, 25, 100, 500], steps: Int = 600,
                            seeds: [UInt64] = [0, 1], layers: Int = 6, width: Int = 64, context: Int = 64,
                            batch: Int = 8) -> [PlannedRun] {
    var runs: [PlannedRun] = []
    for norm in [GPTConfig.Norm.postLN, .preLN] {
      for lr in lrs {
        for w in warmups {
          for seed in seeds {
            var c = TrainConfig(task: .shakespeare)
            c.gpt = GPTConfig(context: context, layers: layers, channels: width, heads: 4, norm: norm)
            c.optimizer = OptimizerConfigurationJSON(kind: "adam", momentum: 0, nesterov: false,
                                                     betas: (0.9, 0.98), eps: 1e-8, weightDecay: 0)
            c.schedule = spec(#"{"type":"constant","lr":\#(lr),"warmup":\#(w)}"#)
            c.steps = steps
            c.batchSize = batch
            c.seed = seed
            c.evalEvery = steps
            c.evalBatches = 8
            runs.append(PlannedRun(
              id: "warmup/\(norm.rawValue)/lr=\(lr)/warmup=\(w)/seed=\(seed)",
              labels: ["norm": norm.rawValue, "lr": "\(lr)", "warmup": "\(w)", "seed": "\(seed)", "batch": "\(batch)"], config: c))
          }
        }
      }
    }
    return runs
  }
}
