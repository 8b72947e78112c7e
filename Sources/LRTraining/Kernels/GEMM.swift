import CKernels
import Dispatch

/// Single-precision matrix multiply, row-major: `C = op(A) · op(B)` (or `C += …`), on one or
/// more threads. The micro-kernel is a 6 × 16 AVX2/FMA block in C chosen at run time (a
/// portable loop elsewhere); every output element is accumulated over `k` in the same order
/// whatever the thread split, so results do not depend on the number of threads.
public enum GEMM {
  /// Threads the training engine may use (matrix products, and the two batch shards of the GPT).
  nonisolated(unsafe) public static var threads = 2

  /// `C[m×n] (+)= op(A)[m×k] · op(B)[k×n]`; `lda`, `ldb`, `ldc` are the row strides of the
  /// stored matrices (`A` is stored k×m when `transA`, `B` is stored n×k when `transB`).
  public static func multiply(
    _ a: UnsafePointer<Float>, transA: Bool = false, lda: Int,
    _ b: UnsafePointer<Float>, transB: Bool = false, ldb: Int,
    into c: UnsafeMutablePointer<Float>, ldc: Int, m: Int, n: Int, k: Int, accumulate: Bool = false,
    threads: Int = GEMM.threads
  ) {
    guard m > 0, n > 0 else { return }
    let ta: Int32 = transA ? 1 : 0
    let tb: Int32 = transB ? 1 : 0
    let acc: Int32 = accumulate ? 1 : 0
    let chunks = m * n * k >= 1 << 18 ? max(1, min(threads, m / 24)) : 1
    if chunks <= 1 {
      lrkit_sgemm(ta, tb, m, n, k, a, lda, b, ldb, acc, c, ldc)
      return
    }
    let args = Args(a: a, b: b, c: c)
    DispatchQueue.concurrentPerform(iterations: chunks) { i in
      // Row blocks on multiples of 6 keep the micro-kernel's tiles whole.
      let lo = (m * i / chunks) / 6 * 6
      let hi = i == chunks - 1 ? m : (m * (i + 1) / chunks) / 6 * 6
      lrkit_sgemm_rows(ta, tb, m, n, k, args.a, lda, args.b, ldb, acc, args.c, ldc, lo, hi)
    }
  }

  struct Args: @unchecked Sendable {
    let a: UnsafePointer<Float>
    let b: UnsafePointer<Float>
    let c: UnsafeMutablePointer<Float>
  }
}
