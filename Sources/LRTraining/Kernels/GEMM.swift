import Foundation
import CKernels
import Dispatch

#if OpenBLAS
  import COpenBLAS

  /// OpenBLAS runs one thread per call: LRKit splits the work itself (shards, row blocks).
  private let openBLASSingleThreaded: Void = openblas_set_num_threads(1)
#endif

/// Single-precision matrix multiply, row-major: `C = op(A) · op(B)` (or `C += …`), on one or
/// more threads. The micro-kernel is a 6 × 32 AVX-512 block (two 16-column panels, 6 × 16 for a
/// last single panel) where the CPU has AVX-512F, a 6 × 16 AVX2/FMA block where it has AVX2, all
/// in C and chosen at run time, and a portable loop elsewhere. The AVX-512 and AVX2 kernels give
/// the same bits; every output element is accumulated over `k` in the same order whatever the
/// thread split or the column blocks, so results do not depend on the number of threads. With the
/// package trait `OpenBLAS`, each product is one single-threaded `cblas_sgemm` call instead
/// (OpenBLAS may round differently when the rows are cut; the attention's per-head products
/// stay on LRKit's kernel).
public enum GEMM {
  /// The implementation in use: "openblas" with the trait, otherwise "lrkit-avx512",
  /// "lrkit-avx2" or "lrkit-portable".
  public static var backend: String {
    #if OpenBLAS
      return "openblas"
    #else
      if lrkit_gemm_uses_avx512() != 0 { return "lrkit-avx512" }
      return lrkit_has_avx2_fma() != 0 ? "lrkit-avx2" : "lrkit-portable"
    #endif
  }

  /// Whether LRKit's products run the AVX-512 micro-kernel (the CPU has AVX-512F and
  /// `LRKIT_ISA` is not `avx2` or `portable`). Setting it to false falls back to the AVX2
  /// kernel, with the same bits, for comparisons; setting it to true cannot add what the CPU
  /// lacks.
  public static var usesAVX512: Bool {
    get { lrkit_gemm_uses_avx512() != 0 }
    set { lrkit_gemm_allow_avx512(newValue ? 1 : 0) }
  }

  /// The most columns of `op(B)` packed at once, or nil for the default: as many as fit half of
  /// the core's L2 at the block's depth (256 rows of `k`), so that the block stays in L2 while
  /// every row block of `A` runs over it. Rounded down to a multiple of 32 (at least 32); the
  /// columns are split into equal blocks under it. The bits never depend on it (tested).
  public static var columnBlockLimit: Int? {
    get {
      let limit = lrkit_gemm_column_limit()
      return limit == 0 ? nil : Int(limit)
    }
    set { lrkit_gemm_set_column_limit(newValue.map { max(1, $0) } ?? 0) }
  }

  /// Threads the training engine may use (matrix products, and the batch shards of the GPT):
  /// the machine's active cores. Results never depend on it.
  nonisolated(unsafe) public static var threads = max(1, ProcessInfo.processInfo.activeProcessorCount)

