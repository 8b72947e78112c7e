import LRSupport
import LRSchedules
import Testing

/// Hugging Face Trainer step accounting and curves, against values computed with transformers
/// 5 and accelerate (Scripts/make-fixtures.py, some verified by running `Trainer.train()`).
@Suite("Hugging Face Trainer step accounting")
struct TrainerStepsTests {
  struct Case: Sendable, CustomTestStringConvertible {
    let name: String
    let config: JSONValue
    let expected: JSONValue
    var testDescription: String { name }
  }

  static var cases: [Case] {
    guard let root = Fixtures.load("hf_trainer"), case .array(let items)? = root["cases"] else {
      return []
    }
    return items.map { Case(name: Fixtures.string($0["name"]) ?? "?", config: $0["config"] ?? .null, expected: $0) }
  }

  @Test("fixtures are present")
  func present() { #expect(Self.cases.count >= 20) }

  @Test("steps, warmup and the learning rate of every update match the Trainer", arguments: cases)
  func matches(_ c: Case) throws {
    let config = try HFTrainingConfig(c.config)
    let (decoded, steps) = try config.resolve()
    #expect(steps.updatesPerEpoch == Fixtures.int(c.expected["num_update_steps_per_epoch"]))
    #expect(steps.maxSteps == Fixtures.int(c.expected["max_steps"]))
    #expect(steps.warmupSteps == Fixtures.int(c.expected["num_warmup_steps"]))
    #expect(steps.numTrainEpochs == Fixtures.int(c.expected["num_train_epochs"]))
    let peer = Fixtures.numbers(c.expected["lr"]) ?? []
    let curve = try decoded.curve(steps: peer.count)
    let (ratio, at) = worstError(curve.lr, peer, relative: 1e-9, absoluteOfPeak: 1e-12)
    #expect(ratio <= 1, "lr differs at update \(at)")
  }
}
