import Foundation
import LRTraining
import Testing

@testable import lrkit_bench

/// Found by trying lrkit-bench's documented flags with values nobody had passed: a width that
/// the heads do not divide, zero heads or a negative context crashed with a backtrace; a batch
/// of 0, an unknown norm, `--threads abc`, an unknown section and `--shape` without `train` were
/// silently ignored or timed nothing; `LRKIT_BENCH_EVALS=0` printed a bare `nan`.
@Suite("lrkit-bench: the command line is checked, and every flag does what it says")
struct BenchOptionsTests {
  func parse(_ arguments: [String], _ environment: [String: String] = [:]) throws -> BenchOptions {
    try BenchOptions(arguments: arguments, environment: environment)
  }

  /// The error's text, or nil when the command line is accepted.
  func refusal(_ arguments: [String], _ environment: [String: String] = [:]) -> String? {
    do {
      _ = try parse(arguments, environment)
      return nil
    } catch {
      return "\(error)"
    }
  }

  @Test("sections: every one but gemm by default, else the ones named")
  func sections() throws {
    #expect(try parse([]).sections == Set(BenchOptions.Section.allCases).subtracting([.gemm]))
    #expect(try parse(["gemm"]).sections == [.gemm])
    #expect(try parse(["peers", "train"]).sections == [.peers, .train])
    #expect(try parse(["train", "--profile"]).profile)
    #expect(try !parse(["train"]).profile)
  }

