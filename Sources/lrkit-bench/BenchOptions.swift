import LRSupport
import LRTraining

/// lrkit-bench's command line and environment, checked before anything is timed:
///
/// ```
/// lrkit-bench [SECTION…] [--shape L,D,H,T,B[,pre|post]]… [--threads N] [--shards S] [--profile]
/// LRKIT_BENCH_EVALS=n  LRKIT_BENCH_RANGE=n  LRKIT_BENCH_FILTER=text
/// ```
/// Without a section every one but `gemm` runs. The flags belong to the `train` section.
struct BenchOptions: Equatable {
  /// A part of the benchmark.
  enum Section: String, CaseIterable, Comparable {
    /// Every native family and peer type at random steps, and libm's floor.
    case schedules
    /// One line per peer type.
    case peers
    /// libm's cos, pow, powf, exp, tanh and cosf, and the tabulated form.
    case libm
    /// Whole curves of 10 million points.
    case curve
    /// Optimizer steps over 10 million parameters.
    case optimizers
    /// Full AdamW training steps of character GPTs.
    case train
    /// The training step's matrix products alone (not in the default run).
    case gemm
    /// Reading and diagnosing 100 MB logs.
    case diagnose

    static func < (a: Section, b: Section) -> Bool {
      allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
  }

  /// One `--shape`: the model and the batch of a training step.
  struct Shape: Equatable {
    /// The argument as given (the JSON lines' `train-…` name).
    var label: String
    var config: GPTConfig
    var batch: Int
  }

  /// The six shapes of the speed issue, timed when no `--shape` is given.
  static let defaultShapes = [
    "6,64,4,64,16,post", "4,128,4,64,12,pre", "4,256,8,128,8,pre", "2,384,6,64,8,pre", "8,64,4,256,4,pre",
    "1,512,8,32,32,pre",
  ]

  /// The sections to run.
  var sections: Set<Section>
  /// `--shape`s in order (empty: ``defaultShapes``).
  var shapes: [Shape] = []
  /// `--threads` (nil: every core).
  var threads: Int?
  /// `--shards` (nil: `GPTWorkspace.defaultShards`).
  var shards: Int?
  /// `--profile`: one thread, and a line with where a step's time goes.
  var profile = false
  /// `LRKIT_BENCH_EVALS`: evaluations per schedule timing.
  var evaluations = 1 << 20
  /// `LRKIT_BENCH_RANGE`: the native families' random steps are drawn from `0..<range`.
  var range = 20_000
  /// `LRKIT_BENCH_FILTER`: only the schedules whose name contains it.
  var filter: String?

  /// Whether `section` runs.
  func wants(_ section: Section) -> Bool { sections.contains(section) }

