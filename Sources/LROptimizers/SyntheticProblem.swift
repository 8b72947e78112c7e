import LRSchedules

/// A small deterministic optimization problem — gradients of a quadratic plus seeded noise,
/// two parameter groups, gradient clipping and a reported metric — used to check that saving
/// and restoring a ``ScheduledOptimizer`` continues bit for bit, in one process or across two
/// (`lrkit resume-check`).
public enum SyntheticProblem {
  /// Number of parameters.
  public static let count = 1000

  /// The gradient at `parameters` for update `step`.
  public static func gradients(_ parameters: [Float], step: Int) -> [Float] {
    var state = UInt64(step) &* 0x9E37_79B9_7F4A_7C15 &+ 12345
    return parameters.enumerated().map { i, x in
      state = state &* 6364136223846793005 &+ 1442695040888963407
      let noise = Float(Int64(bitPattern: state >> 11) % 1000) / 1000
      return 0.5 * x - Float(i % 7) * 0.1 + noise * 0.01
    }
  }

  /// The starting parameters.
  public static func initialParameters() -> [Float] { (0..<count).map { Float($0 % 13) / 13 - 0.5 } }

  /// The problem's optimizer: `configuration` with a decay group and a no-decay group.
  public static func optimizer(_ configuration: OptimizerConfiguration, spec: String) throws
    -> ScheduledOptimizer
  {
    let groups = [
      ParameterGroup(name: "decay", ranges: [0..<800], weightDecay: 0.05),
      ParameterGroup(name: "no_decay", ranges: [800..<1000], lrScale: 0.5, weightDecay: 0),
    ]
    return try ScheduledOptimizer(configuration, parameterCount: count,
                                  schedule: try ScheduleSpec.decode(text: spec), groups: groups)
  }

  /// The configuration `lrkit resume-check` uses: AdamW (0.9, 0.95) under warmup then plateau.
  public static func standardOptimizer() throws -> ScheduledOptimizer {
    try optimizer(.adam(.adamw, betas: (0.9, 0.95), weightDecay: 0.1),
                  spec: #"{"type":"plateau","lr":0.01,"warmup":10,"patience":3,"factor":0.5}"#)
  }

  /// Runs `steps` updates, reporting the rounded squared norm as the metric after each.
  public static func run(_ optimizer: inout ScheduledOptimizer, _ parameters: inout [Float],
                         steps: Int) throws {
    for _ in 0..<steps {
      var g = gradients(parameters, step: optimizer.step)
      _ = try optimizer.update(parameters: &parameters, gradients: &g, clipNorm: 5)
      let loss = parameters.reduce(0) { $0 + Double($1 * $1) }
      optimizer.report(metric: (loss * 1000).rounded() / 1000)
    }
  }
}
