import Foundation
import LRSupport
import Testing

@testable import LRSchedules

/// DeepSpeed's schedulers, written as specs and as the `ds_config.json` files real projects
/// carry (which LRKit refused for want of a `"type"` before). The values themselves are checked
/// against DeepSpeed in `deepspeed.json` (ParityTests), computed by DeepSpeed and checked
/// against its engine by `Scripts/make-fixtures.py`.
@Suite("DeepSpeed schedulers and configs")
struct DeepSpeedTests {
  static let prefix = "deepspeed.runtime.lr_schedules."

  /// A spec as a DeepSpeed config: the short type and params in `scheduler`, the lr in
  /// `optimizer.params`, and the keys every config has.
  static func config(_ spec: JSONValue, type: String? = nil) -> JSONValue {
    guard case .object(let pairs) = spec, case .string(let full)? = spec["type"] else { return spec }
    let name = type ?? String(full.split(separator: ".").last!)
    var optimizer: [(key: String, value: JSONValue)] = [("weight_decay", .double(0.01))]
    if let lr = spec["lr"] { optimizer.insert(("lr", lr), at: 0) }
    return .object([
      ("train_micro_batch_size_per_gpu", .int(4)),
      ("gradient_accumulation_steps", .int(2)),
      ("optimizer", .object([("type", .string("AdamW")), ("params", .object(optimizer))])),
      ("scheduler", .object([
        ("type", .string(name)),
        ("params", .object(pairs.filter { $0.key != "type" && $0.key != "lr" })),
      ])),
      ("zero_optimization", .object([("stage", .int(2))])),
    ])
  }

  static func curve(_ text: String, steps: Int) throws -> [Double] {
    try ScheduleSpec.decode(text: text).curve(steps: steps).lr
  }

  @Test("every DeepSpeed parity case gives the same bits read from a ds_config.json")
  func parityCasesAsConfig() throws {
    let cases = Fixtures.cases("deepspeed")
    #expect(cases.count >= 70)
    for c in cases {
      let direct = try ScheduleSpec.decode(c.spec).curve(steps: c.numSteps)
      let viaConfig = try ScheduleSpec.decode(Self.config(c.spec)).curve(steps: c.numSteps)
      #expect(direct == viaConfig, "\(c.name)")
    }
  }

  @Test("a torch scheduler named in a DeepSpeed config is PyTorch's, with the optimizer's lr")
  func torchTypesInConfig() throws {
    var compared = 0
    for c in Fixtures.cases("torch") where c.metrics == nil {
      guard case .string(let type)? = c.spec["type"], c.spec["lr"] != nil,
        ScheduleSpec.torchLeafClasses.contains(String(type.split(separator: ".").last!)),
        c.spec["last_epoch"] == nil
      else { continue }
      let viaConfig = try ScheduleSpec.decode(Self.config(c.spec)).curve(steps: c.numSteps)
      #expect(viaConfig.lr == (try ScheduleSpec.decode(c.spec).curve(steps: c.numSteps).lr), "\(c.name)")
      compared += 1
    }
    #expect(compared >= 30)
  }

  @Test("update k uses DeepSpeed's iteration k − 1: the constructor's value first")
  func offByOne() throws {
    let decay = try Self.curve(
      #"{"type": "\#(Self.prefix)WarmupDecayLR", "warmup_min_lr": 0.001, "warmup_max_lr": 0.01, "warmup_num_steps": 4, "total_num_steps": 10, "warmup_type": "linear"}"#,
      steps: 13)
    // min, then iteration 0 (γ = 0), 1/4, 2/4, 3/4, then the decay from iteration 4.
    let delta = 0.01 - 0.001
    #expect(decay[0] == 0.001 && decay[1] == 0.001)
    #expect(decay[2] == 0.001 + delta * 0.25)
    #expect(decay[5] == 0.001 + delta * 1.0)  // iteration 4 = W: the decay's γ = (10 − 4) / (10 − 4)
    #expect(decay[6] == 0.001 + delta * (5.0 / 6.0))
    #expect(decay[11] == 0.001 && decay[12] == 0.001)
    let cosine = try Self.curve(
      #"{"type": "\#(Self.prefix)WarmupCosineLR", "lr": 0.1, "total_num_steps": 10, "warmup_num_steps": 2}"#,
      steps: 4)
    #expect(cosine[0] == 0)  // WarmupCosineLR's iteration −1 is 0, whatever warmup_min_ratio
  }