  /// The options of `arguments` (without the program's name) and `environment`.
  /// - Throws: ``BenchOptionsError`` naming the argument or variable at fault.
  init(arguments: [String], environment: [String: String]) throws(BenchOptionsError) {
    var named: Set<Section> = []
    var i = 0
    var trainFlag: String?
    func value(_ flag: String) throws(BenchOptionsError) -> String {
      guard i + 1 < arguments.count, !arguments[i + 1].hasPrefix("--") else {
        throw BenchOptionsError("\(flag) needs a value")
      }
      i += 1
      return arguments[i]
    }
    func count(_ flag: String, _ text: String, in bounds: ClosedRange<Int>) throws(BenchOptionsError) -> Int {
      guard let n = Int(text), bounds.contains(n) else {
        throw BenchOptionsError("\(flag) '\(text)': expected a whole number in \(bounds.lowerBound)...\(bounds.upperBound)")
      }
      return n
    }
    var shapeTexts: [String] = []
    while i < arguments.count {
      let argument = arguments[i]
      switch argument {
      case "--shape":
        shapeTexts.append(try value(argument))
      case "--threads":
        guard threads == nil else { throw BenchOptionsError("--threads is given twice") }
        threads = try count(argument, try value(argument), in: 1...1024)
      case "--shards":
        guard shards == nil else { throw BenchOptionsError("--shards is given twice") }
        shards = try count(argument, try value(argument), in: 1...4096)
      case "--profile":
        profile = true
      default:
        if argument.hasPrefix("-") {
          let flags = ["--shape", "--threads", "--shards", "--profile"]
          let hint = nearest(to: argument, in: flags).map { "; did you mean '\($0)'?" } ?? ""
          throw BenchOptionsError("unknown flag '\(argument)'\(hint) (flags: \(flags.joined(separator: ", ")))")
        }
        guard let section = Section(rawValue: argument) else {
          let names = Section.allCases.map(\.rawValue)
          let hint = nearest(to: argument, in: names).map { "; did you mean '\($0)'?" } ?? ""
          throw BenchOptionsError("unknown section '\(argument)'\(hint) (sections: \(names.joined(separator: ", ")))")
        }
        named.insert(section)
        i += 1
        continue
      }
      trainFlag = trainFlag ?? argument
      i += 1
    }
    sections = named.isEmpty ? Set(Section.allCases).subtracting([.gemm]) : named
    if let flag = trainFlag, !sections.contains(.train) {
      throw BenchOptionsError("\(flag) belongs to the train section: lrkit-bench train \(flag) …")
    }
    if profile, let t = threads, t != 1 {
      throw BenchOptionsError("--profile times one thread; --threads \(t) does not apply")
    }
    for text in shapeTexts {
      shapes.append(try Self.shape(text, shards: shards ?? GPTWorkspace.defaultShards))
    }
    func variable(_ name: String, in bounds: ClosedRange<Int>) throws(BenchOptionsError) -> Int? {
      guard let text = environment[name] else { return nil }
      guard let n = Int(text), bounds.contains(n) else {
        throw BenchOptionsError("\(name)='\(text)': expected a whole number in \(bounds.lowerBound)...\(bounds.upperBound)")
      }
      return n
    }
    evaluations = try variable("LRKIT_BENCH_EVALS", in: 1...(1 << 30)) ?? evaluations
    range = try variable("LRKIT_BENCH_RANGE", in: 1...(1 << 40)) ?? range
    if let text = environment["LRKIT_BENCH_FILTER"] {
      guard !text.isEmpty else { throw BenchOptionsError("LRKIT_BENCH_FILTER is set but empty") }
      filter = text
    }
  }

  /// `L,D,H,T,B[,pre|post]` as a model and batch, checked as `lrkit train` checks a run (the
  /// shape's own bounds, and the memory the run needs on this machine).
  static func shape(_ text: String, shards: Int) throws(BenchOptionsError) -> Shape {
    let parts = text.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
    let format = "expected L,D,H,T,B[,pre|post]: layers, width, heads, context and batch, whole numbers ≥ 1"
    guard parts.count == 5 || parts.count == 6 else { throw BenchOptionsError("--shape '\(text)': \(format)") }
    var numbers: [Int] = []
    for (part, name) in zip(parts, ["layers", "width", "heads", "context", "batch"]) {
      guard let n = Int(part), n >= 1 else {
        throw BenchOptionsError("--shape '\(text)': \(name) '\(part)': \(format)")
      }
      numbers.append(n)
    }
    var norm = GPTConfig.Norm.preLN
    if parts.count == 6 {
      switch parts[5] {
      case "pre": norm = .preLN
      case "post": norm = .postLN
      default: throw BenchOptionsError("--shape '\(text)': the norm '\(parts[5])' is neither pre nor post")
      }
    }
    var run = TrainConfig(task: .shakespeare)
    run.gpt = GPTConfig(vocabulary: 65, context: numbers[3], layers: numbers[0], channels: numbers[1],
                        heads: numbers[2], norm: norm)
    run.batchSize = numbers[4]
    run.shards = shards
    do {
      try run.validate()
    } catch {
      throw BenchOptionsError("--shape '\(text)': \(error)")
    }
    return Shape(label: text, config: run.gpt, batch: run.batchSize)
  }
}
