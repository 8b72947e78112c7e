import Foundation

/// The UCI handwritten digits (8 × 8 images, 1797 examples, 10 classes) as shipped by
/// scikit-learn: a stratified, seeded 1437/360 train/validation split, standardised with the
/// training set's per-pixel mean and standard deviation.
public struct Digits: Sendable {
  /// Training features (rows × 64) and labels.
  public let trainX: [Float], trainY: [Int32]
  /// Validation features (rows × 64) and labels.
  public let validX: [Float], validY: [Int32]
  /// Features per example.
  public static let features = 64
  /// Classes.
  public static let classes = 10

  /// Training examples.
  public var trainCount: Int { trainY.count }
  /// Validation examples.
  public var validCount: Int { validY.count }

  /// Loads the shipped CSV (or `csv` text) and splits it with `seed`.
  public init(seed: UInt64 = 0, csv: String? = nil) throws(TrainingError) {
    let text = if let csv { csv } else { try bundledText("digits", "csv") }
    var rows: [[Float]] = []
    var labels: [Int32] = []
    for (n, line) in text.split(whereSeparator: \.isNewline).enumerated() {
      let fields = line.split(separator: ",")
      guard fields.count == Self.features + 1 else {
        throw .invalidData(file: "digits.csv", reason: "line \(n + 1) has \(fields.count) fields, expected 65")
      }
      var row: [Float] = []
      row.reserveCapacity(Self.features)
      for f in fields.prefix(Self.features) {
        guard let v = Float(f.trimmingCharacters(in: .whitespaces)), v.isFinite else {
          throw .invalidData(file: "digits.csv", reason: "line \(n + 1): '\(f)' is not a number")
        }
        row.append(v)
      }
      guard let label = Int32(fields[Self.features].trimmingCharacters(in: .whitespaces)),
        (0..<Int32(Self.classes)).contains(label)
      else { throw .invalidData(file: "digits.csv", reason: "line \(n + 1): bad label") }
      rows.append(row)
      labels.append(label)
    }
    guard !rows.isEmpty else { throw .invalidData(file: "digits.csv", reason: "no rows") }
    // Stratified split: ⌈20 %⌉ of the examples to validation (360 of 1797), shared among the
    // classes in proportion (largest remainders), members chosen with the seed.
    var rng = SplitMix64(seed: seed ^ 0xD161_75)
    var trainIdx: [Int] = []
    var validIdx: [Int] = []
    let members = (0..<Int32(Self.classes)).map { c in labels.indices.filter { labels[$0] == c } }
    let target = Int((Double(labels.count) * 0.2).rounded(.up))
    var quota = members.map { Int(Double($0.count) * 0.2) }
    let byRemainder = members.indices.sorted {
      let a = Double(members[$0].count) * 0.2 - Double(quota[$0])
      let b = Double(members[$1].count) * 0.2 - Double(quota[$1])
      return a != b ? a > b : $0 < $1
    }
    for c in byRemainder.prefix(max(0, target - quota.reduce(0, +))) { quota[c] += 1 }
    for (c, var m) in members.enumerated() {
      m.shuffle(using: &rng)
      validIdx += m.prefix(quota[c])
      trainIdx += m.dropFirst(quota[c])
    }
    trainIdx.shuffle(using: &rng)
    validIdx.sort()
    // Standardise with the training statistics.
    var mean = [Double](repeating: 0, count: Self.features)
    var sq = [Double](repeating: 0, count: Self.features)
    for i in trainIdx {
      for j in 0..<Self.features {
        mean[j] += Double(rows[i][j])
        sq[j] += Double(rows[i][j]) * Double(rows[i][j])
      }
    }
    let n = Double(trainIdx.count)
    let std = (0..<Self.features).map { j -> Double in
      mean[j] /= n
      let v = sq[j] / n - mean[j] * mean[j]
      return v > 1e-12 ? v.squareRoot() : 1
    }
    func features(_ idx: [Int]) -> [Float] {
      idx.flatMap { i in (0..<Self.features).map { j in Float((Double(rows[i][j]) - mean[j]) / std[j]) } }
    }
    trainX = features(trainIdx)
    trainY = trainIdx.map { labels[$0] }
    validX = features(validIdx)
    validY = validIdx.map { labels[$0] }
  }
}
