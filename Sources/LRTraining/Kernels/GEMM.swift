import CKernels
import Dispatch

/// Single-precision matrix multiply, row-major: `C = op(A) · op(B)` (or `C += …`), on several
/// threads. The micro-kernel is a 6 × 16 AVX2/FMA block in C chosen at run time (a portable
/// loop elsewhere); every output element is accumulated over `k` in the same order whatever
/// the thread split, so results do not depend on the number of threads.
public enum GEMM {
  /// Threads for large products.
  nonisolated(unsafe) public static var threads = 2

  /// `C[m×n] (+)= op(A)[m×k] · op(B)[k×n]`; `lda`, `ldb`, `ldc` are the row strides of the
  /// stored matrices (`A` is stored k×m when `transA`, `B` is stored n×k when `transB`).
  public static func multiply(
    _ a: UnsafePointer<Float>, transA: Bool = false, lda: Int,
    _ b: UnsafePointer<Float>, transB: Bool = false, ldb: Int,
    into c: UnsafeMutablePointer<Float>, ldc: Int, m: Int, n: Int, k: Int, accumulate: Bool = false
  ) {
    guard m > 0, n > 0 else { return }
    let size = lrkit_sgemm_packed_size(k, n)
    let packed = UnsafeMutablePointer<Float>.allocate(capacity: max(size, 1))
    defer { packed.deallocate() }
    lrkit_sgemm_pack_b(transB ? 1 : 0, k, n, b, ldb, packed)
    let work = m * n * k
    let chunks = work >= 1 << 17 ? max(1, min(threads, m / 6)) : 1
    let beta: Float = accumulate ? 1 : 0
    let args = Args(a: a, b: UnsafePointer(packed), c: c)
    if chunks <= 1 {
      lrkit_sgemm_rows(transA ? 1 : 0, m, n, k, a, lda, packed, beta, c, ldc, 0, m)
      return
    }
    DispatchQueue.concurrentPerform(iterations: chunks) { i in
      // Row blocks on multiples of 6 keep the micro-kernel's tiles whole.
      let lo = (m * i / chunks) / 6 * 6
      let hi = i == chunks - 1 ? m : (m * (i + 1) / chunks) / 6 * 6
      lrkit_sgemm_rows(transA ? 1 : 0, m, n, k, args.a, lda, args.b, beta, args.c, ldc, lo, hi)
    }
  }

  struct Args: @unchecked Sendable {
    let a: UnsafePointer<Float>
    let b: UnsafePointer<Float>
    let c: UnsafeMutablePointer<Float>
  }
}