  /// `C[m×n] (+)= op(A)[m×k] · op(B)[k×n]`; `lda`, `ldb`, `ldc` are the row strides of the
  /// stored matrices (`A` is stored k×m when `transA`, `B` is stored n×k when `transB`).
  ///
  /// Two epilogues of a linear layer ride along, with the bits of the separate passes:
  /// - `bias`: added to every row of `C` after the product, in its last stores:
  ///   ```
  ///   C[i][j] = (Σ_kk op(A)[i][kk] · op(B)[kk][j]  [+ C[i][j]]) + bias[j]
  ///   ```
  ///   the bits of the product followed by ``Kernels/addBias(_:_:rows:cols:)``.
  /// - `biasSum`: `biasSum[j] += Σ_kk op(B)[kk][j]` in increasing `kk`, taken while `B` is packed:
  ///   the bits of ``Kernels/biasBackward(_:_:rows:cols:)`` over `op(B)` (a bias's gradient when
  ///   `B` is `dy`).
  public static func multiply(
    _ a: UnsafePointer<Float>, transA: Bool = false, lda: Int,
    _ b: UnsafePointer<Float>, transB: Bool = false, ldb: Int,
    into c: UnsafeMutablePointer<Float>, ldc: Int, m: Int, n: Int, k: Int, accumulate: Bool = false,
    bias: UnsafePointer<Float>? = nil, biasSum: UnsafeMutablePointer<Float>? = nil,
    threads: Int = GEMM.threads
  ) {
    guard n > 0 else { return }
    let ta: Int32 = transA ? 1 : 0
    let tb: Int32 = transB ? 1 : 0
    let acc: Int32 = accumulate ? 1 : 0
    guard m > 0 else {  // no rows of C, but op(B) still has its sums
      if let biasSum { rows(ta, tb, m, n, k, a, lda, b, ldb, acc, c, ldc, 0, 0, nil, biasSum) }
      return
    }
    #if OpenBLAS
      // OpenBLAS's result can depend on how the rows are cut: one call, one thread.
      rows(ta, tb, m, n, k, a, lda, b, ldb, acc, c, ldc, 0, m, bias, biasSum)
    #else
      let chunks = m * n * k >= 1 << 18 ? max(1, min(threads, m / 24)) : 1
      if chunks <= 1 {
        rows(ta, tb, m, n, k, a, lda, b, ldb, acc, c, ldc, 0, m, bias, biasSum)
        return
      }
      let args = Args(a: a, b: b, c: c, bias: bias, biasSum: biasSum)
      DispatchQueue.concurrentPerform(iterations: chunks) { i in
        // Row blocks on multiples of 6 keep the micro-kernel's tiles whole. The sums of op(B)
        // cover all of it, so one chunk takes them.
        let lo = (m * i / chunks) / 6 * 6
        let hi = i == chunks - 1 ? m : (m * (i + 1) / chunks) / 6 * 6
        rows(ta, tb, m, n, k, args.a, lda, args.b, ldb, acc, args.c, ldc, lo, hi, args.bias,
             i == 0 ? args.biasSum : nil)
      }
    #endif
  }

  /// Rows `lo..<hi` of the product (and, when given, all of `biasSum`), on the calling thread.
  @inline(__always)
  static func rows(_ ta: Int32, _ tb: Int32, _ m: Int, _ n: Int, _ k: Int, _ a: UnsafePointer<Float>, _ lda: Int,
                   _ b: UnsafePointer<Float>, _ ldb: Int, _ acc: Int32, _ c: UnsafeMutablePointer<Float>, _ ldc: Int,
                   _ lo: Int, _ hi: Int, _ bias: UnsafePointer<Float>? = nil,
                   _ biasSum: UnsafeMutablePointer<Float>? = nil) {
    #if OpenBLAS
      _ = openBLASSingleThreaded
      // The sums of op(B) over no rows of C: the C kernel's own loop, in Kernels.biasBackward's order.
      if let biasSum { lrkit_sgemm_rows_bias(ta, tb, m, n, k, a, lda, b, ldb, acc, c, ldc, 0, 0, nil, biasSum) }
      guard hi > lo else { return }
      if k > 0 {  // BLAS refuses a leading dimension of 0
        let aStart = ta != 0 ? a + lo : a + lo * lda
        cblas_sgemm(CblasRowMajor, ta != 0 ? CblasTrans : CblasNoTrans, tb != 0 ? CblasTrans : CblasNoTrans,
                    Int32(hi - lo), Int32(n), Int32(k), 1, aStart, Int32(lda), b, Int32(ldb), acc != 0 ? 1 : 0,
                    c + lo * ldc, Int32(ldc))
      } else {
        lrkit_sgemm_rows(ta, tb, m, n, k, a, lda, b, ldb, acc, c, ldc, lo, hi)
      }
      // The bias after the product, as Kernels.addBias: the C kernel's k = 0 product, C = (0 + C) + bias.
      if let bias { lrkit_sgemm_rows_bias(ta, tb, m, n, 0, a, lda, b, ldb, 1, c, ldc, lo, hi, bias, nil) }
    #else
      lrkit_sgemm_rows_bias(ta, tb, m, n, k, a, lda, b, ldb, acc, c, ldc, lo, hi, bias, biasSum)
    #endif
  }

  struct Args: @unchecked Sendable {
    let a: UnsafePointer<Float>
    let b: UnsafePointer<Float>
    let c: UnsafeMutablePointer<Float>
    let bias: UnsafePointer<Float>?
    let biasSum: UnsafeMutablePointer<Float>?
  }
}
