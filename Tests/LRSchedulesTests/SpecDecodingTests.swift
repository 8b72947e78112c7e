import LRSupport
import LRSchedules
import Testing

@Suite("Spec decoding")
struct SpecDecodingTests {
  func decode(_ text: String) throws -> DecodedSchedule { try ScheduleSpec.decode(text: text) }

  func error(_ text: String) -> ScheduleError? {
    do {
      _ = try decode(text)
      return nil
    } catch let e as ScheduleError {
      return e
    } catch {
      return .malformedInput(detail: "\(error)")
    }
  }

  @Test("every native family has a spec that decodes")
  func nativeSpecs() throws {
    let specs = [
      #"{"type":"constant","lr":0.1}"#,
      #"{"type":"step","lr":0.1,"step_size":10}"#,
      #"{"type":"multistep","lr":0.1,"milestones":[10,20]}"#,
      #"{"type":"exponential","lr":0.1,"rate":0.9,"staircase":true,"period":10,"begin":5,"floor":0.01}"#,
      #"{"type":"inverse_time","lr":0.1,"rate":0.5}"#,
      #"{"type":"inverse_sqrt","lr":0.1,"warmup":100}"#,
      #"{"type":"noam","d_model":512,"warmup":4000}"#,
      #"{"type":"polynomial","lr":0.1,"steps":100,"power":2,"end":0.001,"cycle":true}"#,
      #"{"type":"linear","lr":0.1,"steps":100}"#,
      #"{"type":"cosine","lr":0.1,"steps":100,"half_waves":2,"exponent":1.5,"floor":0.001}"#,
      #"{"type":"restarts","lr":0.1,"period":10,"multiplier":1.5,"decay":0.5,"cycles":3}"#,
      #"{"type":"onecycle","lr":0.1,"steps":100,"three_phase":true,"anneal":"linear"}"#,
      #"{"type":"cyclic","lr":0.01,"max_lr":0.1,"up":10,"mode":"exp_range","gamma":0.99}"#,
      #"{"type":"wsd","lr":0.1,"steps":100,"warmup":0.1,"decay":0.2,"shape":"cosine"}"#,
      #"{"type":"tanh","lr":0.1,"steps":100}"#,
      #"{"type":"sequence","schedules":[{"type":"constant","lr":0.1},{"type":"cosine","lr":0.1,"steps":50}],"milestones":[10]}"#,
      #"{"type":"product","schedules":[{"type":"constant","lr":0.1},{"type":"step","lr":1,"step_size":5}]}"#,
      #"{"type":"plateau","lr":0.1,"warmup":10,"patience":3}"#,
      #"{"type":"cosine","lr":0.1,"steps":100,"warmup":{"steps":10,"start":0.01,"shape":"cosine","placement":"overlap"},"scale":2,"clamp":[0,0.15],"precision":"float32"}"#,
    ]
    for spec in specs {
      let d = try decode(spec)
      let curve = try d.curve(steps: 120, metrics: d.needsMetrics ? Array(repeating: 1, count: 119) : nil)
      #expect(curve.lr.allSatisfy { $0.isFinite && $0 >= 0 }, "\(spec)")
    }
  }

