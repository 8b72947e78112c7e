import ArgumentParser
import Foundation
import LRSchedules
import Testing

@testable import LRKitCLI

/// The numbers the README shows are the numbers the commands print.
@Suite("README examples")
struct ReadmeTests {
  static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..")
  static let readme = (try? String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)) ?? ""

  /// Each `Examples/NAME` followed by a chart block: (NAME, the chart's title line).
  static var charts: [(example: String, title: String)] {
    var out: [(String, String)] = []
    let lines = readme.components(separatedBy: "\n")
    var example: String?
    for (i, line) in lines.enumerated() {
      if let r = line.range(of: #"`Examples/[A-Za-z0-9_.-]+`"#, options: .regularExpression) {
        example = String(line[r].dropFirst(10).dropLast())
      }
      if line == "```", i + 1 < lines.count, lines[i + 1].contains(" steps, peak "), let e = example {
        out.append((e, lines[i + 1]))
        example = nil
      }
    }
    return out
  }

  @Test("every chart title (length, peak, final) is what lrkit curve prints")
  func chartTitles() throws {
    let charts = Self.charts
    #expect(charts.count >= 5, "found \(charts.count) charts")
    for (example, title) in charts {
      let path = Self.root.appendingPathComponent("Examples/\(example)").path
      let (out, err) = lrkit(["curve", "--spec", path, "--format", "term"])
      #expect(err == nil, "\(example): \(err ?? "")")
      #expect(out.components(separatedBy: "\n").first == title, "\(example): README says '\(title)'")
    }
  }

  @Test("the lrkit steps example prints what the README shows")
  func stepsExample() throws {
    let (out, err) = lrkit(["steps", "--num-samples", "52002", "--per-device-train-batch-size", "4", "--world-size", "2",
                            "--gradient-accumulation-steps", "8", "--warmup-steps", "0.03"])
    #expect(err == nil)
    for line in ["batches per process per epoch  6501", "updates per epoch              813", "max_steps                      2439",
                 "warmup steps                   74", "epochs                         3", "total train batch size         64"] {
      #expect(Self.readme.contains(line), "README lost '\(line)'")
      #expect(out.contains(line), "lrkit steps does not print '\(line)':\n\(out)")
    }
  }

  @Test("the library example's values")
  func libraryExample() throws {
    #expect(Self.readme.contains("schedule(500)              // 3e-4"))
    let schedule = Warmup(CosineAnnealing<Double>(lr: 3e-4, floor: 3e-5, steps: 9500), steps: 500)
    #expect(schedule.value(at: 0) == 0)
    #expect(schedule(500) == 3e-4)
    let torch = try ScheduleSpec.decode(text: #"{"type": "torch.optim.lr_scheduler.StepLR", "lr": 0.1, "step_size": 30}"#)
    #expect(Self.readme.contains("torch.lr.value(at: 30)     // 0.010000000000000002, as PyTorch"))
    #expect(torch.lr.value(at: 30) == 0.010000000000000002)
  }
}

@Suite("Package hygiene")
struct PackageHygieneTests {
  @Test("lrkit --version prints LRKitVersion, which the CHANGELOG and the README snippet name")
  func version() throws {
    #expect(LRKitCommand.configuration.version == LRKitVersion.current)
    let changelog = try String(contentsOf: ReadmeTests.root.appendingPathComponent("CHANGELOG.md"), encoding: .utf8)
    #expect(changelog.contains("## [\(LRKitVersion.current)]"))
    #expect(ReadmeTests.readme.contains("from: \"\(LRKitVersion.current)\""))
    #expect(FileManager.default.fileExists(atPath: ReadmeTests.root.appendingPathComponent("LICENSE").path))
  }

  @Test("completion scripts cover every visible subcommand")
  func completions() throws {
    for shell in [CompletionShell.bash, .zsh, .fish] {
      let script = LRKitCommand.completionScript(for: shell)
      for sub in ["curve", "steps", "train", "diagnose", "report", "types"] {
        #expect(script.contains(sub), "\(shell) completion lacks \(sub)")
      }
    }
  }

  @Test("the README never points outside the repository")
  func selfContained() {
    #expect(!ReadmeTests.readme.contains("../shared"))
    #expect(!ReadmeTests.readme.contains("DESIGN.md"))
  }
}

@Suite("lrkit types")
struct TypesCommandTests {
  @Test("without TYPE: every type, one per line")
  func all() {
    let (out, err) = lrkit(["types"])
    #expect(err == nil)
    let lines = out.split(separator: "\n").map(String.init)
    #expect(lines == ScheduleSpec.knownTypes)
    #expect(lines.contains("torch.optim.lr_scheduler.OneCycleLR") && lines.contains("wsd"))
  }

  @Test("with TYPE: the parameters the decoder reads, required or with their defaults")
  func one() {
    let (torch, _) = lrkit(["types", "torch.optim.lr_scheduler.StepLR"])
    #expect(torch.contains("step_size") && torch.contains("required"), "\(torch)")
    #expect(torch.contains("gamma") && torch.contains("default 0.1"), "\(torch)")
    let (hf, _) = lrkit(["types", "transformers.get_linear_schedule_with_warmup"])
    #expect(hf.contains("num_warmup_steps") && hf.contains("num_training_steps"), "\(hf)")
    let (native, _) = lrkit(["types", "cosine"])
    #expect(native.contains("half_waves") && native.contains("floor_ratio") && native.contains("warmup"), "\(native)")
    // A factory lists its own arguments, not those of the class it builds.
    let (factory, _) = lrkit(["types", "timm.scheduler.create_scheduler_v2"])
    #expect(factory.contains("num_epochs") && factory.contains("default 300") && !factory.contains("t_initial"), "\(factory)")
    let (_, err) = lrkit(["types", "cosin"])
    #expect(err?.contains("did you mean 'cosine'") == true)
  }

  @Test("every type's parameters can be listed")
  func everyType() {
    for type in ScheduleSpec.knownTypes {
      let (out, err) = lrkit(["types", type])
      #expect(err == nil, "\(type): \(err ?? "")")
      #expect(out.split(separator: "\n").count >= 2, "\(type): \(out)")
    }
  }
}
