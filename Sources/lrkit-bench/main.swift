// lrkit-bench: one JSON object per line.
//
//   {"name": "<family>", "ns_per_eval": …}   single evaluations at random steps, through the
//                                             decoded spec (an existential, as users get it);
//   {"name": "peer:<python path>", …}         the same for every peer type (`peers` section)
//   {"name": "curve", "schedule": …, "points": 10000000, "ns_per_point": …}
//
// Peer numbers for the same schedules: Scripts/bench_schedules_peer.py.
import Foundation
import LRDiagnostics
import LROptimizers
import LRSchedules
import LRTraining
import CKernels

let families: [(String, String)] = [
  ("constant", #"{"type":"constant","lr":0.1}"#),
  ("step", #"{"type":"step","lr":0.1,"step_size":1000,"gamma":0.5}"#),
  ("multistep", #"{"type":"multistep","lr":0.1,"milestones":[3000,6000,9000],"gamma":0.1}"#),
  ("exponential", #"{"type":"exponential","lr":0.1,"rate":0.5,"period":1000,"floor":1e-4}"#),
  ("inverse_time", #"{"type":"inverse_time","lr":0.1,"rate":0.5,"period":1000}"#),
  ("inverse_sqrt", #"{"type":"inverse_sqrt","lr":1e-3,"warmup":1000}"#),
  ("noam", #"{"type":"noam","d_model":512,"warmup":4000}"#),
  ("polynomial", #"{"type":"polynomial","lr":0.1,"end":1e-4,"steps":10000,"power":2}"#),
  ("linear", #"{"type":"linear","lr":0.1,"steps":10000}"#),
  ("cosine", #"{"type":"cosine","lr":0.1,"steps":10000,"floor_ratio":0.1}"#),
  ("warmup+cosine", #"{"type":"cosine","lr":3e-4,"steps":10000,"warmup":500,"floor_ratio":0.1}"#),
  ("restarts", #"{"type":"restarts","lr":0.1,"period":500,"multiplier":2,"decay":0.8}"#),
  ("onecycle", #"{"type":"onecycle","lr":0.1,"steps":10000}"#),
  ("cyclic", #"{"type":"cyclic","lr":0.001,"max_lr":0.1,"up":500,"mode":"triangular2"}"#),
  ("wsd", #"{"type":"wsd","lr":1e-3,"steps":10000,"warmup":500,"decay":0.2}"#),
  ("tanh", #"{"type":"tanh","lr":0.1,"steps":10000}"#),
  ("sequence", #"{"type":"sequence","schedules":[{"type":"linear","lr":0,"end":0.1,"steps":500},{"type":"cosine","lr":0.1,"steps":9500}],"milestones":[500]}"#),
  ("torch.OneCycleLR", #"{"type":"torch.optim.lr_scheduler.OneCycleLR","max_lr":0.1,"total_steps":10000}"#),
  ("torch.SequentialLR", #"{"type":"torch.optim.lr_scheduler.SequentialLR","lr":0.1,"schedulers":[{"type":"torch.optim.lr_scheduler.LinearLR","start_factor":0.01,"total_iters":500},{"type":"torch.optim.lr_scheduler.CosineAnnealingLR","T_max":9500}],"milestones":[500]}"#),
  ("torch.CyclicLR", #"{"type":"torch.optim.lr_scheduler.CyclicLR","base_lr":0.001,"max_lr":0.1,"step_size_up":500}"#),
  ("transformers.cosine", #"{"type":"transformers.get_cosine_schedule_with_warmup","lr":3e-4,"num_warmup_steps":500,"num_training_steps":10000}"#),
  ("optax.warmup_cosine_decay", #"{"type":"optax.warmup_cosine_decay_schedule","init_value":0,"peak_value":3e-4,"warmup_steps":500,"decay_steps":10000,"end_value":3e-5}"#),
  ("timm.CosineLRScheduler", #"{"type":"timm.scheduler.CosineLRScheduler","lr":0.1,"t_initial":2000,"cycle_mul":2,"cycle_limit":3,"warmup_t":100,"warmup_prefix":true}"#),
  ("keras.CosineDecayRestarts", #"{"type":"keras.optimizers.schedules.CosineDecayRestarts","initial_learning_rate":0.1,"first_decay_steps":1000}"#),
  ("mlx.cosine_decay", #"{"type":"mlx.optimizers.cosine_decay","init":0.1,"decay_steps":10000,"end":1e-4}"#),
  ("fastai.fit_one_cycle", #"{"type":"fastai.fit_one_cycle","total_steps":10000,"lr_max":0.01}"#),
]

// Random steps in [0, 20000), the same for every family.
var generator = SystemRandomNumberGenerator()
var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
let steps: [Int] = (0..<1 << 16).map { _ in
  seed = seed &* 6364136223846793005 &+ 1442695040888963407
  return Int((seed >> 33) % 20000)
}

let options: BenchOptions
do {
  options = try BenchOptions(arguments: Array(CommandLine.arguments.dropFirst()),
                             environment: ProcessInfo.processInfo.environment)
} catch {
  FileHandle.standardError.write(Data("lrkit-bench: error: \(error)\n".utf8))
  exit(64)
}
func wants(_ section: BenchOptions.Section) -> Bool { options.wants(section) }

/// Ends the run with `lrkit-bench: error: …` and exit status 1.
func fail(_ message: String) -> Never {
  FileHandle.standardError.write(Data("lrkit-bench: error: \(message)\n".utf8))
  exit(1)
}

/// One spec per peer type: the longest case of that type in the parity fixtures (read from
/// `Tests/LRSchedulesTests/Fixtures` when the bench runs from the repository root), evaluated at
/// random steps inside that case's length.
func peerTypeSpecs() -> [(name: String, text: String, steps: Int)] {
  var byType: [String: (text: String, steps: Int)] = [:]
  for file in ["torch", "transformers", "optax", "timm", "keras", "mlx", "fastai", "deepspeed"] {
    let path = "Tests/LRSchedulesTests/Fixtures/\(file).json"
    guard let data = FileManager.default.contents(atPath: path) else {
      fail("\(path): cannot read it; the peers section reads the parity fixtures, run it from the repository root")
    }
    guard let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
      let cases = root["cases"] as? [[String: Any]]
    else { fail("\(path): not a fixture file (a JSON object with \"cases\")") }
    for c in cases {
      guard let spec = c["spec"] as? [String: Any], let type = spec["type"] as? String, c["metrics"] == nil,
        let n = c["num_steps"] as? Int, let text = try? JSONSerialization.data(withJSONObject: spec),
        let json = String(data: text, encoding: .utf8), (try? ScheduleSpec.decode(text: json)) != nil
      else { continue }
      if byType[type] == nil || n > byType[type]!.steps { byType[type] = (json, n) }
    }
  }
  return byType.keys.sorted().map { ($0, byType[$0]!.text, byType[$0]!.steps) }
}

// LRKIT_BENCH_FILTER=text times only the schedules whose name contains it,
// LRKIT_BENCH_EVALS=n sets the evaluations per timing (for profiling one type under callgrind),
// and LRKIT_BENCH_RANGE=n draws the families' random steps from [0, n) instead of [0, 20000):
// 10000 keeps every family inside its decay, where a cosine family calls `cos` at every step
// (at 20000 half the steps sit past the end, on the cheaper floor value).
let evaluations = options.evaluations
let nameFilter = options.filter
var schedulesToTime: [(name: String, text: String, steps: Int)] = families.map { ($0.0, $0.1, options.range) }
if wants(.schedules) || wants(.peers) {
  if !wants(.schedules) { schedulesToTime = [] }
  schedulesToTime += peerTypeSpecs().map { ("peer:" + $0.name, $0.text, $0.steps) }
  if let filter = nameFilter, !schedulesToTime.contains(where: { $0.name.contains(filter) }) {
    fail("LRKIT_BENCH_FILTER='\(filter)' matches none of the schedules timed: "
      + schedulesToTime.map(\.name).joined(separator: ", "))
  }
}
for (name, text, range) in schedulesToTime where (wants(.schedules) || wants(.peers)) && (nameFilter.map { name.contains($0) } ?? true) {
  let decoded = try ScheduleSpec.decode(text: text)
  let schedule = decoded.lr
  let local = steps.map { $0 % range }
  var sink = 0.0
  let ns = best(5) {
    var acc = 0.0
    for i in 0..<evaluations { acc += schedule.value(at: local[i & (local.count - 1)]) }
    sink += acc
  }
  if sink.isNaN { print("") }
  emit([("name", quoted(name)), ("ns_per_eval", rounded(ns / Double(evaluations))),
        ("evaluations", "\(evaluations)")])
}

// The floor under any schedule that calls libm: cos, pow, powf, exp and tanh at random arguments in
// the ranges schedules use (cos of [0, π), tanh of [−7, 3] as the tanh family), the float32 cos
// the JAX-precision types call, and a tabulated schedule (a table lookup through the same
// existential).
if wants(.libm) || wants(.schedules) {
  let xs = steps.map { Double($0) / 20000 }
  // pow's base is not a power of two: LLVM rewrites pow(0.5, y) as exp2(-y), which is what an
  // earlier version of this line timed (5 ns).
  for (name, f) in [("libm.cos", { (x: Double) in cos(3.14159 * x) }), ("libm.pow", { (x: Double) in pow(0.792, 3 * x) }),
                    ("libm.powf", { (x: Double) in Double(powf(0.792, Float(3 * x))) }),
                    ("libm.exp", { (x: Double) in exp(-3 * x) }), ("libm.tanh", { (x: Double) in tanh(-7 + 10 * x) }),
                    ("libm.cosf", { (x: Double) in Double(cosf(Float(3.14159 * x))) })] as [(String, (Double) -> Double)] {
    var sink = 0.0
    let ns = best(5) {
      var acc = 0.0
      for i in 0..<evaluations { acc += f(xs[i & (xs.count - 1)]) }
      sink += acc
    }
    if sink.isNaN { print("") }
    emit([("name", quoted(name)), ("ns_per_eval", rounded(ns / Double(evaluations)))])
  }
  let table: any LearningRateSchedule<Double> = try ScheduleSpec.decode(
    text: #"{"type":"timm.scheduler.CosineLRScheduler","lr":0.1,"t_initial":2000,"cycle_mul":2,"cycle_limit":3,"warmup_t":100,"warmup_prefix":true}"#
  ).lr.tabulated(steps: 20000)
  var sink = 0.0
  let ns = best(5) {
    var acc = 0.0
    for i in 0..<evaluations { acc += table.value(at: steps[i & (steps.count - 1)]) }
    sink += acc
  }
  if sink.isNaN { print("") }
  emit([("name", quoted("tabulated timm.CosineLRScheduler")), ("ns_per_eval", rounded(ns / Double(evaluations)))])
}

// A whole curve: 10 million points through the bulk path on every core.
let points = 10_000_000
let cores = ProcessInfo.processInfo.activeProcessorCount
for (name, text) in !wants(.curve) ? [] : [
  ("warmup+cosine", #"{"type":"cosine","lr":3e-4,"steps":10000000,"warmup":200000,"floor_ratio":0.1}"#),
  ("cosine", #"{"type":"cosine","lr":0.1,"steps":10000000}"#),
  ("wsd", #"{"type":"wsd","lr":1e-3,"steps":10000000,"warmup":200000,"decay":0.2}"#),
  ("linear", #"{"type":"linear","lr":0.1,"steps":10000000}"#),
] {
  let schedule = try ScheduleSpec.decode(text: text).lr
  let buffer = UnsafeMutableBufferPointer<Double>.allocate(capacity: points)
  buffer.initialize(repeating: 0)
  defer { buffer.deallocate() }
  var checksum = 0.0
  var bestNs = Double.infinity
  for _ in 0..<5 {
    let t0 = now()
    await schedule.fill(buffer, from: 0, parts: cores)
    bestNs = min(bestNs, Double(now() - t0))
    checksum += buffer[points / 3]
  }
  let serial = best(3) { schedule.fill(buffer, from: 0) }
  emit([("name", quoted("curve")), ("schedule", quoted(name)), ("points", "\(points)"),
        ("threads", "\(cores)"), ("ns_per_point", rounded(bestNs / Double(points))),
        ("ns_per_point_1_thread", rounded(serial / Double(points))),
        ("checksum", "\(checksum)")])
}

// Optimizer steps over 10 million parameters, both cores, one pass over memory.
if wants(.optimizers) {
  let n = 10_000_000
  var gradients = [Float](repeating: 0, count: n)
  for i in 0..<n { gradients[i] = Float((i &* 2654435761) % 1000) / 1000 - 0.5 }
  for (name, config) in [("sgd", OptimizerConfiguration.sgd(momentum: 0.9, weightDecay: 1e-4)),
                         ("adam", .adam(.adam)), ("adamw", .adam(.adamw, betas: (0.9, 0.95), weightDecay: 0.1)),
                         ("radam", .adam(.radam))] {
    var optimizer = try Optimizer(config, parameterCount: n)
    optimizer.threads = cores
    var parameters = [Float](repeating: 0.5, count: n)
    let h = [Optimizer.GroupStep(lr: 1e-3)]
    try optimizer.step(parameters: &parameters, gradients: gradients, hyperparameters: h)  // warm up
    var bestNs = Double.infinity
    for _ in 0..<10 {
      let t0 = now()
      try optimizer.step(parameters: &parameters, gradients: gradients, hyperparameters: h)
      bestNs = min(bestNs, Double(now() - t0))
    }
    emit([("name", quoted(name)), ("params", "\(n)"), ("threads", "\(cores)"),
          ("ns_per_param", rounded(bestNs / Double(n)))])
  }
}

// Full AdamW training steps of the two tiny character GPTs (forward, backward, clip, update).
// Training steps over model shapes: `lrkit-bench train [--shape L,D,H,T,B[,pre|post]]...
// [--threads N] [--shards S] [--profile]`; the default set is the six shapes of the speed issue.
// FLOPs per token (stated, PaLM-style): 6 · (12·L·D² + D·V) for the matrix products forward and backward, plus
// 6 · L · T · D for attention (scores and values, causal: half of 12·L·T·D). The CPU peak is
// measured with an FMA loop at the products' width (12 independent 16-wide FMAs per round with
// AVX-512, 10 independent 8-wide ones with AVX2) on one core, times the cores.
if wants(.train) {
  // --profile: one thread, and a second line per shape with the step's time by kind of work.
  let profiling = options.profile
  let threads = profiling ? 1 : options.threads ?? GEMM.threads
  let shards = options.shards ?? GPTWorkspace.defaultShards
  let shapes: [BenchOptions.Shape]
  do {
    shapes = options.shapes.isEmpty
      ? try BenchOptions.defaultShapes.map { try BenchOptions.shape($0, shards: shards) } : options.shapes
  } catch {
    fail("\(error)")
  }
  // This machine's peak: one core's FMA rate times the cores used.
  let peakCore = corePeakGFLOPs()
  emit([("name", quoted("cpu-peak")), ("gflops_per_core", rounded(peakCore)), ("threads", "\(threads)"),
        ("gflops", rounded(peakCore * Double(threads)))])
  for shape in shapes {
    do {
      for fields in try timeTrainingSteps(shape, threads: threads, shards: shards, profiling: profiling,
                                          peakCore: peakCore) {
        emit(fields)
      }
    } catch {
      fail("--shape \(shape.label): \(error)")
    }
  }
}

// The matrix products of a training step on their own, one thread: the shapes of the
// 4,128,4,64,12 model's shard (384 rows, width 128) and of the wide models, in the three forms
// a linear layer uses (forward x·W, backward dy·Wᵀ, and xᵀ·dy for dW), as a fraction of one
// core's FMA peak. Not in the default run (`lrkit-bench gemm`).
if wants(.gemm) {
  let peakCore = corePeakGFLOPs()
  emit([("name", quoted("cpu-peak")), ("gflops_per_core", rounded(peakCore))])
  // (m, n, k, transA, transB, what)
  let cases: [(Int, Int, Int, Bool, Bool, String)] = [
    (384, 384, 128, false, false, "forward x·W, qkv"), (384, 512, 128, false, false, "forward x·W, fc"),
    (384, 128, 512, false, false, "forward x·W, proj"), (384, 65, 128, false, false, "forward x·W, head (65 columns)"),
    (384, 128, 512, false, true, "backward dy·Wᵀ"), (384, 128, 384, false, true, "backward dy·Wᵀ, qkv"),
    (128, 384, 384, true, false, "backward xᵀ·dy (dW)"), (512, 128, 384, true, false, "backward xᵀ·dy (dW), proj"),
    (512, 1536, 512, false, false, "forward x·W, width 512 qkv"), (512, 2048, 512, true, false, "backward xᵀ·dy (dW), width 512 fc"),
  ]
  for (m, n, k, ta, tb, what) in cases {
    var rng = SplitMix64(seed: 11)
    let a = (0..<m * k).map { _ in Float(rng.next() % 1000) / 1000 - 0.5 }
    let b = (0..<k * n).map { _ in Float(rng.next() % 1000) / 1000 - 0.5 }
    var c = [Float](repeating: 0, count: m * n)
    let repeats = max(3, Int(2e9 / Double(2 * m * n * k)))
    let ns = a.withUnsafeBufferPointer { ap in
      b.withUnsafeBufferPointer { bp in
        c.withUnsafeMutableBufferPointer { cp in
          best(5) {
            for _ in 0..<repeats {
              GEMM.multiply(ap.baseAddress!, transA: ta, lda: ta ? m : k, bp.baseAddress!, transB: tb, ldb: tb ? k : n,
                            into: cp.baseAddress!, ldc: n, m: m, n: n, k: k, threads: 1)
            }
          }
        }
      }
    } / Double(repeats)
    let gflops = Double(2 * m * n * k) / ns
    emit([("name", quoted("gemm-\(m)x\(n)x\(k)\(ta ? "-transA" : "")\(tb ? "-transB" : "")")), ("what", quoted(what)),
          ("gemm", quoted(GEMM.backend)), ("gflops", rounded(gflops)), ("fraction_of_core_peak", rounded(gflops / peakCore))])
  }
}

// Reading and diagnosing a 100 MB log: a trainer_state.json and a TensorBoard event file.
if wants(.diagnose) {
  let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lrkit-bench-logs").path
  try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
  // trainer_state.json with ~100 MB of log_history.
  var text = "{\"global_step\": 0, \"logging_steps\": 1, \"log_history\": [\n"
  var k = 0
  while text.utf8.count < 100_000_000 {
    let loss = 2 + 3 * exp(-Double(k) / 2e5) + Double(k % 17) / 100
    text += "    {\n      \"epoch\": \(Double(k) / 1e4),\n      \"grad_norm\": \(1 + Double(k % 13) / 10),\n      \"learning_rate\": \(1e-4 * (1 - Double(k) / 2e6)),\n      \"loss\": \(loss),\n      \"step\": \(k)\n    },\n"
    k += 1
  }
  text += "    {\"loss\": 2.0, \"step\": \(k)}\n  ]\n}\n"
  let hfPath = dir + "/trainer_state.json"
  // An event file of ~100 MB: simple_value scalars.
  func varint(_ v: UInt64) -> [UInt8] {
    var v = v
    var out: [UInt8] = []
    repeat {
      var b = UInt8(v & 0x7F)
      v >>= 7
      if v != 0 { b |= 0x80 }
      out.append(b)
    } while v != 0
    return out
  }
  var events: [UInt8] = []
  events.reserveCapacity(101_000_000)
  var step: UInt64 = 0
  let tags = ["train/loss", "train/learning_rate", "train/grad_norm"]
  while events.count < 100_000_000 {
    for (t, tag) in tags.enumerated() {
      let value = Float(t == 1 ? 1e-3 : 2 + 3 * exp(-Double(step) / 2e5))
      let v = [0x0A] + varint(UInt64(tag.utf8.count)) + Array(tag.utf8) + [0x15] + withUnsafeBytes(of: value.bitPattern.littleEndian) { Array($0) }
      let summary = [0x0A] + varint(UInt64(v.count)) + v
      let payload = [0x09] + withUnsafeBytes(of: (1.7e9).bitPattern.littleEndian) { Array($0) } + [0x10] + varint(step) + [0x2A] + varint(UInt64(summary.count)) + summary
      var length = UInt64(payload.count).littleEndian
      let lengthBytes = withUnsafeBytes(of: &length) { Array($0) }
      let lc = lengthBytes.withUnsafeBytes { TensorBoardReader.masked(TensorBoardReader.crc32c($0)) }
      let dc = payload.withUnsafeBytes { TensorBoardReader.masked(TensorBoardReader.crc32c($0)) }
      events += lengthBytes + withUnsafeBytes(of: lc.littleEndian) { Array($0) } + payload + withUnsafeBytes(of: dc.littleEndian) { Array($0) }
    }
    step += 1
  }
  let tbDir = dir + "/tb"
  try? FileManager.default.createDirectory(atPath: tbDir, withIntermediateDirectories: true)
  for (path, bytes) in [(hfPath, Data(text.utf8)), (tbDir + "/events.out.tfevents.1.bench", Data(events))] {
    do { try bytes.write(to: URL(fileURLWithPath: path)) } catch { fail("\(path): cannot write the log to time: \(error)") }
  }
  for (name, path, size) in [("diagnose-trainer-state", hfPath, text.utf8.count), ("diagnose-tensorboard", tbDir, events.count)] {
    var bestNs = Double.infinity
    var points = 0
    var verdict = ""
    for _ in 0..<3 {
      let t0 = now()
      let log: TrainingLog
      do { log = try LogReader.read(path) } catch { fail("\(error)") }
      let verdicts = Diagnoser.diagnose(log)
      // What `lrkit diagnose` prints besides: the schedule behind the logged lr.
      if let lr = log.series["lr"] { _ = ScheduleIdentifier.identify(lr) }
      bestNs = min(bestNs, Double(now() - t0))
      points = log.series["loss"]?.count ?? 0
      verdict = verdicts.first?.kind.rawValue ?? ""
    }
    emit([("name", quoted(name)), ("bytes", "\(size)"), ("loss_points", "\(points)"),
          ("seconds", rounded(bestNs / 1e9)), ("mb_per_s", rounded(Double(size) / 1e6 / (bestNs / 1e9))),
          ("verdict", quoted(verdict))])
  }
}