  @Test("every documented key changes the curve")
  func everyKeyMatters() throws {
    let bases: [(String, String, [(String, String)])] = [
      ("WarmupLR", #""lr": 0.1, "warmup_num_steps": 20"#,
       [("lr", "0.2"), ("warmup_min_lr", "0.01"), ("warmup_max_lr", "0.05"), ("warmup_num_steps", "10"),
        ("warmup_type", #""linear""#)]),
      ("WarmupDecayLR", #""total_num_steps": 60, "warmup_num_steps": 20"#,
       [("total_num_steps", "80"), ("warmup_min_lr", "0.0001"), ("warmup_max_lr", "0.05"),
        ("warmup_num_steps", "10"), ("warmup_type", #""linear""#)]),
      ("WarmupCosineLR", #""lr": 0.1, "total_num_steps": 60, "warmup_num_steps": 20"#,
       [("lr", "0.2"), ("total_num_steps", "80"), ("warmup_min_ratio", "0.3"), ("cos_min_ratio", "0.2"),
        ("warmup_num_steps", "10"), ("warmup_type", #""linear""#)]),
      ("LRRangeTest", #""lr_range_test_step_size": 7"#,
       [("lr_range_test_min_lr", "0.01"), ("lr_range_test_step_size", "3"), ("lr_range_test_step_rate", "3.0"),
        ("lr_range_test_staircase", "true")]),
      ("OneCycle", #""cycle_min_lr": 0.01, "cycle_max_lr": 0.1, "cycle_first_step_size": 10, "decay_step_size": 2, "decay_lr_rate": 0.1, "decay_mom_rate": 0.01"#,
       [("cycle_min_lr", "0.02"), ("cycle_max_lr", "0.2"), ("cycle_first_step_size", "12"),
        ("cycle_second_step_size", "5"), ("cycle_first_stair_count", "3"), ("cycle_second_stair_count", "2"),
        ("decay_step_size", "4"), ("decay_lr_rate", "0.3")]),
    ]
    for (name, base, variations) in bases {
      let spec = #"{"type": "\#(Self.prefix)\#(name)", \#(base)}"#
      let reference = try Self.curve(spec, steps: 60)
      for (key, value) in variations {
        var object = try JSONValue.parse(spec)
        guard case .object(var pairs) = object else { continue }
        pairs.removeAll { $0.key == key }
        pairs.append((key, try JSONValue.parse(value)))
        object = .object(pairs)
        let changed = try ScheduleSpec.decode(object).curve(steps: 60).lr
        #expect(changed != reference, "\(name).\(key) = \(value) did not change the curve")
      }
    }
    // OneCycle's momentum keys change β1.
    let cycle = #"{"type": "\#(Self.prefix)OneCycle", "cycle_min_lr": 0.01, "cycle_max_lr": 0.1, "cycle_first_step_size": 10, "decay_step_size": 2"#
    let momentum = try #require(try ScheduleSpec.decode(text: cycle + "}").curve(steps: 40).momentum)
    for extra in [#""cycle_min_mom": 0.85"#, #""cycle_max_mom": 0.95"#, #""decay_mom_rate": 0.01"#] {
      let other = try ScheduleSpec.decode(text: cycle + ", " + extra + "}").curve(steps: 40).momentum
      #expect(other != momentum, "\(extra) did not change β1")
    }
    #expect(try ScheduleSpec.decode(text: cycle + #", "cycle_momentum": false}"#).momentum == nil)
  }

  @Test("warmup_max_lr: absent means the optimizer's lr for WarmupLR, 0.001 for WarmupDecayLR; null the optimizer's lr for both")
  func warmupMaxDefaults() throws {
    let decay = #"{"type": "\#(Self.prefix)WarmupDecayLR", "lr": 0.5, "total_num_steps": 10, "warmup_num_steps": 2"#
    #expect(try Self.curve(decay + "}", steps: 4)[3] == 0.001)
    #expect(try Self.curve(decay + #", "warmup_max_lr": null}"#, steps: 4)[3] == 0.5)
    let warm = #"{"type": "\#(Self.prefix)WarmupLR", "warmup_num_steps": 2"#
    #expect(try Self.curve(warm + #", "lr": 0.5}"#, steps: 4)[3] == 0.5)
    #expect(decodingError(warm + "}").contains("'lr'"))
  }

  @Test("refusals name the field")
  func refusals() {
    let p = Self.prefix
    let cases: [(String, String)] = [
      (#"{"type": "\#(p)WarmupLR", "lr": 0.1, "warmup_num_steps": 0}"#, "warmup_num_steps"),
      (#"{"type": "\#(p)WarmupLR", "lr": 0.1, "warmup_num_steps": 2.5}"#, "warmup_num_steps"),
      (#"{"type": "\#(p)WarmupCosineLR", "total_num_steps": 10}"#, "'lr'"),
      (#"{"type": "\#(p)WarmupDecayLR", "warmup_num_steps": 3}"#, "total_num_steps"),
      (#"{"type": "\#(p)WarmupDecayLR", "total_num_steps": 10, "warmup_max_lr": [0.1, 0.2]}"#, "warmup_max_lr"),
      (#"{"type": "\#(p)WarmupLR", "lr": 0.1, "last_batch_iteration": 5}"#, "last_batch_iteration"),
      (#"{"type": "\#(p)WarmupLR", "lr": 0.1, "warmup_steps": 5}"#, "warmup_steps"),
      (#"{"type": "\#(p)OneCycle", "cycle_max_lr": 0.1}"#, "cycle_min_lr"),
      (#"{"type": "\#(p)OneCycle", "cycle_min_lr": 0.01, "cycle_max_lr": 0.1, "cycle_first_step_size": -2}"#, "cycle_first_step_size"),
      (#"{"type": "\#(p)LRRangeTest", "lr_range_test_step_size": 0}"#, "lr_range_test_step_size"),
      (#"{"type": "\#(p)LRRangeTest", "lr_range_test_staircase": 1}"#, "lr_range_test_staircase"),
      // ds_config.json files.
      (#"{"train_batch_size": 8, "optimizer": {"type": "Adam", "params": {"lr": 0.001}}}"#, "'scheduler'"),
      (#"{"scheduler": {"type": "WarmupDecayLR", "params": {"total_num_steps": "auto"}}}"#, "scheduler.params.total_num_steps"),
      (#"{"optimizer": {"params": {"lr": "auto"}}, "scheduler": {"type": "WarmupLR", "params": {}}}"#, "optimizer.params.lr"),
      (#"{"scheduler": {"type": "WarmupDecay", "params": {}}}"#, "did you mean 'WarmupDecayLR'"),
      (#"{"scheduler": {"type": "WarmupLR"}}"#, "scheduler.params"),
      (#"{"scheduler": {"type": "WarmupLR", "params": {"lr": 0.1}, "parms": {}}}"#, "scheduler.parms"),
      (#"{"scheduler": {"type": "StepLR", "params": {"step_size": 3}}}"#, "'optimizer.params.lr'"),
    ]
    for (text, field) in cases {
      let error = decodingError(text)
      #expect(error != "accepted" && error.contains(field), "\(text): \(error)")
    }
  }

  @Test("what DeepSpeed only warns about is said, naming the field")
  func warnings() throws {
    let p = Self.prefix
    func warnings(_ text: String) throws -> [String] { try ScheduleSpec.decode(text: text).warnings }
    #expect(try warnings(#"{"type": "\#(p)WarmupDecayLR", "total_num_steps": 5, "warmup_num_steps": 10}"#)
      .contains { $0.contains("'total_num_steps'") })
    #expect(try warnings(#"{"type": "\#(p)WarmupLR", "lr": 1, "warmup_type": "exp"}"#)
      .contains { $0.contains("'warmup_type'") })
    #expect(try warnings(#"{"type": "\#(p)OneCycle", "cycle_min_lr": 0.01, "cycle_max_lr": 0.1, "decay_step_size": 1, "decay_mom_rate": 0.1}"#)
      .contains { $0.contains("'decay_mom_rate'") && $0.contains("about 2 updates") })
    let fp16 = #"{"fp16": {"enabled": true}, "optimizer": {"params": {"lr": 0.1}}, "scheduler": {"type": "WarmupLR", "params": {}}}"#
    #expect(try warnings(fp16).contains { $0.contains("'fp16.enabled'") })
    #expect(try warnings(fp16).contains { $0.contains("'optimizer.params.lr'") && $0.contains("starts from") })
    // Keys of the scheduler section DeepSpeed's engine does not read (seen in a real config).
    let extra = #"{"optimizer": {"params": {"lr": 0.1}}, "scheduler": {"type": "WarmupLR", "params": {}, "param_schedulers": {"projector": {}}}}"#
    #expect(try warnings(extra).contains { $0.contains("'scheduler.param_schedulers'") })
  }

  @Test("a Trainer config with a DeepSpeed scheduler draws what Trainer.train() with DeepSpeed used")
  func trainerWithDeepSpeed() throws {
    guard let root = Fixtures.load("hf_deepspeed"), case .array(let items)? = root["cases"] else {
      Issue.record("hf_deepspeed.json is missing")
      return
    }
    #expect(items.count >= 10)
    for item in items {
      let name = Fixtures.string(item["name"]) ?? "?"
      let peer = try #require(Fixtures.numbers(item["lr"]))
      let config = try #require(item["config"])
      let decoded = try ScheduleSpec.decode(config)
      #expect(decoded.type.contains("deepspeed"), "\(name)")
      #expect(decoded.totalSteps == peer.count, "\(name)")
      let ours = try decoded.curve(steps: peer.count).lr
      let (ratio, at) = worstError(ours, peer, relative: 1e-9, absoluteOfPeak: 1e-12)
      #expect(ratio <= 1, "\(name): off at update \(at)")
    }
  }

  @Test("what the Trainer refuses in a DeepSpeed config is refused, naming the field")
  func trainerMismatches() {
    let base = #"{"learning_rate": 0.001, "num_samples": 40, "per_device_train_batch_size": 4, "num_train_epochs": 2, "warmup_steps": 4, "deepspeed": "#
    let cases: [(String, String)] = [
      (#"{"scheduler": {"type": "WarmupCosineLR", "params": {"warmup_num_steps": 4, "total_num_steps": 21}}}"#,
       "deepspeed.scheduler.params.total_num_steps"),
      (#"{"scheduler": {"type": "WarmupDecayLR", "params": {"warmup_max_lr": 0.002, "total_num_steps": "auto"}}}"#,
       "deepspeed.scheduler.params.warmup_max_lr"),
      (#"{"scheduler": {"type": "WarmupLR", "params": {"warmup_num_steps": 5}}}"#,
       "deepspeed.scheduler.params.warmup_num_steps"),
      (#"{"optimizer": {"params": {"lr": 0.01}}, "scheduler": {"type": "WarmupLR", "params": {}}}"#,
       "deepspeed.optimizer.params.lr"),
      (#"{"scheduler": {"type": "WarmupLR", "params": {"warmup_type": "auto"}}}"#,
       "deepspeed.scheduler.params.warmup_type"),
      (#"{"scheduler": {"type": "WarmupLR", "params": {"warmup_num_steps": "auto", "warmup_steps": 3}}}"#,
       "deepspeed.scheduler.params.warmup_steps"),
      (#""ds_config.json""#, "deepspeed"),
    ]
    for (deepspeed, field) in cases {
      let error = decodingError(base + deepspeed + "}")
      #expect(error != "accepted" && error.contains("'\(field)'"), "\(deepspeed): \(error)")
    }
    // An optimizer section without an lr: DeepSpeed's optimizer starts from its default, so one
    // LRKit does not know the default of is refused.
    let lion = base + #"{"optimizer": {"type": "SGD", "params": {}}, "scheduler": {"type": "WarmupLR", "params": {}}}}"#
    #expect(decodingError(lion).contains("'deepspeed.optimizer.params.lr'"))
    // Without a scheduler section the Trainer's own lr_scheduler_type runs.
    let own = base + #"{"optimizer": {"type": "AdamW", "params": {"lr": "auto"}}}, "lr_scheduler_type": "cosine"}"#
    #expect((try? ScheduleSpec.decode(text: own))?.type == "transformers.Trainer(cosine)")
  }

  @Test("a Hydra node instantiating a DeepSpeed scheduler takes the optimizer's lr")
  func hydra() throws {
    let hydra = #"{"optimizer": {"_target_": "torch.optim.AdamW", "lr": 0.003}, "scheduler": {"_target_": "deepspeed.runtime.lr_schedules.WarmupCosineLR", "total_num_steps": 50, "warmup_num_steps": 5}}"#
    let direct = #"{"type": "\#(Self.prefix)WarmupCosineLR", "lr": 0.003, "total_num_steps": 50, "warmup_num_steps": 5}"#
    #expect(try Self.curve(hydra, steps: 60) == (try Self.curve(direct, steps: 60)))
  }
}
