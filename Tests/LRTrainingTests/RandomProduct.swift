import LRTraining

/// A random matrix product `C (+)= op(A) · op(B)` for the GEMM bit tests: padded strides, a
/// random `transB` and `accumulate`, and `A` mixing large and small magnitudes, so that a
/// different order of summation or rounding would show.
struct RandomProduct: CustomStringConvertible {
  let m, n, k: Int
  let transA, transB, accumulate: Bool
  let lda, ldb, ldc: Int
  let a, b, c0: [Float]

  init(m: Int, n: Int, k: Int, transA: Bool, rng: inout SplitMix64) {
    func draw(_ lo: Int, _ hi: Int) -> Int { lo + Int(rng.next() % UInt64(hi - lo + 1)) }
    (self.m, self.n, self.k, self.transA) = (m, n, k, transA)
    transB = rng.next() % 2 == 0
    accumulate = rng.next() % 2 == 0
    lda = (transA ? m : k) + draw(0, 3)
    ldb = (transB ? k : n) + draw(0, 3)
    ldc = n + draw(0, 3)
    var values: [Float] = []
    for _ in 0..<((transA ? k : m) * lda) { values.append(rng.normal() * Float(draw(0, 1) == 0 ? 1e-3 : 50)) }
    a = values
    b = (0..<((transB ? n : k) * ldb)).map { _ in rng.normal() }
    c0 = (0..<(m * ldc)).map { _ in rng.normal() }
  }

  /// The bits of `C` after `GEMM.multiply` from `c0`, with the kernel switches as they are now.
  func run(threads: Int = 1) -> [UInt32] { multiply(bias: nil, sums: nil, threads: threads).c }

  /// The bits of `C` and of a bias's sums after `GEMM.multiply` with its fused epilogues: `bias`
  /// added to every row of `C`, `op(B)`'s columns added into `sums`.
  func runFused(bias: [Float], sums: [Float], threads: Int = 1) -> (c: [UInt32], sums: [UInt32]) {
    multiply(bias: bias, sums: sums, threads: threads)
  }

  /// `GEMM.multiply` from `c0`, with the bias and the sums only when given.
  private func multiply(bias: [Float]?, sums: [Float]?, threads: Int) -> (c: [UInt32], sums: [UInt32]) {
    var c = c0
    var s = sums ?? []
    a.withUnsafeBufferPointer { ap in
      b.withUnsafeBufferPointer { bp in
        c.withUnsafeMutableBufferPointer { cp in
          (bias ?? []).withUnsafeBufferPointer { biasp in
            s.withUnsafeMutableBufferPointer { sp in
              GEMM.multiply(ap.baseAddress!, transA: transA, lda: lda, bp.baseAddress!, transB: transB, ldb: ldb,
                            into: cp.baseAddress!, ldc: ldc, m: m, n: n, k: k, accumulate: accumulate,
                            bias: bias == nil ? nil : biasp.baseAddress, biasSum: sums == nil ? nil : sp.baseAddress,
                            threads: threads)
            }
          }
        }
      }
    }
    return (c.map(\.bitPattern), s.map(\.bitPattern))
  }

  /// What ``runFused(bias:sums:threads:)`` stands for, as separate passes: the product, then
  /// `C[i][j] += bias[j]` row by row, then `sums[j] += op(B)[kk][j]` in increasing `kk`.
  func runSeparate(bias: [Float], sums: [Float], threads: Int = 1) -> (c: [UInt32], sums: [UInt32]) {
    var c = run(threads: threads).map(Float.init(bitPattern:))
    for i in 0..<m {
      for j in 0..<n { c[i * ldc + j] += bias[j] }
    }
    var s = sums
    for kk in 0..<k {
      for j in 0..<n { s[j] += transB ? b[j * ldb + kk] : b[kk * ldb + j] }
    }
    return (c.map(\.bitPattern), s.map(\.bitPattern))
  }

  /// The kernels' contract, spelled out: per element, acc = fma(a, b, acc) from 0 over each
  /// block of 256 k in increasing order, then C = acc (first block, not accumulating) or C + acc.
  func fmaChains() -> [UInt32] {
    var expected = c0
    for i in 0..<m {
      for j in 0..<n {
        var value = c0[i * ldc + j]
        for k0 in stride(from: 0, to: k, by: 256) {
          var acc: Float = 0
          for kk in k0..<min(k, k0 + 256) {
            let x = transA ? a[kk * lda + i] : a[i * lda + kk]
            let y = transB ? b[j * ldb + kk] : b[kk * ldb + j]
            acc = acc.addingProduct(x, y)
          }
          value = k0 == 0 && !accumulate ? acc : value + acc
        }
        expected[i * ldc + j] = value
      }
    }
    return expected.map(\.bitPattern)
  }

  var description: String {
    "m \(m) n \(n) k \(k) transA \(transA) transB \(transB) accumulate \(accumulate)"
  }
}