  @Test("--shape: layers, width, heads, context, batch and the norm, pre by default")
  func shapes() throws {
    let o = try parse(["train", "--shape", "2,32,4,16,3,post", "--shape", "1,16,2,8,5"])
    #expect(o.shapes.map(\.label) == ["2,32,4,16,3,post", "1,16,2,8,5"])
    #expect(o.shapes[0].config == GPTConfig(vocabulary: 65, context: 16, layers: 2, channels: 32, heads: 4, norm: .postLN))
    #expect(o.shapes[0].batch == 3)
    #expect(o.shapes[1].config.norm == .preLN && o.shapes[1].batch == 5)
    #expect(try parse(["train", "--threads", "3", "--shards", "5"]).threads == 3)
    #expect(try parse(["train", "--threads", "3", "--shards", "5"]).shards == 5)
    #expect(try parse(["train"]).threads == nil && parse(["train"]).shards == nil && parse(["train"]).shapes.isEmpty)
    // The default set: the six shapes of the speed issue, all valid here.
    let defaults = try BenchOptions.defaultShapes.map { try BenchOptions.shape($0, shards: 2) }
    #expect(defaults.map { [$0.config.layers, $0.config.channels, $0.config.heads, $0.config.context, $0.batch] } == [
      [6, 64, 4, 64, 16], [4, 128, 4, 64, 12], [4, 256, 8, 128, 8], [2, 384, 6, 64, 8], [8, 64, 4, 256, 4], [1, 512, 8, 32, 32],
    ])
    #expect(defaults.map(\.config.norm) == [.postLN, .preLN, .preLN, .preLN, .preLN, .preLN])
  }

  @Test("a command line it cannot run is refused, naming the argument at fault")
  func refused() {
    for (arguments, expected) in [
      (["train", "--shape", "4,130,4,64,12"], "--shape '4,130,4,64,12': field 'heads': width 130 is not divisible by 4 heads"),
      (["train", "--shape", "4,128,0,64,12"], "--shape '4,128,0,64,12': heads '0'"),
      (["train", "--shape", "4,128,4,-1,12"], "--shape '4,128,4,-1,12': context '-1'"),
      (["train", "--shape", "1,16,2,8,0"], "--shape '1,16,2,8,0': batch '0'"),
      (["train", "--shape", "1,16,2,8"], "--shape '1,16,2,8': expected L,D,H,T,B[,pre|post]"),
      (["train", "--shape", "1,16,2,8,2,3"], "--shape '1,16,2,8,2,3': the norm '3' is neither pre nor post"),
      (["train", "--shape", "1,16,2,8,2,foo"], "--shape '1,16,2,8,2,foo': the norm 'foo' is neither pre nor post"),
      (["train", "--shape", "1,16,2,4097,2"], "--shape '1,16,2,4097,2': field 'context': must be in 1...4096"),
      (["train", "--shape", "4,4096,4,64,12"], "--shape '4,4096,4,64,12': field 'width': this run needs at least"),
      (["train", "--shape"], "--shape needs a value"),
      (["train", "--threads", "abc"], "--threads 'abc': expected a whole number in 1...1024"),
      (["train", "--threads", "0"], "--threads '0'"),
      (["train", "--threads", "--profile"], "--threads needs a value"),
      (["train", "--shards", "-2"], "--shards '-2': expected a whole number in 1...4096"),
      (["train", "--threads", "2", "--threads", "3"], "--threads is given twice"),
      (["train", "--profile", "--threads", "2"], "--profile times one thread; --threads 2 does not apply"),
      (["libm", "--shape", "1,16,2,8,2"], "--shape belongs to the train section"),
      (["bogus"], "unknown section 'bogus' (sections: schedules, peers, libm, curve, optimizers, train, gemm, diagnose)"),
      (["trian"], "unknown section 'trian'; did you mean 'train'?"),
      (["train", "--thread", "2"], "unknown flag '--thread'; did you mean '--threads'?"),
    ] {
      let message = refusal(arguments)
      #expect(message?.hasPrefix(expected) == true, "\(arguments): \(message ?? "accepted")")
    }
    // --profile with one thread says the same thing twice, which is fine.
    #expect(refusal(["train", "--profile", "--threads", "1"]) == nil)
  }

  @Test("LRKIT_BENCH_EVALS, _RANGE and _FILTER are read, and refused when they are not numbers")
  func environment() throws {
    let o = try parse(["schedules"], ["LRKIT_BENCH_EVALS": "5", "LRKIT_BENCH_RANGE": "10000", "LRKIT_BENCH_FILTER": "cos"])
    #expect(o.evaluations == 5 && o.range == 10_000 && o.filter == "cos")
    let d = try parse([])
    #expect(d.evaluations == 1 << 20 && d.range == 20_000 && d.filter == nil)
    for (name, value) in [("LRKIT_BENCH_EVALS", "0"), ("LRKIT_BENCH_EVALS", "1e6"), ("LRKIT_BENCH_RANGE", "-5"),
                          ("LRKIT_BENCH_RANGE", "x")] {
      #expect(refusal([], [name: value])?.hasPrefix("\(name)='\(value)': expected a whole number") == true)
    }
    #expect(refusal([], ["LRKIT_BENCH_FILTER": ""]) == "LRKIT_BENCH_FILTER is set but empty")
  }

  /// The fields of a line as JSON, parsed back (so the line is valid JSON).
  func object(_ fields: [(String, String)]) throws -> [String: Any] {
    let text = "{" + fields.map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ") + "}"
    return try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "\(text)")
  }

  @Test("--threads, --shards and --profile change the timed run as documented")
  func trainFlags() throws {
    let config = GPTConfig(vocabulary: 65, context: 8, layers: 1, channels: 16, heads: 2)
    func run(threads: Int, shards: Int, profiling: Bool, batch: Int = 4) throws -> [[String: Any]] {
      try timeTrainingSteps(BenchOptions.Shape(label: "tiny", config: config, batch: batch), threads: threads,
                            shards: shards, profiling: profiling, peakCore: 100, warmup: 1, steps: 2, rounds: 1).map(object)
    }
    let plain = try run(threads: 2, shards: 3, profiling: false)
    #expect(plain.count == 1)
    #expect(plain[0]["name"] as? String == "train-tiny")
    #expect(plain[0]["threads"] as? Int == 2 && plain[0]["shards"] as? Int == 3 && plain[0]["batch"] as? Int == 4)
    #expect((plain[0]["tokens_per_s"] as? Double ?? 0) > 0)
    // At most one shard per sequence, as in training.
    #expect(try run(threads: 1, shards: 8, profiling: false)[0]["shards"] as? Int == 4)
    let profiled = try run(threads: 1, shards: 2, profiling: true)
    #expect(profiled.count == 2)
    #expect(profiled[0]["name"] as? String == "profile-tiny" && profiled[0]["threads"] as? Int == 1)
    for part in ["matmul_forward_ms", "attention_backward_ms", "optimizer_adamw_clip_ms", "zero_gradients_ms", "other_ms"] {
      #expect(profiled[0][part] is Double, "\(part)")
    }
    #expect(profiled[1]["name"] as? String == "train-tiny")
  }

  @Test("a number JSON cannot hold is written as null")
  func nonFinite() {
    #expect(rounded(.nan) == "null" && rounded(.infinity) == "null" && rounded(-.infinity) == "null")
    #expect(rounded(1.23456) == "1.235")
  }
}
