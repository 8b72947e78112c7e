import LRSchedules
import Testing

/// `timm.scheduler.create_scheduler_v2`: each factory argument does what the factory does with
/// it (the values themselves are checked against timm in the parity fixtures).
@Suite("timm's scheduler factory")
struct TimmFactoryTests {
  static let type = #""type":"timm.scheduler.create_scheduler_v2","lr":0.1"#

  /// The factory spec with `body`'s fields.
  func text(_ body: String) -> String { "{\(Self.type)\(body.isEmpty ? "" : ",")\(body)}" }

  func decode(_ body: String) throws -> DecodedSchedule { try ScheduleSpec.decode(text: text(body)) }

  func lr(_ body: String, _ n: Int) throws -> [Double] { try decode(body).curve(steps: n).lr }

  func error(_ body: String) -> String { decodingError(text(body)) }

  @Test("step_on_epochs false: every length times updates_per_epoch, the step counts updates")
  func perUpdate() throws {
    let epochs = try lr(#""num_epochs":10,"warmup_epochs":2,"warmup_prefix":true"#, 12)
    let updates = try lr(#""num_epochs":10,"warmup_epochs":2,"warmup_prefix":true,"step_on_epochs":false,"updates_per_epoch":3"#, 36)
    // The same curve stretched (timm's arithmetic rounds the stretched warmup differently in the
    // last bit, as the fixtures record).
    for k in 0..<12 { #expect(abs(updates[3 * k] - epochs[k]) <= 1e-16, "epoch \(k)") }
    #expect(updates[1] != epochs[1])
    // Per epoch, updates_per_epoch changes nothing.
    #expect(try lr(#""num_epochs":10,"updates_per_epoch":7"#, 12) == lr(#""num_epochs":10"#, 12))
  }

  @Test("the length is the factory's num_epochs: cycles, warmup prefix and cooldown")
  func length() throws {
    #expect(try decode(#""num_epochs":10"#).totalSteps == 10)
    #expect(try decode(#""num_epochs":10,"warmup_epochs":2,"warmup_prefix":true,"cooldown_epochs":3"#).totalSteps == 15)
    #expect(try decode(#""num_epochs":10,"cycle_limit":3,"cycle_mul":2"#).totalSteps == 70)
    #expect(try decode(#""num_epochs":10,"cooldown_epochs":3,"step_on_epochs":false,"updates_per_epoch":4"#).totalSteps == 52)
    #expect(try decode(#""sched":"step","num_epochs":10,"warmup_epochs":2,"warmup_prefix":true"#).totalSteps == 12)
    #expect(try decode(#""sched":"none","num_epochs":10"#).totalSteps == 10)
  }

  @Test("the factory's defaults, not the classes': cycle_decay 0.1, decay_epochs 90, warmup_lr 1e-5")
  func defaults() throws {
    let cycles = try lr(#""num_epochs":10,"cycle_limit":2"#, 20)
    #expect(abs(cycles[10] - 0.01) < 1e-15)
    let decayed = try lr(#""num_epochs":10,"cycle_limit":2,"cycle_decay":0.5"#, 20)
    #expect(abs(decayed[10] - 0.05) < 1e-15)
    let step = try lr(#""sched":"step","num_epochs":200"#, 181)
    #expect(step[89] == 0.1 && abs(step[90] - 0.01) < 1e-15 && abs(step[180] - 0.001) < 1e-15)
    let every10 = try lr(#""sched":"step","num_epochs":200,"decay_epochs":10,"decay_rate":0.5"#, 21)
    #expect(every10[9] == 0.1 && every10[10] == 0.05 && every10[20] == 0.025)
    let warm = try lr(#""num_epochs":10,"warmup_epochs":2"#, 1)
    #expect(warm[0] == 1e-5)
    #expect(try lr(#""num_epochs":10,"warmup_epochs":2,"warmup_lr":0"#, 1)[0] == 0)
    let multi = try lr(#""sched":"multistep","num_epochs":300"#, 271)
    // (timm's multistep decays at m − 1.)
    #expect(multi[88] == 0.1 && abs(multi[89] - 0.01) < 1e-15 && abs(multi[269] - 1e-4) < 1e-15)
    #expect(try lr(#""sched":"multistep","decay_milestones":[5],"num_epochs":10"#, 6)[5] < 0.1)
  }

  @Test("each sched builds its class; none keeps the optimizer's lr; plateau follows the metrics, per epoch only")
  func scheds() throws {
    var curves: [String: [Double]] = [:]
    for sched in ["cosine", "tanh", "poly", "step", "constant", "multistep", "wsd", "none"] {
      curves[sched] = try lr(#""sched":"\#(sched)","num_epochs":20,"decay_epochs":5,"decay_milestones":[4]"#, 20)
    }
    #expect(Set(curves.values.map { $0 }).count == 7)  // constant and none agree without warmup
    #expect(curves["constant"] == curves["none"])
    #expect(try lr(#""sched":"constant","num_epochs":20,"warmup_epochs":3"#, 4)[0] == 1e-5)
    #expect(try lr(#""sched":"none","num_epochs":20,"warmup_epochs":3"#, 4) == [0.1, 0.1, 0.1, 0.1])
    #expect(try lr(#""sched":"rsqrt","num_epochs":20,"warmup_epochs":2"#, 20)[10] < 0.1)
    let plateau = try decode(#""sched":"plateau","num_epochs":12,"patience_epochs":1,"decay_rate":0.5,"warmup_epochs":0"#)
    #expect(plateau.needsMetrics)
    // mode "max" (the factory's default): a metric that never rises is a plateau.
    let cut = try plateau.curve(steps: 6, metrics: [Double](repeating: 1, count: 5)).lr
    #expect(cut == [0.1, 0.1, 0.1, 0.05, 0.05, 0.025], "\(cut)")
    #expect(error(#""sched":"plateau","step_on_epochs":false,"updates_per_epoch":3"#).contains("'step_on_epochs'"))
    #expect(error(#""sched":"cosin""#).contains("did you mean 'cosine'"))
  }

  @Test("wsd: a decay_epochs below 1 is a fraction of the stable and decay phases, rounded half to even")
  func wsdFraction() throws {
    // 12 epochs, 2 of warmup inside them: 10 left; 0.25 of 10 = 2.5 rounds to 2.
    let d = try lr(#""sched":"wsd","num_epochs":12,"warmup_epochs":2,"decay_epochs":0.25"#, 12)
    #expect(d[10] == 0.1 && d[11] < 0.1)  // decaying over 3 epochs would lower epoch 10
    let prefix = try lr(#""sched":"wsd","num_epochs":12,"warmup_epochs":2,"warmup_prefix":true,"decay_epochs":0.25"#, 14)
    #expect(prefix[11] == 0.1 && prefix[12] < 0.1)  // 0.25 of 12 = 3
  }

  @Test("errors and warnings name the factory's fields, not the class's")
  func fieldNames() {
    #expect(error(#""warmup_lr":-1,"warmup_epochs":2"#).contains("'warmup_lr'"))
    #expect(error(#""warmup_epochs":-2"#).contains("'warmup_epochs'"))
    #expect(error(#""num_epochs":0"#).contains("'num_epochs'"))
    #expect(error(#""min_lr":-1"#).contains("'min_lr'"))
    #expect(error(#""step_on_epochs":false"#).contains("'updates_per_epoch'"))
    #expect(error(#""sched":"wsd","num_epochs":10,"decay_epochs":11"#).contains("'decay_epochs'"))
    #expect(error(#""noise":0.5"#).contains("'noise'"))
    #expect(error(#""t_initial":10"#).contains("unknown field 't_initial'"))
    let warnings = (try? decode(#""num_epochs":10,"warmup_epochs":2"#).warnings) ?? []
    #expect(warnings.count == 1 && warnings[0].contains("warmup_epochs") && !warnings[0].contains("warmup_t "), "\(warnings)")
  }

  // MARK: create_scheduler(args) and a bare args.yaml

  static let argsYAML = #"{"model": "resnet50", "amp": true, "sched": "cosine", "epochs": 20, "lr": null, "lr_base": 0.1, "lr_base_size": 256, "lr_base_scale": "", "opt": "lamb", "batch_size": 1024, "grad_accum_steps": 1, "warmup_epochs": 0, "seed": 42}"#

  func args(_ replacing: [String: String]) throws -> DecodedSchedule {
    var text = Self.argsYAML
    for (key, value) in replacing {
      let pattern = try Regex("\"\(key)\": [^,}]*")
      text = text.replacing(pattern, with: "\"\(key)\": \(value)")
    }
    return try ScheduleSpec.decode(text: text)
  }

  @Test("args.yaml: a null or 0 lr is lr_base scaled by the global batch (sqrt for ada*/lamb, else linear)")
  func argsLearningRate() throws {
    #expect(try args([:]).curve(steps: 1).lr == [0.2])  // 0.1 · √(1024/256)
    #expect(try args(["opt": #""sgd""#]).curve(steps: 1).lr == [0.4])  // 0.1 · 1024/256
    #expect(try args(["opt": #""adamw""#]).curve(steps: 1).lr == [0.2])
    #expect(try args(["lr_base_scale": #""linear""#]).curve(steps: 1).lr == [0.4])
    #expect(try args(["lr": "0"]).curve(steps: 1).lr == [0.2])
    #expect(try args(["lr": "0.03"]).curve(steps: 1).lr == [0.03])
    #expect(try args(["grad_accum_steps": "4"]).curve(steps: 1).lr == [0.4])  // √16
    #expect(try args(["lr_base_size": "4096"]).curve(steps: 1).lr == [0.05])
    let spec = #"{"type": "timm.scheduler.create_scheduler", "args": \#(Self.argsYAML), "world_size": 4}"#
    #expect(try ScheduleSpec.decode(text: spec).curve(steps: 1).lr == [0.4])  // √16
  }

  @Test("args.yaml: scheduler_kwargs' keys and defaults (epochs 100, warmup 5 epochs)")
  func argsKeys() throws {
    #expect(try args([:]).totalSteps == 20)
    #expect(try args(["epochs": "30"]).totalSteps == 30)
    let bare = try ScheduleSpec.decode(text: #"{"sched": "cosine", "lr_base": 0.1, "lr": 0.1}"#)
    #expect(bare.totalSteps == 100)
    #expect(try bare.curve(steps: 1).lr == [1e-5])  // warmup_epochs defaults to 5 here
    let perUpdate = try ScheduleSpec.decode(text: #"{"sched": "cosine", "lr_base": 0.1, "lr": 0.1, "warmup_epochs": 0, "epochs": 10, "sched_on_updates": true, "updates_per_epoch": 4}"#)
    #expect(perUpdate.totalSteps == 40)
  }

  @Test("args.yaml: errors name the args key")
  func argsErrors() {
    let error = decodingError
    #expect(error(#"{"sched": "cosine", "lr_base": 0.1, "lr_cycle_limit": -1}"#).contains("'lr_cycle_limit'"))
    #expect(error(#"{"sched": "cosine", "lr_base": 0.1, "epochs": "ten"}"#).contains("'epochs'"))
    #expect(error(#"{"sched": "cosine", "lr_base": 0.1, "sched_on_updates": true}"#).contains("'updates_per_epoch'"))
    #expect(error(#"{"sched": "cosine", "lr_base": 0.1, "lr_base_size": 0}"#).contains("'lr_base_size'"))
    #expect(error(#"{"type": "timm.scheduler.create_scheduler", "args": {"sched": "wsd", "epochs": "x"}}"#).contains("'args.epochs'"))
    #expect(error(#"{"type": "timm.scheduler.create_scheduler", "args": {"lr": 0.1}}"#).contains("'args.sched'"))
    #expect(error(#"{"type": "timm.scheduler.create_scheduler", "args": {"sched": "cosine"}, "update_per_epoch": 3}"#)
      .contains("did you mean 'updates_per_epoch'"))
  }
}
