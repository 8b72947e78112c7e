/// `base · gamma^n` for the whole exponents a step decay reaches, computed once.
///
/// ```
/// value(n) = base * pow(gamma, n)
/// ```
///
/// PyTorch's `StepLR`/`MultiStepLR` closed forms and timm's step classes raise the decay rate
/// to the number of decays passed; `pow` is most of such an evaluation (15–22 ns here). The
/// first levels are the same expression evaluated when the schedule is built, so a lookup
/// gives the same bits; exponents outside the table still call `pow`.
struct GeometricLevels: Sendable {
  let base: Double
  let gamma: Double
  let levels: [Double]

  /// The levels `n` in `0 ..< count`.
  init(base: Double, gamma: Double, count: Int) {
    self.base = base
    self.gamma = gamma
    levels = (0..<max(count, 0)).map { base * Double.pow(gamma, Double($0)) }
  }

  /// `base · gamma^n`, from the table where `n` is in it.
  @inline(__always) func value(_ n: Int) -> Double {
    n >= 0 && n < levels.count ? levels[n] : base * Double.pow(gamma, Double(integer: n))
  }
}
