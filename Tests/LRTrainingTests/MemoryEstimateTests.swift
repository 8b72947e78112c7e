import Foundation
import LRSupport
@testable import LRTraining
import Testing

/// Found by asking for a wide model by hand: `lrkit train --width 4096 --layers 10` passed every
/// range check, then died in a failed allocation ("Fatal error: failed to allocate 8058404864
/// bytes") instead of saying the run does not fit.
@Suite("Memory: a run too large for the machine is refused by field")
struct MemoryEstimateTests {
  /// `validate(availableBytes:)`'s error text, or nil when the run fits.
  func refusal(_ config: TrainConfig, available: Double) -> String? {
    do {
      try config.validate(availableBytes: available)
      return nil
    } catch {
      return "\(error)"
    }
  }

  @Test("the activations counted up front are the floats a shard allocates")
  func activationsCounted() {
    for (layers, channels, heads, context, batch, dropout) in [
      (1, 8, 2, 4, 1, Float(0)), (2, 16, 4, 16, 3, 0.1), (3, 24, 3, 33, 5, 0), (0, 8, 1, 8, 2, 0.2), (4, 128, 4, 64, 6, 0),
    ] {
      let config = GPTConfig(context: context, layers: layers, channels: channels, heads: heads, dropout: dropout)
      let allocated = GPTActivations(config: config, batch: batch).scratch.floats
      #expect(GPTActivations.floats(config: config, batch: batch) == Double(allocated),
              "\(layers),\(channels),\(heads),\(context),\(batch) dropout \(dropout)")
    }
  }

  @Test("the parameter part counts the parameters, gradient, optimizer state and shard gradients")
  func parameterPart() {
    var c = TrainConfig(task: .shakespeare)
    c.shards = 3
    let p = Double(c.gpt.parameterCount)
    #expect(MemoryEstimate(c).parameterBytes == 4 * p * (2 + 2 + 2))  // AdamW: two moments
    c.optimizer.kind = "sgd"
    c.optimizer.momentum = 0
    #expect(MemoryEstimate(c).parameterBytes == 4 * p * (2 + 0 + 2))
    c.optimizer.momentum = 0.9
    #expect(MemoryEstimate(c).parameterBytes == 4 * p * (2 + 1 + 2))
    c.batchSize = 2  // at most one shard per sequence
    #expect(MemoryEstimate(c).parameterBytes == 4 * p * (2 + 1 + 1))
    #expect(MemoryEstimate(c).checkpointBytes == 2 * 4 / 3 * 4 * p * 2)
  }

  @Test("a run is refused above 90 % of the memory, naming what holds most of it")
  func refusedByField() {
    let small = TrainConfig(task: .shakespeare)
    let need = MemoryEstimate(small).totalBytes
    #expect(refusal(small, available: need / 0.9 * 1.001) == nil)
    let refused = refusal(small, available: need / 0.9 * 0.999)
    #expect(refused?.hasPrefix("field 'width': this run needs at least ") == true, "\(refused ?? "accepted")")
    #expect(refused?.contains("more than 90 % of the") == true)

    var wide = TrainConfig(task: .shakespeare)
    wide.gpt.channels = 4096
    wide.gpt.layers = 10
    #expect(refusal(wide, available: 24e9)?.contains("field 'width': this run needs at least 107.2 GB") == true,
            "\(refusal(wide, available: 24e9) ?? "accepted")")
    var long = TrainConfig(task: .shakespeare)
    long.gpt.context = 4096
    long.batchSize = 64
    #expect(refusal(long, available: 24e9)?.hasPrefix("field 'context'") == true)
    var many = TrainConfig(task: .shakespeare)
    many.batchSize = 65_536
    #expect(refusal(many, available: 24e9)?.hasPrefix("field 'batch-size'") == true)
    var mlp = TrainConfig(task: .digits)
    mlp.hidden = [65_536, 65_536, 65_536]
    #expect(refusal(mlp, available: 24e9)?.hasPrefix("field 'hidden'") == true)
    mlp.hidden = [256, 128]
    #expect(refusal(mlp, available: 24e9) == nil)
  }

  @Test("this process's memory is positive and at most the machine's")
  func available() {
    let bytes = MemoryEstimate.availableBytes()
    #expect(bytes > 0 && bytes <= Double(ProcessInfo.processInfo.physicalMemory))
  }

  @Test("resuming a run whose config.json asks for too much memory names the file and the field")
  func resumeRefused() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lrkit-run-\(UUID().uuidString)").path
    var c = TrainConfig(task: .digits)
    c.steps = 2
    c.hidden = [16]
    _ = try Trainer(config: c, run: RunDirectory(path: dir)).train()
    let path = dir + "/config.json"
    let text = try String(contentsOfFile: path, encoding: .utf8)
    #expect(text.contains("\"hidden\":[16]"), "\(text)")
    try text.replacingOccurrences(of: "\"hidden\":[16]", with: "\"hidden\":[65536,65536,65536,65536]")
      .write(toFile: path, atomically: true, encoding: .utf8)
    do {
      _ = try Trainer.resume(dir)
      Issue.record("resumed a run of 12.9 billion parameters")
    } catch {
      #expect("\(error)".contains(path) && "\(error)".contains("field 'hidden': this run needs at least"), "\(error)")
    }
  }
}