  @Test("fractions of steps: warmup 0.05 of 10000 is 500 steps")
  func fractions() throws {
    let d = try decode(#"{"type":"cosine","lr":1,"steps":10000,"warmup":0.05}"#)
    #expect(d.warmupSteps == 500)
    #expect(d.lr.value(at: 500) == 1)
    #expect(d.lr.value(at: 250) == 0.5)
  }

  @Test("warmup longer than the schedule is accepted with a warning naming the field")
  func warmupWarning() throws {
    let d = try decode(#"{"type":"cosine","lr":1,"steps":100,"warmup":200}"#)
    #expect(d.warnings.count == 1)
    #expect(d.warnings[0].contains("'warmup'"))
    let hf = try decode(#"{"type":"transformers.get_linear_schedule_with_warmup","lr":1,"num_warmup_steps":20,"num_training_steps":10}"#)
    #expect(hf.warnings.first?.contains("num_warmup_steps") == true)
  }

  @Test("nested fields are named with their path")
  func nestedPaths() {
    let e = error(#"{"type":"sequence","schedules":[{"type":"constant","lr":0.1},{"type":"cosine","lr":0.1}],"milestones":[10]}"#)
    #expect(e == .missingField(field: "schedules[1].steps", schedule: "cosine"))
    let t = error(#"{"type":"optax.join_schedules","schedules":[{"type":"optax.constant_schedule","valu":1}],"boundaries":[]}"#)
    #expect(t?.field == "schedules[0].valu")
  }

  @Test("near-miss keys in a training config are refused, other Trainer keys ignored")
  func trainingConfig() throws {
    let ok = try decode(#"{"learning_rate":1e-4,"lr_scheduler_type":"cosine","max_steps":100,"warmup_steps":10,"output_dir":"x","bf16":true}"#)
    #expect(ok.totalSteps == 100)
    #expect(ok.warmupSteps == 10)
    let bad = error(#"{"learning_rate":1e-4,"lr_schedular_type":"cosine","max_steps":100}"#)
    #expect(bad == .unknownField(field: "lr_schedular_type", schedule: "Hugging Face training config", suggestion: "lr_scheduler_type"))
    let kwargs = error(#"{"learning_rate":1e-4,"lr_scheduler_type":"cosine_with_min_lr","max_steps":100,"lr_scheduler_kwargs":{"min_lr_rat":0.1}}"#)
    #expect(kwargs?.field == "lr_scheduler_kwargs.min_lr_rat")
  }

  @Test("malformed JSON is refused with a position, never a crash")
  func malformed() {
    let inputs = ["", "{", "{\"type\":", "{\"type\":\"cosine\",}", "[1,2", "{\"a\":1 \"b\":2}", "nul",
                  "{\"type\":\"cosine\",\"lr\":1e400,\"steps\":3}", "\"\\u12\"", "{\"type\":\"cosine\",\"type\":\"step\"}",
                  String(repeating: "[", count: 10_000)]
    for text in inputs {
      #expect(error(text) != nil, "accepted: \(text.prefix(30))")
    }
    // Every prefix of a valid spec is either valid or refused.
    let spec = #"{"type": "cosine", "lr": 0.1, "steps": 100, "warmup": {"steps": 10, "shape": "cosine"}}"#
    for n in 0..<spec.count {
      _ = error(String(spec.prefix(n)))
    }
  }

  @Test("JSON parsing keeps integer and real literals apart")
  func numberKinds() throws {
    #expect(try JSONValue.parse("3") == .number(3, isInteger: true))
    #expect(try JSONValue.parse("3.0") == .number(3, isInteger: false))
    #expect(try JSONValue.parse("1e2") == .number(100, isInteger: false))
    guard case .number(let x, false) = try JSONValue.parse("NaN", allowNonFinite: true) else {
      Issue.record("NaN with allowNonFinite is not a number")
      return
    }
    #expect(x.isNaN)
    #expect(throws: JSONError.self) { try JSONValue.parse("NaN") }
    #expect(throws: ScheduleError.self) { try ScheduleSpec.decode(text: "NaN") }
  }
}

@Suite("Native specs: the classics")
struct ClassicSpecTests {
  @Test("Noam spec: peak 6.99e-4 at step 4000 for d_model 512, warmup 4000")
  func noamSpec() throws {
    let d = try ScheduleSpec.decode(text: #"{"type":"noam","d_model":512,"warmup":4000,"steps":20000}"#)
    let values = d.lr.values(steps: 20_000)
    let peak = values.indices.max { values[$0] < values[$1] }!
    #expect(peak == 4000)
    #expect(abs(values[peak] - 6.987712429686844e-4) < 1e-15)
    #expect(d.warmupSteps == 4000)
  }

  @Test("inverse-sqrt spec: peak at the end of its own warmup, not after a second ramp")
  func inverseSqrtSpec() throws {
    let d = try ScheduleSpec.decode(text: #"{"type":"inverse_sqrt","lr":1,"warmup":100}"#)
    #expect(d.lr.value(at: 100) == 1)
    #expect(d.lr.value(at: 50) == 0.5)
  }

  @Test("warmup + cosine to 10 % of the peak")
  func warmupCosine() throws {
    let d = try ScheduleSpec.decode(text: #"{"type":"cosine","lr":3e-4,"steps":10000,"warmup":500,"floor_ratio":0.1}"#)
    #expect(d.lr.value(at: 0) == 0)
    #expect(abs(d.lr.value(at: 500) - 3e-4) < 1e-18)
    #expect(abs(d.lr.value(at: 10_000) - 3e-5) < 1e-18)
  }

  @Test("WSD with 80 % stable")
  func wsd() throws {
    let d = try ScheduleSpec.decode(text: #"{"type":"wsd","lr":1e-3,"steps":10000,"warmup":0.05,"decay":0.15}"#)
    #expect(d.lr.value(at: 500) == 1e-3)
    #expect(d.lr.value(at: 8499) == 1e-3)
    #expect(d.lr.value(at: 8500) == 1e-3)
    #expect(d.lr.value(at: 9000) < 1e-3)
    #expect(d.lr.value(at: 10_000) == 0)
  }
}
