import LRSchedules
import Testing

/// Keras' own serialized forms read as specs (the values are checked against Keras in the
/// parity fixtures: `keras.json`'s "serialized", "optimizer" and "model config.json" cases).
@Suite("Keras serialized schedules, optimizers and model configs")
struct KerasSerializedTests {
  static let cosine = #"{"initial_learning_rate": 0.1, "decay_steps": 40, "alpha": 0.0, "name": "CosineDecay", "warmup_target": null, "warmup_steps": 0}"#
  static let serialized = #"{"module": "keras.optimizers.schedules", "class_name": "CosineDecay", "config": \#(cosine), "registered_name": null}"#

  func decode(_ text: String) throws -> DecodedSchedule { try ScheduleSpec.decode(text: text) }

  func error(_ text: String) -> String { decodingError(text) }

  @Test("serialize(schedule) is the schedule: the same curve as the type spec")
  func schedule() throws {
    let typed = try decode(#"{"type": "keras.optimizers.schedules.CosineDecay", "initial_learning_rate": 0.1, "decay_steps": 40}"#)
    let keras = try decode(Self.serialized)
    #expect(try keras.curve(steps: 50).lr == typed.curve(steps: 50).lr)
    #expect(keras.totalSteps == 40)
    // tf.keras 2 wrote no module.
    let legacy = try decode(#"{"class_name": "CosineDecay", "config": \#(Self.cosine)}"#)
    #expect(try legacy.curve(steps: 50).lr == typed.curve(steps: 50).lr)
  }

  @Test("an optimizer's learning_rate: a schedule, or a number held in float32")
  func optimizer() throws {
    let serialized = try decode(#"{"module": "keras.optimizers", "class_name": "AdamW", "config": {"name": "adam_w", "learning_rate": \#(Self.serialized), "weight_decay": 0.004, "beta_1": 0.9}, "registered_name": null}"#)
    #expect(try serialized.curve(steps: 50).lr == (try decode(Self.serialized)).curve(steps: 50).lr)
    let config = try decode(#"{"name": "adam", "learning_rate": 0.001, "use_ema": false, "gradient_accumulation_steps": null}"#)
    #expect(try config.curve(steps: 3).lr == [Double](repeating: Double(Float(0.001)), count: 3))
    #expect(Double(Float(0.001)) != 0.001)
  }

  @Test("gradient_accumulation_steps N: update k reads the schedule at micro-step (k+1)·N − 1")
  func accumulation() throws {
    let plain = try decode(Self.serialized).curve(steps: 200).lr
    for n in [2, 3, 5] {
      let d = try decode(#"{"name": "sgd", "learning_rate": \#(Self.serialized), "gradient_accumulation_steps": \#(n)}"#)
      let lr = try d.curve(steps: 30).lr
      for k in 0..<30 { #expect(lr[k] == plain[(k + 1) * n - 1], "N \(n), update \(k)") }
      #expect(d.totalSteps == (40 + n - 1) / n)
    }
    let huge = try decode(#"{"name": "sgd", "learning_rate": \#(Self.serialized), "gradient_accumulation_steps": 4}"#)
    #expect(huge.lr.value(at: Int.max) == plain[199])  // no overflow trap: the end of the decay
  }

  @Test("a model's config.json: compile_config.optimizer")
  func model() throws {
    let text = #"{"module": "keras", "class_name": "Sequential", "config": {"name": "sequential", "layers": []}, "registered_name": null, "build_config": {"input_shape": [null, 3]}, "compile_config": {"optimizer": {"module": "keras.optimizers", "class_name": "SGD", "config": {"name": "SGD", "learning_rate": \#(Self.serialized), "gradient_accumulation_steps": 2}, "registered_name": null}, "loss": "mse"}}"#
    let lr = try decode(text).curve(steps: 10).lr
    let plain = try decode(Self.serialized).curve(steps: 20).lr
    #expect(lr == (0..<10).map { plain[2 * $0 + 1] })
    #expect(error(#"{"module": "keras", "class_name": "Sequential", "config": {}, "compile_config": {"loss": "mse"}}"#)
      .contains("compile_config.optimizer"))
  }

  @Test("a Hugging Face config is still read as one")
  func huggingFace() throws {
    let d = try decode(#"{"learning_rate": 0.001, "lr_scheduler_type": "cosine", "max_steps": 100, "warmup_steps": 10}"#)
    #expect(try d.curve(steps: 1).lr == [0])
    #expect(d.totalSteps == 100)
    // gradient_accumulation_steps is a Trainer key too; a Trainer key makes it a Trainer config.
    let trainer = try decode(#"{"learning_rate": 0.001, "max_steps": 100, "gradient_accumulation_steps": 8, "adam_beta1": 0.9, "max_grad_norm": 1.0}"#)
    #expect(trainer.type.contains("transformers") || trainer.totalSteps == 100, "\(trainer.type)")
    #expect(try trainer.curve(steps: 100).lr.last! < 0.001)  // linear decay, not a Keras constant
    let both = try decode(#"{"learning_rate": 0.001, "max_steps": 100, "beta_1": 0.9}"#)
    #expect(try both.curve(steps: 100).lr.last! < 0.001)
  }

  @Test("errors name the field inside the Keras object")
  func errors() {
    #expect(error(#"{"class_name": "CosineDecay", "config": {"initial_learning_rate": 0.1, "decay_steps": 0}}"#)
      .contains("'config.decay_steps'"))
    #expect(error(#"{"class_name": "CosinDecay", "config": {}}"#).contains("did you mean 'CosineDecay'"))
    #expect(error(#"{"module": "my_package", "class_name": "WarmupCosine", "config": {}, "registered_name": "Custom>WarmupCosine"}"#)
      .contains("custom Keras class"))
    #expect(error(#"{"name": "sgd", "learning_rate": 0.01, "decay": 0.001, "nesterov": false}"#).contains("'decay'"))
    #expect(error(#"{"name": "sgd", "learning_rate": 0.01, "gradient_accumulation_steps": 1, "use_ema": false}"#)
      .contains("'gradient_accumulation_steps'"))
    #expect(error(#"{"name": "sgd", "learning_rate": "0.01", "nesterov": false}"#).contains("'learning_rate'"))
    #expect(error(#"{"module": "keras.optimizers", "class_name": "SGD", "config": {"learning_rate": "x"}}"#)
      .contains("'config.learning_rate'"))
    // A schedule where the optimizer belongs, an optimizer where the schedule belongs.
    #expect(error(#"{"class_name": "M", "config": {}, "compile_config": {"optimizer": \#(Self.serialized)}}"#)
      .contains("expected a Keras optimizer"))
    #expect(error(#"{"name": "sgd", "learning_rate": {"module": "keras.optimizers", "class_name": "SGD", "config": {"learning_rate": 0.1}}}"#)
      .contains("expected a Keras learning-rate schedule"))
    #expect(error(#"{"class_name": "CosineDecay", "config": {}, "extra": 1}"#).contains("'extra'"))
  }
}
