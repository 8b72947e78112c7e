// swift-tools-version: 6.1
import PackageDescription

let package = Package(
  name: "lrkit",
  products: [
    .library(name: "LRSchedules", targets: ["LRSchedules"]),
    .library(name: "LRSchedulesYAML", targets: ["LRSchedulesYAML"]),
    .library(name: "LRPlot", targets: ["LRPlot"]),
    .library(name: "LROptimizers", targets: ["LROptimizers"]),
    .library(name: "LRTraining", targets: ["LRTraining"]),
    .library(name: "LRDiagnostics", targets: ["LRDiagnostics"]),
    .library(name: "LRExperiments", targets: ["LRExperiments"]),
    .executable(name: "lrkit", targets: ["lrkit"]),
    .executable(name: "lrkit-bench", targets: ["lrkit-bench"]),
  ],
  traits: [
    .trait(
      name: "OpenBLAS",
      description: "The training engine's matrix products through the system OpenBLAS (cblas_sgemm, one thread per call) instead of LRKit's own kernel. Needs libopenblas-dev. Off by default."),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
    .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    // `swift package generate-documentation` (DocC catalogs); a plugin, nothing links it.
    .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
  ],
  targets: [
    // MARK: - Public API
    .target(name: "LRSchedules", dependencies: ["LRSupport"]),
    // YAML specs for library users, apart so that the core keeps no outside dependency.
    .target(
      name: "LRSchedulesYAML",
      dependencies: ["LRSchedules", "LRSupport", .product(name: "Yams", package: "Yams")]),
    .target(name: "LRPlot"),
    .target(name: "LROptimizers", dependencies: ["LRSchedules", "LRSupport", "COptimizerKernels"]),
    .target(name: "LRDiagnostics", dependencies: ["LRSchedules", "LRSupport", "CChecksum"]),
    .target(name: "LRExperiments", dependencies: ["LRTraining", "LRDiagnostics", "LRPlot", "LRSchedules", "LROptimizers", "LRSupport"]),
    .target(
      name: "LRTraining",
      dependencies: [
        "LROptimizers", "LRSchedules", "LRSupport", "CKernels",
        .target(name: "COpenBLAS", condition: .when(traits: ["OpenBLAS"])),
      ],
      resources: [.copy("Resources/digits.csv"), .copy("Resources/tinyshakespeare.txt")]),
    .target(
      name: "LRKitCLI",
      dependencies: [
        "LRSchedules", "LRSchedulesYAML", "LRPlot", "LROptimizers", "LRTraining", "LRDiagnostics",
        "LRExperiments", "LRSupport",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]),
    .executableTarget(name: "lrkit", dependencies: ["LRKitCLI"]),
    .executableTarget(
      name: "lrkit-bench", dependencies: ["LRSchedules", "LROptimizers", "LRTraining", "LRDiagnostics", "LRSupport", "CKernels"]),

    // MARK: - Implementation details
    // JSON values, strict readers' "did you mean": shared by the modules, not public API.
    .target(name: "LRSupport", dependencies: ["CChecksum"]),
    // C kernels, split so that each module links only what it uses: the training engine's
    // (GEMM, layers, attention), the optimizer's Adam, and the checksums of the log readers and zip archives (CRC-32C, CRC-32).
    .target(name: "CKernels"),
    .target(name: "COptimizerKernels"),
    .target(name: "CChecksum"),
    .systemLibrary(
      name: "COpenBLAS", path: "Sources/COpenBLAS", pkgConfig: "openblas",
      providers: [.apt(["libopenblas-dev"]), .brew(["openblas"])]),

    // MARK: - Tests (Swift Testing)
    .testTarget(
      name: "LRSchedulesTests",
      dependencies: [
        "LRSchedules", "LRSchedulesYAML", "LRSupport",
        .product(name: "PropertyBased", package: "swift-property-based"),
      ],
      resources: [.copy("Fixtures")]),
    .testTarget(
      name: "LROptimizersTests",
      dependencies: [
        "LROptimizers", "LRSchedules", "LRSupport",
        .product(name: "PropertyBased", package: "swift-property-based"),
      ],
      resources: [.copy("Fixtures")]),
    .testTarget(name: "LRTrainingTests", dependencies: ["LRTraining", "LROptimizers", "LRSchedules", "LRSupport", "CKernels"]),
    .testTarget(
      name: "LRDiagnosticsTests", dependencies: ["LRDiagnostics", "LRSchedules", "LRSupport"],
      resources: [.copy("Corpus")]),
    .testTarget(
      name: "LRExperimentsTests", dependencies: ["LRExperiments", "LRTraining", "LRPlot", "LRSchedules", "LRSupport"]),
    .testTarget(name: "LRPlotTests", dependencies: ["LRPlot"], exclude: ["Golden"]),
    .testTarget(name: "LRKitBenchTests", dependencies: ["lrkit-bench", "LRTraining"]),
    .testTarget(
      name: "LRKitCLITests",
      dependencies: [
        "LRKitCLI", "LRSchedules", "LROptimizers", "LRDiagnostics", "LRSupport",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ],
      // Injected into pages by BrowserTests (read from the source tree).
      exclude: ["Browser/check.js"]),
  ],
  swiftLanguageModes: [.v6]
)
