import Foundation
import LRSchedules
import LRSchedulesYAML
import LRSupport
import Testing

/// Regression tests for defects found by feeding LRKit specs nobody here wrote (issue 10).
/// Each names the defect it pins down.
@Suite("Defects found on outside input")
struct InputDefectTests {
  func curve(_ spec: String, _ n: Int) throws -> Curve {
    let d = try ScheduleSpec.decode(text: spec)
    // Plateau specs: a metric that never improves, so the cuts happen.
    return try d.curve(steps: n, metrics: d.needsMetrics ? [Double](repeating: 1, count: n) : nil)
  }

  func lr(_ spec: String, _ n: Int) throws -> [Double] { try curve(spec, n).lr }

  @Test("noam's scale applies once: 1.398e-3 at step 4000 with scale 2")
  func noamScaleOnce() throws {
    let plain = try lr(#"{"type":"noam","d_model":512,"warmup":4000}"#, 4001)
    let scaled = try lr(#"{"type":"noam","d_model":512,"warmup":4000,"scale":2}"#, 4001)
    #expect(abs(scaled[4000] - 1.3975424859373686e-3) < 1e-15)
    for k in [0, 1, 2000, 4000] { #expect(scaled[k] == 2 * plain[k]) }
  }

  @Test("every native family × scale: exactly the unscaled curve times the factor")
  func scaleEverywhere() throws {
    // (plateau: PyTorch skips a cut smaller than the absolute eps, so scaling the base changes
    // which cuts happen near eps; its scale is tested below.)
    for (type, body) in Self.familySpecs where type != "plateau" {
      let plain = try lr(body, 60)
      let scaled = try lr(Self.adding(body, #""scale": 3"#), 60)
      for k in plain.indices {
        #expect(abs(scaled[k] - 3 * plain[k]) <= 1e-15 * max(1, abs(plain[k])), "\(type) step \(k)")
      }
    }
  }

  @Test("every native family × clamp: the curve clipped to the bounds")
  func clampEverywhere() throws {
    for (type, body) in Self.familySpecs where type != "plateau" {
      let plain = try lr(body, 60)
      let finite = plain.filter(\.isFinite)
      guard let lo = finite.min(), let hi = finite.max(), hi > lo else { continue }
      let a = lo + (hi - lo) * 0.25
      let b = lo + (hi - lo) * 0.75
      let clamped = try lr(Self.adding(body, #""clamp": [\#(a), \#(b)]"#), 60)
      for k in plain.indices {
        #expect(clamped[k] == min(max(plain[k], a), b), "\(type) step \(k)")
      }
    }
  }

  @Test("every native family × precision float32: the curve in Float, within float32 rounding")
  func float32Everywhere() throws {
    for (type, body) in Self.familySpecs where type != "plateau" {
      let plain = try lr(body, 60)
      let single = try lr(Self.adding(body, #""precision": "float32""#), 60)
      let peak = plain.map(abs).max() ?? 0
      var differs = false
      for k in plain.indices {
        // float32 rounding, and cancellation near zero (1 + cos at the bottom of a cosine).
        #expect(abs(single[k] - plain[k]) <= 4e-6 * max(abs(plain[k]), 0.1 * peak), "\(type) step \(k)")
        if single[k] != plain[k] { differs = true }
        #expect(Double(Float(single[k])) == single[k], "\(type) step \(k) is not a float32 value")
      }
      _ = differs
    }
  }

  @Test("every native family × warmup 10 (prefix): a ramp from 0, then the family shifted by 10")
  func warmupEverywhere() throws {
    for (type, body) in Self.familySpecs where !["noam", "inverse_sqrt", "wsd", "plateau"].contains(type) {
      let warmed = try lr(Self.adding(body, #""warmup": 10"#), 60)
      // The family over the span left after the warmup (steps − 10 where it has steps).
      let shifted = try lr(Self.shrinkingSteps(body, by: 10), 50)
      for k in 0..<10 {
        #expect(abs(warmed[k] - shifted[0] * Double(k) / 10) <= 1e-15 * max(1, shifted[0]), "\(type) ramp \(k)")
      }
      for k in 10..<60 { #expect(warmed[k] == shifted[k - 10], "\(type) step \(k)") }
    }
  }

  static func shrinkingSteps(_ body: String, by w: Int) -> String {
    guard !body.contains("schedules"), let range = body.range(of: #""steps": 60"#) else { return body }
    return body.replacingCharacters(in: range, with: #""steps": \#(60 - w)"#)
  }

  @Test("wsd's start is honoured with a numeric warmup, a warmup object, or at the top level")
  func wsdStart() throws {
    let top = try lr(#"{"type":"wsd","lr":1,"steps":100,"warmup":10,"decay":20,"start":0.5}"#, 12)
    #expect(top[0] == 0.5)
    #expect(abs(top[5] - 0.75) < 1e-15)
    #expect(top[10] == 1)
    let object = try lr(#"{"type":"wsd","lr":1,"steps":100,"warmup":{"steps":10,"start":0.5},"decay":20}"#, 12)
    #expect(object == top)
    let shaped = try lr(#"{"type":"wsd","lr":1,"steps":100,"warmup":{"steps":10,"shape":"cosine"},"decay":20}"#, 12)
    #expect(abs(shaped[5] - 0.5) < 1e-15)
    #expect(shaped[2] < 0.2)
    #expect(throws: ScheduleError.self) {
      try ScheduleSpec.decode(text: #"{"type":"wsd","lr":1,"steps":100,"warmup":{"steps":10,"start":0.1},"decay":20,"start":0.2}"#)
    }
  }

  @Test("a warmup object's start, shape and placement are refused where the formula has its own warmup")
  func warmupObjectRefusals() throws {
    for spec in [
      #"{"type":"noam","d_model":512,"warmup":{"steps":10,"start":0.1}}"#,
      #"{"type":"noam","d_model":512,"warmup":{"steps":10,"shape":"cosine"}}"#,
      #"{"type":"inverse_sqrt","lr":1,"warmup":{"steps":10,"placement":"overlap"}}"#,
      #"{"type":"wsd","lr":1,"steps":100,"warmup":{"steps":10,"placement":"overlap"},"decay":20}"#,
    ] {
      do {
        _ = try ScheduleSpec.decode(text: spec)
        Issue.record("accepted: \(spec)")
      } catch {
        #expect(error.field?.hasPrefix("warmup.") == true, "\(error)")
      }
    }
    // Only steps: accepted and equal to the numeric form.
    #expect(try lr(#"{"type":"noam","d_model":512,"warmup":{"steps":10}}"#, 30)
      == lr(#"{"type":"noam","d_model":512,"warmup":10}"#, 30))
  }

  @Test("sequence and product take scale, clamp, precision and warmup")
  func compositeDecorations() throws {
    let seq = #"{"type":"sequence","schedules":[{"type":"constant","lr":1},{"type":"constant","lr":2}],"milestones":[3]"#
    #expect(try lr(seq + #","scale":3}"#, 5) == [3, 3, 3, 6, 6])
    #expect(try lr(seq + #","clamp":[0,1.5]}"#, 5) == [1, 1, 1, 1.5, 1.5])
    #expect(try lr(seq + #","warmup":2}"#, 6) == [0, 0.5, 1, 1, 1, 2])
    let single = try lr(#"{"type":"sequence","precision":"float32","schedules":[{"type":"constant","lr":0.1},{"type":"cosine","lr":0.1,"steps":10}],"milestones":[2]}"#, 8)
    #expect(single[0] == Double(Float(0.1)))
    let product = #"{"type":"product","schedules":[{"type":"constant","lr":2},{"type":"constant","lr":0.5,"warmup":2}]"#
    #expect(try lr(product + #","scale":2}"#, 3) == [0, 1, 2])
    #expect(try lr(product + #","warmup":1}"#, 3) == [0, 0, 0.5])
  }

  @Test("one length rule: fractions of steps round to the nearest step, halves up, on every length key")
  func fractionsEverywhere() throws {
    // cyclic up 0.25 of 100 steps = 25 (was a flat 0).
    let cyclic = try lr(#"{"type":"cyclic","lr":0,"max_lr":1,"steps":100,"up":0.25}"#, 51)
    #expect(cyclic[25] == 1)
    #expect(cyclic[50] == 0)
    // step_size, period, milestones, decay take fractions too.
    #expect(try lr(#"{"type":"step","lr":1,"steps":100,"step_size":0.5}"#, 51)[50] == 0.1)
    #expect(try lr(#"{"type":"restarts","lr":1,"steps":100,"period":0.2}"#, 21)[20] == 1)
    #expect(try lr(#"{"type":"multistep","lr":1,"steps":100,"milestones":[0.3,0.6]}"#, 61)[30] == 0.1)
    #expect(try lr(#"{"type":"exponential","lr":1,"rate":0.5,"steps":100,"period":0.1}"#, 11)[10] == 0.5)
    // Rounding: 0.125 of 10 is 1.25 → 1; 0.15 of 10 is 1.5 → 2 (halves up).
    #expect(try ScheduleSpec.decode(text: #"{"type":"constant","lr":1,"steps":10,"warmup":0.125}"#).warmupSteps == 1)
    #expect(try ScheduleSpec.decode(text: #"{"type":"constant","lr":1,"steps":10,"warmup":0.15}"#).warmupSteps == 2)
    // A fraction that rounds below a length's minimum, a non-integer ≥ 1 and a missing steps are refused.
    for (spec, field) in [
      (#"{"type":"step","lr":1,"steps":10,"step_size":0.01}"#, "step_size"),
      (#"{"type":"step","lr":1,"step_size":2.5}"#, "step_size"),
      (#"{"type":"step","lr":1,"step_size":0.5}"#, "step_size"),
      (#"{"type":"cyclic","lr":0,"max_lr":1,"up":-3}"#, "up"),
    ] {
      do {
        _ = try ScheduleSpec.decode(text: spec)
        Issue.record("accepted: \(spec)")
      } catch {
        #expect(error.field == field, "\(error)")
      }
    }
  }

  @Test("a sequence with a one-cycle child drives momentum only where that child runs")
  func sequenceMomentum() throws {
    let c = try curve(#"{"type":"sequence","schedules":[{"type":"constant","lr":1},{"type":"onecycle","lr":1,"steps":10}],"milestones":[3]}"#, 6)
    let m = try #require(c.momentum)
    #expect(m[0] == nil && m[1] == nil && m[2] == nil)
    #expect(m[3] == 0.95)
    #expect(m.allSatisfy { $0.map { !$0.isNaN } ?? true })
  }

  @Test("OneCycleLR in SequentialLR: the optimizer's initial_lr rewritten as PyTorch does")
  func torchSequentialOneCycle() throws {
    // Values computed by torch 2.15 (Scripts/fuzz-peers.py reproduces them).
    let c = try curve(#"{"type":"torch.optim.lr_scheduler.SequentialLR","lr":0.1,"schedulers":[{"type":"torch.optim.lr_scheduler.LinearLR","start_factor":0.1,"total_iters":5},{"type":"torch.optim.lr_scheduler.OneCycleLR","max_lr":1.0,"total_steps":20}],"milestones":[5]}"#, 8)
    let torch = [0.004, 0.0112, 0.0184, 0.025599999999999998, 0.032799999999999996, 0.040000000000000036,
                 0.1316718427000253, 0.3716718427000253]
    for (a, b) in zip(c.lr, torch) { #expect(abs(a - b) <= 1e-15) }
    #expect(c.lr.count == torch.count)
    let m = try #require(c.momentum)
    #expect(m[0] == 0.95 && m[5] == 0.95)
    #expect(abs(m[6]! - 0.9404508497187474) < 1e-15)
    #expect(throws: ScheduleError.self) {
      _ = try ScheduleSpec.decode(text: #"{"type":"torch.optim.lr_scheduler.SequentialLR","lr":0.1,"schedulers":[{"type":"torch.optim.lr_scheduler.LinearLR","start_factor":0.1,"total_iters":5},{"type":"torch.optim.lr_scheduler.OneCycleLR","max_lr":1.0,"total_steps":20}],"milestones":[5]}"#).curve(steps: 27)
    }
  }

  @Test("Keras float32 uses float32(math.pi), not Float.pi")
  func kerasPi() throws {
    // CosineDecayRestarts defaults (keras 3.15.1, jax backend): step 699 was 1.9e-3 relative
    // off with Float.pi, a difference below the parity fixtures' tolerance near zero.
    let v = try lr(#"{"type":"keras.optimizers.schedules.CosineDecayRestarts","initial_learning_rate":1.0,"first_decay_steps":100}"#, 700)
    #expect(abs(v[699] - 1.5407800674438477e-05) <= 1e-5 * 1.5407800674438477e-05)
    #expect(abs(v[250] - 0.1464466154575348) <= 1e-6 * 0.1464466154575348)
  }

  @Test("timm: constructor arguments of real scripts are accepted; noise and callables are refused")
  func timmArguments() throws {
    let base = try lr(#"{"type":"timm.scheduler.CosineLRScheduler","lr":0.1,"t_initial":100,"warmup_t":5}"#, 50)
    for extra in [#""t_in_epochs":false"#, #""t_in_epochs":true"#, #""noise_range_t":null"#,
                  #""noise_pct":0.5,"noise_std":2,"noise_seed":7"#, #""initialize":true"#] {
      #expect(try lr(#"{"type":"timm.scheduler.CosineLRScheduler","lr":0.1,"t_initial":100,"warmup_t":5,\#(extra)}"#, 50) == base, "\(extra)")
    }
    do {
      _ = try ScheduleSpec.decode(text: #"{"type":"timm.scheduler.CosineLRScheduler","lr":0.1,"t_initial":100,"noise_range_t":[10,20]}"#)
      Issue.record("noise accepted")
    } catch {
      #expect(error.field == "noise_range_t")
    }
  }

  @Test("torch: last_epoch resumes a leaf at epoch last_epoch + 1; verbose is ignored; callables refused")
  func torchArguments() throws {
    let fresh = try lr(#"{"type":"torch.optim.lr_scheduler.StepLR","lr":0.1,"step_size":3,"gamma":0.5}"#, 20)
    let resumed = try lr(#"{"type":"torch.optim.lr_scheduler.StepLR","lr":0.1,"step_size":3,"gamma":0.5,"last_epoch":4}"#, 10)
    for k in 0..<10 { #expect(abs(resumed[k] - fresh[k + 5]) <= 1e-15) }
    #expect(try lr(#"{"type":"torch.optim.lr_scheduler.StepLR","lr":0.1,"step_size":3,"verbose":true}"#, 10)
      == lr(#"{"type":"torch.optim.lr_scheduler.StepLR","lr":0.1,"step_size":3}"#, 10))
    for spec in [#"{"type":"torch.optim.lr_scheduler.LambdaLR","lr":0.1,"lr_lambda":"lambda e: 0.9 ** e"}"#,
                 #"{"type":"torch.optim.lr_scheduler.CyclicLR","base_lr":0.1,"max_lr":1,"scale_fn":"f"}"#] {
      #expect(throws: ScheduleError.self) { try ScheduleSpec.decode(text: spec) }
    }
    #expect(try lr(#"{"type":"torch.optim.lr_scheduler.CyclicLR","base_lr":0.1,"max_lr":1,"step_size_up":4,"scale_mode":"iterations","scale_fn":null}"#, 12)
      == lr(#"{"type":"torch.optim.lr_scheduler.CyclicLR","base_lr":0.1,"max_lr":1,"step_size_up":4}"#, 12))
  }

  @Test("transformers: float num_warmup_steps, last_epoch and get_adafactor_schedule")
  func transformersArguments() throws {
    let v = try lr(#"{"type":"transformers.get_linear_schedule_with_warmup","lr":1,"num_warmup_steps":2.5,"num_training_steps":10}"#, 5)
    #expect(v == [0, 0.4, 0.8, 7.0 / 7.5, 6.0 / 7.5])
    let viaGet = try lr(#"{"type":"transformers.get_scheduler","name":"linear","lr":1,"num_warmup_steps":2.5,"num_training_steps":10}"#, 5)
    #expect(viaGet == v)
    let fresh = try lr(#"{"type":"transformers.get_cosine_schedule_with_warmup","lr":1,"num_warmup_steps":5,"num_training_steps":50}"#, 50)
    let resumed = try lr(#"{"type":"transformers.get_cosine_schedule_with_warmup","lr":1,"num_warmup_steps":5,"num_training_steps":50,"last_epoch":9}"#, 40)
    #expect(Array(fresh[10..<50]) == resumed)
    let ada = try lr(#"{"type":"transformers.get_adafactor_schedule","initial_lr":0.0,"scale_parameter":false}"#, 5)
    #expect(ada == [0, 0.01, 0.01, 0.01, 0.01])
    let warm = try lr(#"{"type":"transformers.get_adafactor_schedule","scale_parameter":false,"warmup_init":true}"#, 4)
    #expect(abs(warm[1] - 1e-6) < 1e-18 && abs(warm[3] - 3e-6) < 1e-18)
    #expect(throws: ScheduleError.self) {
      try ScheduleSpec.decode(text: #"{"type":"transformers.get_adafactor_schedule"}"#)
    }
  }

  @Test("optax: float32 by default (JAX without x64), float64 on request")
  func optaxPrecision() throws {
    let spec = #"{"type":"optax.cosine_decay_schedule","init_value":0.1,"decay_steps":100"#
    let single = try lr(spec + "}", 50)
    let double = try lr(spec + #","precision":"float64"}"#, 50)
    #expect(single.allSatisfy { Double(Float($0)) == $0 })
    #expect(single[0] == Double(Float(0.1)) && double[0] == 0.1)
    #expect(zip(single, double).allSatisfy { abs($0 - $1) <= 1e-6 * max($1, 1e-3) })
    #expect(single != double)
  }

  @Test("plateau × scale scales the base before the cuts")
  func plateauScale() throws {
    let plain = try lr(#"{"type":"plateau","lr":0.1,"patience":2,"min_lr":0.001}"#, 30)
    let scaled = try lr(#"{"type":"plateau","lr":0.1,"patience":2,"min_lr":0.001,"scale":2}"#, 30)
    #expect(scaled[0] == 0.2 && plain[0] == 0.1)
    #expect(abs(scaled[4] - 0.02) < 1e-15 && abs(plain[4] - 0.01) < 1e-15)
    #expect(abs(scaled[29] - 0.001) < 1e-15 && abs(plain[29] - 0.001) < 1e-15)
  }

  @Test("a near miss of a decoration key is still refused with a suggestion")
  func nearMissDecoration() throws {
    do {
      _ = try ScheduleSpec.decode(text: #"{"type":"cosine","lr":1,"steps":10,"scael":2}"#)
      Issue.record("accepted")
    } catch {
      #expect(error.description.contains("did you mean 'scale'"), "\(error)")
    }
  }

  /// One spec per native family over 60 steps (no decoration keys).
  static let familySpecs: [(String, String)] = [
    ("constant", #"{"type": "constant", "lr": 0.1}"#),
    ("step", #"{"type": "step", "lr": 0.1, "step_size": 7, "gamma": 0.5}"#),
    ("multistep", #"{"type": "multistep", "lr": 0.1, "milestones": [10, 25], "gamma": 0.3}"#),
    ("exponential", #"{"type": "exponential", "lr": 0.1, "rate": 0.9, "period": 3}"#),
    ("inverse_time", #"{"type": "inverse_time", "lr": 0.1, "rate": 0.5, "period": 4}"#),
    ("inverse_sqrt", #"{"type": "inverse_sqrt", "lr": 0.1, "warmup": 8}"#),
    ("noam", #"{"type": "noam", "d_model": 64, "warmup": 8}"#),
    ("polynomial", #"{"type": "polynomial", "lr": 0.1, "steps": 60, "power": 2, "end": 0.01}"#),
    ("linear", #"{"type": "linear", "lr": 0.1, "steps": 60, "end": 0.01}"#),
    ("cosine", #"{"type": "cosine", "lr": 0.1, "steps": 60, "floor_ratio": 0.1}"#),
    ("restarts", #"{"type": "restarts", "lr": 0.1, "period": 10, "multiplier": 2, "decay": 0.5}"#),
    ("onecycle", #"{"type": "onecycle", "lr": 0.1, "steps": 60}"#),
    ("cyclic", #"{"type": "cyclic", "lr": 0.01, "max_lr": 0.1, "up": 7, "down": 5}"#),
    ("wsd", #"{"type": "wsd", "lr": 0.1, "steps": 60, "warmup": 6, "decay": 12}"#),
    ("tanh", #"{"type": "tanh", "lr": 0.1, "steps": 60, "floor": 0.001}"#),
    ("sequence", #"{"type": "sequence", "schedules": [{"type": "constant", "lr": 0.1}, {"type": "cosine", "lr": 0.1, "steps": 30}], "milestones": [20]}"#),
    ("product", #"{"type": "product", "schedules": [{"type": "constant", "lr": 0.2}, {"type": "linear", "lr": 1, "steps": 60, "end": 0.5}]}"#),
    ("plateau", #"{"type": "plateau", "lr": 0.1, "patience": 2}"#),
  ]

  /// `body` with one more key.
  static func adding(_ body: String, _ key: String) -> String {
    String(body.dropLast()) + ", " + key + "}"
  }

  @Test("the family list covers every native type")
  func familiesCovered() {
    let native = Set(ScheduleSpec.knownTypes.filter { !$0.contains(".") })
    #expect(Set(Self.familySpecs.map(\.0)) == native)
  }
}

/// The example of the DocC article "Writing your own schedule", as written there.
struct Halving: LearningRateSchedule {
  var lr: Double
  var period: Int
  var floor: Double

  func value(at step: Int) -> Double {
    max(floor, lr / Double(1 << min(step / period, 62)))
  }
}

@Suite("Documentation examples")
struct DocumentationExampleTests {
  @Test("a schedule of one's own composes with Warmup as the article says")
  func ownSchedule() {
    let schedule = Warmup(Halving(lr: 1e-3, period: 1000, floor: 1e-5), steps: 200)
    #expect(schedule.value(at: 1200) == 5e-4)
    #expect(schedule.value(at: 0) == 0)
    #expect(schedule.value(at: 1_000_000) == 1e-5)
  }
}

@Suite("One API: the defining rate is lr, composition reads in order, a function bridge")
struct APIConsistencyTests {
  @Test("fluent composition builds the same values as the combinators")
  func fluent() {
    let cosine = CosineAnnealing<Double>(lr: 3e-4, floor: 3e-5, steps: 9500)
    let fluent = cosine.warmup(500).scaled(by: 2).clamped(to: 1e-5...5e-4)
    let explicit = Clamped(Scaled(Warmup(cosine, steps: 500), by: 2), lower: 1e-5, upper: 5e-4)
    for k in stride(from: 0, to: 11_000, by: 37) { #expect(fluent.value(at: k) == explicit.value(at: k)) }
    let joined = Constant<Double>(lr: 0.1).then(StepDecay(lr: 0.05, stepSize: 10, gamma: 0.5), at: 100)
    #expect(joined.value(at: 99) == 0.1)
    #expect(joined.value(at: 100) == 0.05)
    #expect(joined.value(at: 110) == 0.025)
  }

  @Test("the (Int) -> Scalar and (Int) -> Float bridges evaluate the schedule")
  func bridge() {
    let s = OneCycle<Double>(lr: 0.1, steps: 100)
    let f = s.function
    let g: @Sendable (Int) -> Float = s.floatFunction
    for k in 0..<100 {
      #expect(f(k) == s.value(at: k))
      #expect(g(k) == Float(s.value(at: k)))
    }
  }

  @Test("one name for the defining rate: lr (and maxLR for the top of a cyclic wave)")
  func names() {
    #expect(OneCycle<Double>(lr: 0.1, steps: 10).lr == 0.1)
    #expect(WarmupStableDecay<Double>(lr: 0.2, warmup: 1, stable: 1, decay: 1).lr == 0.2)
    let c = Cyclic<Double>(lr: 0.01, maxLR: 0.1, up: 2)
    #expect(c.lr == 0.01 && c.maxLR == 0.1)
    #expect(c.value(at: 2) == 0.1)
  }
}

@Suite("YAML specs in the library (LRSchedulesYAML)")
struct YAMLSpecTests {
  @Test("a YAML spec decodes to the same schedule as its JSON")
  func same() throws {
    let yaml = try ScheduleSpec.decode(yaml: """
      type: cosine
      lr: 3.0e-4
      steps: 1000
      warmup: {steps: 50, shape: cosine}
      floor_ratio: 0.1
      """)
    let json = try ScheduleSpec.decode(text: #"{"type": "cosine", "lr": 3e-4, "steps": 1000, "warmup": {"steps": 50, "shape": "cosine"}, "floor_ratio": 0.1}"#)
    for k in 0..<1000 { #expect(yaml.lr.value(at: k) == json.lr.value(at: k)) }
  }

  @Test("YAML errors are typed errors that say what is wrong")
  func errors() {
    #expect(throws: ScheduleError.self) { try ScheduleSpec.decode(yaml: "type: cosine\ntype: step\n") }
    #expect(throws: ScheduleError.self) { try ScheduleSpec.decode(yaml: "type: cosine\nlr: [\n") }
    #expect(throws: ScheduleError.self) { try ScheduleSpec.decode(yaml: "type: cosine\nlr: 0.1\nsteps: 10\ngamma: 2\n") }
  }

  @Test("an alias stands for its anchored value")
  func alias() throws {
    let yaml = try ScheduleSpec.decode(yaml: """
      type: sequence
      schedules: [&flat {type: constant, lr: 0.1}, {type: linear, lr: 0.1, end: 0.01, steps: 5}, *flat]
      milestones: [3, 8]
      """)
    let json = try ScheduleSpec.decode(text: #"{"type": "sequence", "schedules": [{"type": "constant", "lr": 0.1}, {"type": "linear", "lr": 0.1, "end": 0.01, "steps": 5}, {"type": "constant", "lr": 0.1}], "milestones": [3, 8]}"#)
    for k in 0..<12 { #expect(yaml.lr.value(at: k) == json.lr.value(at: k)) }
  }

  @Test("aliases of aliases (a billion laughs) are refused after a million values, not expanded")
  func billionLaughs() {
    var text = "a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1]\n"
    for (name, previous) in zip("bcdefgh", "abcdefg") {
      text += "\(name): &\(name) [" + Array(repeating: "*\(previous)", count: 9).joined(separator: ", ") + "]\n"
    }
    text += "type: cosine\nlr: 0.1\nsteps: 10\n"  // 9^8 = 43 million values once expanded
    do {
      _ = try ScheduleSpec.decode(yaml: text)
      Issue.record("accepted")
    } catch {
      #expect(error.description.contains("expands to more than 1000000 values"), "\(error)")
    }
  }

  @Test("a YAML error quotes at most 300 characters of the line at fault")
  func longLine() {
    let text = "type: cosine\nlr: 0.1\nx: " + String(repeating: "[", count: 100_000) + "\n"
    do {
      _ = try ScheduleSpec.decode(yaml: text)
      Issue.record("accepted")
    } catch {
      #expect(error.description.count < 500, "\(error.description.count) characters")
      #expect(error.description.contains("more characters"))
    }
  }
}

@Suite("Tabulated schedules")
struct TabulatedTests {
  @Test("a table holds the formula's values bit for bit, and the formula serves outside it")
  func bitIdentical() throws {
    for text in [#"{"type": "timm.scheduler.CosineLRScheduler", "lr": 0.1, "t_initial": 200, "cycle_mul": 2, "cycle_limit": 3, "warmup_t": 10, "warmup_prefix": true}"#,
                 #"{"type": "cosine", "lr": 3e-4, "steps": 1000, "warmup": 50, "precision": "float32"}"#] {
      let lr = try ScheduleSpec.decode(text: text).lr
      let table = lr.tabulated(steps: 700)
      for k in -2..<1500 { #expect(table.value(at: k).bitPattern == lr.value(at: k).bitPattern, "\(k)") }
    }
  }
}
