// Single-precision matrix multiply for the training engine: B packed into 16-column panels,
// A packed into 6-row panels, a 6 × 16 register-blocked micro-kernel (AVX2 + FMA when the CPU
// has it, chosen at run time; a portable loop otherwise). Row ranges let the caller split the
// work across threads.
#include "lrkit_kernels.h"
#include <stdlib.h>
#include <string.h>

#define MR 6
#define NR 16

size_t lrkit_sgemm_packed_size(size_t k, size_t n) { return ((n + NR - 1) / NR) * NR * k; }

void lrkit_sgemm_pack_b(int trans_b, size_t k, size_t n, const float *b, size_t ldb,
                        float *packed) {
  size_t panels = (n + NR - 1) / NR;
  for (size_t p = 0; p < panels; p++) {
    float *dst = packed + p * NR * k;
    size_t j0 = p * NR;
    size_t width = n - j0 < NR ? n - j0 : NR;
    for (size_t kk = 0; kk < k; kk++) {
      float *row = dst + kk * NR;
      if (!trans_b) {
        const float *src = b + kk * ldb + j0;
        size_t j = 0;
        for (; j < width; j++) row[j] = src[j];
        for (; j < NR; j++) row[j] = 0;
      } else {
        size_t j = 0;
        for (; j < width; j++) row[j] = b[(j0 + j) * ldb + kk];
        for (; j < NR; j++) row[j] = 0;
      }
    }
  }
}

// Packs MR rows of op(A) starting at row i0 (k-major: for each kk, MR values), zero padded.
static void pack_a(int trans_a, size_t k, const float *a, size_t lda, size_t i0, size_t rows,
                   float *dst) {
  for (size_t kk = 0; kk < k; kk++) {
    float *col = dst + kk * MR;
    size_t r = 0;
    if (!trans_a) {
      for (; r < rows; r++) col[r] = a[(i0 + r) * lda + kk];
    } else {
      const float *src = a + kk * lda + i0;
      for (; r < rows; r++) col[r] = src[r];
    }
    for (; r < MR; r++) col[r] = 0;
  }
}

static void kernel_portable(size_t k, const float *pa, const float *pb, float *tile) {
  float acc[MR][NR];
  memset(acc, 0, sizeof acc);
  for (size_t kk = 0; kk < k; kk++) {
    const float *bk = pb + kk * NR;
    const float *ak = pa + kk * MR;
    for (int r = 0; r < MR; r++) {
      float av = ak[r];
      for (int j = 0; j < NR; j++) acc[r][j] += av * bk[j];
    }
  }
  memcpy(tile, acc, sizeof acc);
}

#if defined(__x86_64__) && defined(__clang__)
#include <immintrin.h>

__attribute__((target("avx2,fma"))) static void kernel_avx2(size_t k, const float *pa,
                                                            const float *pb, float *tile) {
  __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps();
  __m256 c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps();
  __m256 c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps();
  __m256 c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps();
  __m256 c40 = _mm256_setzero_ps(), c41 = _mm256_setzero_ps();
  __m256 c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps();
  for (size_t kk = 0; kk < k; kk++) {
    __m256 b0 = _mm256_loadu_ps(pb + kk * NR);
    __m256 b1 = _mm256_loadu_ps(pb + kk * NR + 8);
    const float *ak = pa + kk * MR;
    __m256 a;
    a = _mm256_broadcast_ss(ak + 0); c00 = _mm256_fmadd_ps(a, b0, c00); c01 = _mm256_fmadd_ps(a, b1, c01);
    a = _mm256_broadcast_ss(ak + 1); c10 = _mm256_fmadd_ps(a, b0, c10); c11 = _mm256_fmadd_ps(a, b1, c11);
    a = _mm256_broadcast_ss(ak + 2); c20 = _mm256_fmadd_ps(a, b0, c20); c21 = _mm256_fmadd_ps(a, b1, c21);
    a = _mm256_broadcast_ss(ak + 3); c30 = _mm256_fmadd_ps(a, b0, c30); c31 = _mm256_fmadd_ps(a, b1, c31);
    a = _mm256_broadcast_ss(ak + 4); c40 = _mm256_fmadd_ps(a, b0, c40); c41 = _mm256_fmadd_ps(a, b1, c41);
    a = _mm256_broadcast_ss(ak + 5); c50 = _mm256_fmadd_ps(a, b0, c50); c51 = _mm256_fmadd_ps(a, b1, c51);
  }
  _mm256_storeu_ps(tile + 0 * NR, c00); _mm256_storeu_ps(tile + 0 * NR + 8, c01);
  _mm256_storeu_ps(tile + 1 * NR, c10); _mm256_storeu_ps(tile + 1 * NR + 8, c11);
  _mm256_storeu_ps(tile + 2 * NR, c20); _mm256_storeu_ps(tile + 2 * NR + 8, c21);
  _mm256_storeu_ps(tile + 3 * NR, c30); _mm256_storeu_ps(tile + 3 * NR + 8, c31);
  _mm256_storeu_ps(tile + 4 * NR, c40); _mm256_storeu_ps(tile + 4 * NR + 8, c41);
  _mm256_storeu_ps(tile + 5 * NR, c50); _mm256_storeu_ps(tile + 5 * NR + 8, c51);
}

static int has_avx2_fma(void) {
  static int cached = -1;
  if (cached < 0) {
    __builtin_cpu_init();
    cached = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  }
  return cached;
}
#else
static int has_avx2_fma(void) { return 0; }
#endif

void lrkit_sgemm_rows(int trans_a, size_t m, size_t n, size_t k, const float *a, size_t lda,
                      const float *packed_b, float beta, float *c, size_t ldc, size_t row_begin,
                      size_t row_end) {
  (void)m;
  if (row_end <= row_begin || n == 0) return;
  if (k == 0) {
    if (beta == 0) {
      for (size_t i = row_begin; i < row_end; i++) memset(c + i * ldc, 0, n * sizeof(float));
    }
    return;
  }
  float *pa = aligned_alloc(64, ((k * MR * sizeof(float) + 63) / 64) * 64);
  float tile[MR * NR] __attribute__((aligned(32)));
  int fast = has_avx2_fma();
  size_t panels = (n + NR - 1) / NR;
  for (size_t i0 = row_begin; i0 < row_end; i0 += MR) {
    size_t rows = row_end - i0 < MR ? row_end - i0 : MR;
    pack_a(trans_a, k, a, lda, i0, rows, pa);
    for (size_t p = 0; p < panels; p++) {
      const float *pb = packed_b + p * NR * k;
#if defined(__x86_64__) && defined(__clang__)
      if (fast) kernel_avx2(k, pa, pb, tile); else kernel_portable(k, pa, pb, tile);
#else
      (void)fast;
      kernel_portable(k, pa, pb, tile);
#endif
      size_t j0 = p * NR;
      size_t width = n - j0 < NR ? n - j0 : NR;
      for (size_t r = 0; r < rows; r++) {
        float *dst = c + (i0 + r) * ldc + j0;
        const float *src = tile + r * NR;
        if (beta == 0) {
          for (size_t j = 0; j < width; j++) dst[j] = src[j];
        } else {
          for (size_t j = 0; j < width; j++) dst[j] += src[j];
        }
      }
    }
  }
  free(pa);
}
