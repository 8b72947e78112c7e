// Single-precision matrix multiply for the training engine (Goto's scheme, small): op(B) is
// packed in blocks of KC rows into 16-column panels, op(A) into 6-row panels, and a 6 × 16
// register-blocked micro-kernel (AVX2 + FMA when the CPU has it, chosen at run time; a
// portable loop otherwise) writes each tile of C straight from its registers. With AVX-512F a
// 6 × 32 kernel takes two panels at once, and a 6 × 16 one a single panel, with the same FMA chain
// per element (same bits). Packing buffers
// are per thread and reused. Columns are taken in blocks whose packed B fits half of the
// core's L2. Row ranges let the caller split the work across threads; every element of C is
// accumulated over k in the same order whatever the split or the column blocks. A linear layer's
// bias rides in the last stores, and its gradient (B's column sums) in B's packing, with the
// bits of the separate passes.
#include "lrkit_kernels.h"
#include "gemm_internal.h"
#include "scratch.h"
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MR LRKIT_MR
#define NR LRKIT_NR
#define KC LRKIT_KC

#if defined(__x86_64__) && defined(__clang__)
static void transpose8_avx2(const float *src, size_t ld, float *dst);
#endif

// Packs rows [k0, k0 + kc) of op(B) = Bᵀ (B stored N × K) into ceil(N/16) panels of
// kc × 16, zero padded; 8 × 8 blocks go through AVX transposes when `fast`.
void lrkit_pack_b_transposed(size_t k0, size_t kc, size_t n, const float *b, size_t ldb,
                             float *packed, int fast) {
  size_t panels = (n + NR - 1) / NR;
  for (size_t p = 0; p < panels; p++) {
    float *dst = packed + p * NR * kc;
    size_t j0 = p * NR;
    size_t width = n - j0 < NR ? n - j0 : NR;
    size_t j = 0;
#if defined(__x86_64__) && defined(__clang__)
    if (fast) {
      for (; j + 8 <= width; j += 8) {
        const float *src = b + (j0 + j) * ldb + k0;
        size_t kk = 0;
        for (; kk + 8 <= kc; kk += 8) transpose8_avx2(src + kk, ldb, dst + kk * NR + j);
        for (; kk < kc; kk++) {
          for (size_t jj = 0; jj < 8; jj++) dst[kk * NR + j + jj] = src[jj * ldb + kk];
        }
      }
    }
#else
    (void)fast;
#endif
    for (; j < width; j++) {
      const float *src = b + (j0 + j) * ldb + k0;
      for (size_t kk = 0; kk < kc; kk++) dst[kk * NR + j] = src[kk];
    }
    for (; j < NR; j++) {
      for (size_t kk = 0; kk < kc; kk++) dst[kk * NR + j] = 0;
    }
  }
}

// Packs rows [k0, k0 + kc) of a row-major B (K × N) into ceil(N/16) panels of kc × 16,
// zero padded: contiguous panels keep the micro-kernel's reads in a few cache lines.
// lrkit_pack_b_rows that also adds each packed row into `sum` (when not NULL) while the row is in
// L1: sum[j] += B[k0 + kk][j] in increasing kk, so over the k blocks in order, a column's sum
// is lrkit_bias_backward's (the gradient of a bias, Σ_rows dy, when B is dy).
static inline __attribute__((always_inline)) void pack_b_rows_summing(size_t k0, size_t kc, size_t n,
                                                                      const float *b, size_t ldb,
                                                                      float *packed, float *sum) {
  // Row by row: each row of B is one sequential read (the hardware prefetcher follows it; panel
  // by panel, the reads were one line per row, strided), written to every panel.
  size_t full = n / NR, width = n - full * NR;
  for (size_t kk = 0; kk < kc; kk++) {
    const float *src = b + (k0 + kk) * ldb;
    for (size_t p = 0; p < full; p++) memcpy(packed + p * NR * kc + kk * NR, src + p * NR, NR * sizeof(float));
    if (width) {
      float *row = packed + full * NR * kc + kk * NR;
      size_t j = 0;
      for (; j < width; j++) row[j] = src[full * NR + j];
      for (; j < NR; j++) row[j] = 0;
    }
    if (sum) {
      for (size_t j = 0; j < n; j++) sum[j] += src[j];
    }
  }
}

void lrkit_pack_b_rows(size_t k0, size_t kc, size_t n, const float *b, size_t ldb, float *packed) {
  pack_b_rows_summing(k0, kc, n, b, ldb, packed, NULL);
}

// Rows of a transposed A packed at once: 16 panels of 6 (96 KiB at the full depth), so that
// each stored row of A is read as one sequential run; packed per 6-row panel, each run was 24
// bytes on its own cache line.
#define MC_ROWS (16 * MR)
#define PF_ROWS 8

// Packs rows [i0, i0 + rows) (rows ≤ MC_ROWS) of op(A) = Aᵀ (A stored K × M), columns
// [k0, k0 + kc), into ceil(rows/6) consecutive panels of kc × 6 (for each kk, six values), the
// last zero padded. lrkit_pack_a's transposed case is one such panel.
static void pack_a_transposed_rows(size_t k0, size_t kc, const float *a, size_t lda, size_t i0,
                                   size_t rows, float *dst) {
  size_t full = rows / MR, rest = rows - full * MR;
  for (size_t kk = 0; kk < kc; kk++) {
    const float *src = a + (k0 + kk) * lda + i0;
    // The rows of A come from activations written long before (read from L3): the run of the
    // row PF_ROWS ahead is fetched while this one is copied.
    if (kk + PF_ROWS < kc) {
      const char *ahead = (const char *)(src + PF_ROWS * lda);
      for (size_t off = 0; off < rows * sizeof(float); off += 64) __builtin_prefetch(ahead + off);
    }
    for (size_t q = 0; q < full; q++)
      memcpy(dst + q * MR * kc + kk * MR, src + q * MR, MR * sizeof(float));
    if (rest) {
      float *col = dst + full * MR * kc + kk * MR;
      size_t r = 0;
      for (; r < rest; r++) col[r] = src[full * MR + r];
      for (; r < MR; r++) col[r] = 0;
    }
  }
}

// Packs MR rows of op(A) starting at row i0, columns [k0, k0 + kc) (k-major: for each kk, MR
// values), zero padded.
void lrkit_pack_a(int trans_a, size_t k0, size_t kc, const float *a, size_t lda, size_t i0,
                  size_t rows, float *dst) {
  if (!trans_a) {
    for (size_t r = 0; r < rows; r++) {
      const float *src = a + (i0 + r) * lda + k0;
      for (size_t kk = 0; kk < kc; kk++) dst[kk * MR + r] = src[kk];
    }
    for (size_t r = rows; r < MR; r++) {
      for (size_t kk = 0; kk < kc; kk++) dst[kk * MR + r] = 0;
    }
  } else {
    pack_a_transposed_rows(k0, kc, a, lda, i0, rows, dst);
  }
}

// Writes (or adds) the first rows × width of a tile (rows `ts` floats apart) into C, then adds
// `bias` (when not NULL) to each row: C = (tile [+ C]) + bias, the unfused order.
static void store_tile(const float *tile, size_t ts, float *c, size_t ldc, size_t rows, size_t width,
                       int accumulate, const float *bias) {
  for (size_t r = 0; r < rows; r++) {
    float *dst = c + r * ldc;
    const float *src = tile + r * ts;
    if (accumulate) {
      for (size_t j = 0; j < width; j++) dst[j] += src[j];
    } else {
      for (size_t j = 0; j < width; j++) dst[j] = src[j];
    }
    if (bias) {
      for (size_t j = 0; j < width; j++) dst[j] += bias[j];
    }
  }
}

// The micro-kernels read op(A)[r][kk] at a[r·rs + kk·ks] and op(B)[kk][j] at b[kk·bs + j]:
// packed panels (rs 1, ks MR; bs NR) or the caller's matrices in place.
static void kernel_portable(size_t k, const float *a, size_t rs, size_t ks, const float *b,
                            size_t bs, float *c, size_t ldc, size_t rows, size_t width,
                            int accumulate, const float *bias) {
  float acc[MR][NR];
  memset(acc, 0, sizeof acc);
  for (size_t kk = 0; kk < k; kk++) {
    const float *bk = b + kk * bs;
    const float *ak = a + kk * ks;
    for (int r = 0; r < MR; r++) {
      float av = ak[r * rs];
      for (int j = 0; j < NR; j++) acc[r][j] += av * bk[j];
    }
  }
  store_tile(&acc[0][0], NR, c, ldc, rows, width, accumulate, bias);
}

#if defined(__x86_64__) && defined(__clang__)
#include <immintrin.h>

#define ROW(R, A0, A1)                                               \
  do {                                                               \
    float *dst = c + (R) * ldc;                                      \
    if (accumulate) {                                                \
      A0 = _mm256_add_ps(A0, _mm256_loadu_ps(dst));                  \
      A1 = _mm256_add_ps(A1, _mm256_loadu_ps(dst + 8));              \
    }                                                                \
    if (bias) {                                                      \
      A0 = _mm256_add_ps(A0, _mm256_loadu_ps(bias));                 \
      A1 = _mm256_add_ps(A1, _mm256_loadu_ps(bias + 8));             \
    }                                                                \
    _mm256_storeu_ps(dst, A0);                                       \
    _mm256_storeu_ps(dst + 8, A1);                                   \
  } while (0)

__attribute__((target("avx2,fma"))) void lrkit_kernel_avx2(size_t k, const float *a, size_t rs,
                                                           size_t ks, const float *b, size_t bs,
                                                           float *c, size_t ldc, size_t rows,
                                                           size_t width, int accumulate,
                                                           const float *bias) {
  // The tile of C is read (when accumulating) or written only after the k loop; fetching its
  // lines now hides the miss behind the loop (C is usually out of cache in a training step).
  for (size_t r = 0; r < rows; r++) {
    _mm_prefetch((const char *)(c + r * ldc), _MM_HINT_T0);
    _mm_prefetch((const char *)(c + r * ldc + width - 1), _MM_HINT_T0);
  }
  __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps();
  __m256 c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps();
  __m256 c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps();
  __m256 c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps();
  __m256 c40 = _mm256_setzero_ps(), c41 = _mm256_setzero_ps();
  __m256 c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps();
  for (size_t kk = 0; kk < k; kk++) {
    __m256 b0 = _mm256_loadu_ps(b + kk * bs);
    __m256 b1 = _mm256_loadu_ps(b + kk * bs + 8);
    const float *ak = a + kk * ks;
    __m256 av;
    av = _mm256_broadcast_ss(ak); c00 = _mm256_fmadd_ps(av, b0, c00); c01 = _mm256_fmadd_ps(av, b1, c01);
    av = _mm256_broadcast_ss(ak + rs); c10 = _mm256_fmadd_ps(av, b0, c10); c11 = _mm256_fmadd_ps(av, b1, c11);
    av = _mm256_broadcast_ss(ak + 2 * rs); c20 = _mm256_fmadd_ps(av, b0, c20); c21 = _mm256_fmadd_ps(av, b1, c21);
    av = _mm256_broadcast_ss(ak + 3 * rs); c30 = _mm256_fmadd_ps(av, b0, c30); c31 = _mm256_fmadd_ps(av, b1, c31);
    av = _mm256_broadcast_ss(ak + 4 * rs); c40 = _mm256_fmadd_ps(av, b0, c40); c41 = _mm256_fmadd_ps(av, b1, c41);
    av = _mm256_broadcast_ss(ak + 5 * rs); c50 = _mm256_fmadd_ps(av, b0, c50); c51 = _mm256_fmadd_ps(av, b1, c51);
  }
  if (rows == MR && width == NR) {
    ROW(0, c00, c01); ROW(1, c10, c11); ROW(2, c20, c21);
    ROW(3, c30, c31); ROW(4, c40, c41); ROW(5, c50, c51);
    return;
  }
  float tile[MR * NR] __attribute__((aligned(32)));
  _mm256_store_ps(tile + 0 * NR, c00); _mm256_store_ps(tile + 0 * NR + 8, c01);
  _mm256_store_ps(tile + 1 * NR, c10); _mm256_store_ps(tile + 1 * NR + 8, c11);
  _mm256_store_ps(tile + 2 * NR, c20); _mm256_store_ps(tile + 2 * NR + 8, c21);
  _mm256_store_ps(tile + 3 * NR, c30); _mm256_store_ps(tile + 3 * NR + 8, c31);
  _mm256_store_ps(tile + 4 * NR, c40); _mm256_store_ps(tile + 4 * NR + 8, c41);
  _mm256_store_ps(tile + 5 * NR, c50); _mm256_store_ps(tile + 5 * NR + 8, c51);
  store_tile(tile, NR, c, ldc, rows, width, accumulate, bias);
}
#undef ROW

// The 6 × 32 AVX-512 micro-kernel: two adjacent 16-column panels of B at once, one zmm register
// per row and panel (12 accumulators, enough to keep two 512-bit FMA units busy). Each element
// of C gets the AVX2 kernel's FMA chain — acc = fma(a, b, acc) from 0 in increasing kk, then
// C = acc or C + acc — so the bits are the same; only the vector width differs. `width` ≤ 32
// counts the columns of both panels that C has.
#define ROW512(R, A0, A1)                                                        \
  do {                                                                           \
    float *dst = c + (R) * ldc;                                                  \
    if (accumulate) {                                                            \
      A0 = _mm512_add_ps(A0, _mm512_loadu_ps(dst));                              \
      A1 = _mm512_add_ps(A1, _mm512_loadu_ps(dst + 16));                         \
    }                                                                            \
    if (bias) {                                                                  \
      A0 = _mm512_add_ps(A0, _mm512_loadu_ps(bias));                             \
      A1 = _mm512_add_ps(A1, _mm512_loadu_ps(bias + 16));                        \
    }                                                                            \
    _mm512_storeu_ps(dst, A0);                                                   \
    _mm512_storeu_ps(dst + 16, A1);                                              \
  } while (0)

__attribute__((target("avx512f,avx2,fma"))) void lrkit_kernel_avx512_6x32(
    size_t k, const float *a, size_t rs, size_t ks, const float *b0p, const float *b1p, float *c,
    size_t ldc, size_t rows, size_t width, int accumulate, const float *bias) {
  for (size_t r = 0; r < rows; r++) {
    _mm_prefetch((const char *)(c + r * ldc), _MM_HINT_T0);
    _mm_prefetch((const char *)(c + r * ldc + width - 1), _MM_HINT_T0);
  }
  __m512 c00 = _mm512_setzero_ps(), c01 = _mm512_setzero_ps();
  __m512 c10 = _mm512_setzero_ps(), c11 = _mm512_setzero_ps();
  __m512 c20 = _mm512_setzero_ps(), c21 = _mm512_setzero_ps();
  __m512 c30 = _mm512_setzero_ps(), c31 = _mm512_setzero_ps();
  __m512 c40 = _mm512_setzero_ps(), c41 = _mm512_setzero_ps();
  __m512 c50 = _mm512_setzero_ps(), c51 = _mm512_setzero_ps();
  for (size_t kk = 0; kk < k; kk++) {
    __m512 b0 = _mm512_loadu_ps(b0p + kk * NR);
    __m512 b1 = _mm512_loadu_ps(b1p + kk * NR);
    const float *ak = a + kk * ks;
    __m512 av;
    av = _mm512_set1_ps(ak[0]); c00 = _mm512_fmadd_ps(av, b0, c00); c01 = _mm512_fmadd_ps(av, b1, c01);
    av = _mm512_set1_ps(ak[rs]); c10 = _mm512_fmadd_ps(av, b0, c10); c11 = _mm512_fmadd_ps(av, b1, c11);
    av = _mm512_set1_ps(ak[2 * rs]); c20 = _mm512_fmadd_ps(av, b0, c20); c21 = _mm512_fmadd_ps(av, b1, c21);
    av = _mm512_set1_ps(ak[3 * rs]); c30 = _mm512_fmadd_ps(av, b0, c30); c31 = _mm512_fmadd_ps(av, b1, c31);
    av = _mm512_set1_ps(ak[4 * rs]); c40 = _mm512_fmadd_ps(av, b0, c40); c41 = _mm512_fmadd_ps(av, b1, c41);
    av = _mm512_set1_ps(ak[5 * rs]); c50 = _mm512_fmadd_ps(av, b0, c50); c51 = _mm512_fmadd_ps(av, b1, c51);
  }
  if (rows == MR && width == 2 * NR) {
    ROW512(0, c00, c01); ROW512(1, c10, c11); ROW512(2, c20, c21);
    ROW512(3, c30, c31); ROW512(4, c40, c41); ROW512(5, c50, c51);
    return;
  }
  float tile[MR * 2 * NR] __attribute__((aligned(64)));
  _mm512_store_ps(tile + 0 * 32, c00); _mm512_store_ps(tile + 0 * 32 + 16, c01);
  _mm512_store_ps(tile + 1 * 32, c10); _mm512_store_ps(tile + 1 * 32 + 16, c11);
  _mm512_store_ps(tile + 2 * 32, c20); _mm512_store_ps(tile + 2 * 32 + 16, c21);
  _mm512_store_ps(tile + 3 * 32, c30); _mm512_store_ps(tile + 3 * 32 + 16, c31);
  _mm512_store_ps(tile + 4 * 32, c40); _mm512_store_ps(tile + 4 * 32 + 16, c41);
  _mm512_store_ps(tile + 5 * 32, c50); _mm512_store_ps(tile + 5 * 32 + 16, c51);
  store_tile(tile, 2 * NR, c, ldc, rows, width, accumulate, bias);
}
#undef ROW512

// The 6 × 16 AVX-512 micro-kernel, for a single 16-column panel (the last of an odd number, or
// attention's 16-wide heads): one zmm per row, the same FMA chain per element as the AVX2
// kernel (same bits), at twice its width. Six chains of FMAs keep the two 512-bit units 6/8
// busy, against half of them for the AVX2 kernel's twelve 256-bit chains.
__attribute__((target("avx512f,avx2,fma"))) void lrkit_kernel_avx512_6x16(
    size_t k, const float *a, size_t rs, size_t ks, const float *b, size_t bs, float *c,
    size_t ldc, size_t rows, size_t width, int accumulate, const float *bias) {
  for (size_t r = 0; r < rows; r++) {
    _mm_prefetch((const char *)(c + r * ldc), _MM_HINT_T0);
    _mm_prefetch((const char *)(c + r * ldc + width - 1), _MM_HINT_T0);
  }
  __m512 c0 = _mm512_setzero_ps(), c1 = _mm512_setzero_ps(), c2 = _mm512_setzero_ps();
  __m512 c3 = _mm512_setzero_ps(), c4 = _mm512_setzero_ps(), c5 = _mm512_setzero_ps();
  for (size_t kk = 0; kk < k; kk++) {
    __m512 bv = _mm512_loadu_ps(b + kk * bs);
    const float *ak = a + kk * ks;
    c0 = _mm512_fmadd_ps(_mm512_set1_ps(ak[0]), bv, c0);
    c1 = _mm512_fmadd_ps(_mm512_set1_ps(ak[rs]), bv, c1);
    c2 = _mm512_fmadd_ps(_mm512_set1_ps(ak[2 * rs]), bv, c2);
    c3 = _mm512_fmadd_ps(_mm512_set1_ps(ak[3 * rs]), bv, c3);
    c4 = _mm512_fmadd_ps(_mm512_set1_ps(ak[4 * rs]), bv, c4);
    c5 = _mm512_fmadd_ps(_mm512_set1_ps(ak[5 * rs]), bv, c5);
  }
  __m512 acc[MR] = {c0, c1, c2, c3, c4, c5};
  // Only the tile's own columns are read and written (a masked load does not fault past them).
  __mmask16 mask = (__mmask16)(width >= NR ? 0xFFFFu : (1u << width) - 1u);
  for (size_t r = 0; r < rows; r++) {
    float *dst = c + r * ldc;
    __m512 v = acc[r];
    if (accumulate) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(mask, dst));
    if (bias) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(mask, bias));
    _mm512_mask_storeu_ps(dst, mask, v);
  }
}

// The 6 × 32 kernel for a last block of R = 2 or 4 rows (m = 6q + 1…4): only R rows of FMAs,
// where the six-row kernel would spend six on them: the dW products of widths 128 and 512, and
// the products over a 512-token shard, end in a block of 2 rows; dW at width 64 in one of 4. Rows
// past `rows` read the zero padding of the packed A, as in the six-row kernel. Each element of C
// gets the same FMA chain and the same final add, so the same bits.
static inline __attribute__((always_inline, target("avx512f,avx2,fma"))) void kernel_avx512_short_x32(
    const size_t R, size_t k, const float *a, size_t rs, size_t ks, const float *b0p, const float *b1p,
    float *c, size_t ldc, size_t rows, size_t width, int accumulate, const float *bias) {
  for (size_t r = 0; r < rows; r++) {
    _mm_prefetch((const char *)(c + r * ldc), _MM_HINT_T0);
    _mm_prefetch((const char *)(c + r * ldc + width - 1), _MM_HINT_T0);
  }
  __m512 acc0[4], acc1[4];
  for (size_t r = 0; r < R; r++) acc0[r] = acc1[r] = _mm512_setzero_ps();
  for (size_t kk = 0; kk < k; kk++) {
    __m512 b0 = _mm512_loadu_ps(b0p + kk * NR);
    __m512 b1 = _mm512_loadu_ps(b1p + kk * NR);
    const float *ak = a + kk * ks;
    for (size_t r = 0; r < R; r++) {
      __m512 av = _mm512_set1_ps(ak[r * rs]);
      acc0[r] = _mm512_fmadd_ps(av, b0, acc0[r]);
      acc1[r] = _mm512_fmadd_ps(av, b1, acc1[r]);
    }
  }
  __mmask16 m0 = (__mmask16)(width >= NR ? 0xFFFFu : (1u << width) - 1u);
  __mmask16 m1 = (__mmask16)(width >= 2 * NR ? 0xFFFFu : width > NR ? (1u << (width - NR)) - 1u : 0u);
  for (size_t r = 0; r < R; r++) {  // R, not rows: constant bounds keep acc in registers
    if (r >= rows) break;
    float *dst = c + r * ldc;
    __m512 v0 = acc0[r], v1 = acc1[r];
    if (accumulate) {
      v0 = _mm512_add_ps(v0, _mm512_maskz_loadu_ps(m0, dst));
      v1 = _mm512_add_ps(v1, _mm512_maskz_loadu_ps(m1, dst + NR));
    }
    if (bias) {
      v0 = _mm512_add_ps(v0, _mm512_maskz_loadu_ps(m0, bias));
      v1 = _mm512_add_ps(v1, _mm512_maskz_loadu_ps(m1, bias + NR));
    }
    _mm512_mask_storeu_ps(dst, m0, v0);
    _mm512_mask_storeu_ps(dst + NR, m1, v1);
  }
}

// The six-row kernel, or the 2- or 4-row one for a short last block (its packed A is zero padded).
__attribute__((target("avx512f,avx2,fma"))) static void kernel_avx512_x32(
    size_t k, const float *a, size_t rs, size_t ks, const float *b0p, const float *b1p, float *c,
    size_t ldc, size_t rows, size_t width, int accumulate, const float *bias) {
  if (rows <= 2) kernel_avx512_short_x32(2, k, a, rs, ks, b0p, b1p, c, ldc, rows, width, accumulate, bias);
  else if (rows <= 4) kernel_avx512_short_x32(4, k, a, rs, ks, b0p, b1p, c, ldc, rows, width, accumulate, bias);
  else lrkit_kernel_avx512_6x32(k, a, rs, ks, b0p, b1p, c, ldc, rows, width, accumulate, bias);
}

static int gemm_avx512_allowed = -1;

void lrkit_gemm_allow_avx512(int allow) {
  __atomic_store_n(&gemm_avx512_allowed, allow ? 1 : 0, __ATOMIC_RELAXED);
}

int lrkit_gemm_uses_avx512(void) {
  static int cpu = -1;
  int has = __atomic_load_n(&cpu, __ATOMIC_RELAXED);
  if (has < 0) {
    __builtin_cpu_init();
    has = lrkit_has_avx2_fma() && __builtin_cpu_supports("avx512f");
    __atomic_store_n(&cpu, has, __ATOMIC_RELAXED);
  }
  int allowed = __atomic_load_n(&gemm_avx512_allowed, __ATOMIC_RELAXED);
  if (allowed < 0) {
    const char *isa = getenv("LRKIT_ISA");
    allowed = !(isa && strcmp(isa, "avx2") == 0);
    __atomic_store_n(&gemm_avx512_allowed, allowed, __ATOMIC_RELAXED);
  }
  return has && allowed;
}

// Packs 8 × 8 blocks of a transposed B: dst[kk·NR + j] = src[j·ld + kk] for j, kk < 8.
__attribute__((target("avx2,fma"))) static void transpose8_avx2(const float *src, size_t ld,
                                                                float *dst) {
  __m256 r0 = _mm256_loadu_ps(src + 0 * ld), r1 = _mm256_loadu_ps(src + 1 * ld);
  __m256 r2 = _mm256_loadu_ps(src + 2 * ld), r3 = _mm256_loadu_ps(src + 3 * ld);
  __m256 r4 = _mm256_loadu_ps(src + 4 * ld), r5 = _mm256_loadu_ps(src + 5 * ld);
  __m256 r6 = _mm256_loadu_ps(src + 6 * ld), r7 = _mm256_loadu_ps(src + 7 * ld);
  __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1);
  __m256 t2 = _mm256_unpacklo_ps(r2, r3), t3 = _mm256_unpackhi_ps(r2, r3);
  __m256 t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5);
  __m256 t6 = _mm256_unpacklo_ps(r6, r7), t7 = _mm256_unpackhi_ps(r6, r7);
  __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE);
  __m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE);
  __m256 u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xEE);
  __m256 u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
  _mm256_storeu_ps(dst + 0 * NR, _mm256_permute2f128_ps(u0, u4, 0x20));
  _mm256_storeu_ps(dst + 1 * NR, _mm256_permute2f128_ps(u1, u5, 0x20));
  _mm256_storeu_ps(dst + 2 * NR, _mm256_permute2f128_ps(u2, u6, 0x20));
  _mm256_storeu_ps(dst + 3 * NR, _mm256_permute2f128_ps(u3, u7, 0x20));
  _mm256_storeu_ps(dst + 4 * NR, _mm256_permute2f128_ps(u0, u4, 0x31));
  _mm256_storeu_ps(dst + 5 * NR, _mm256_permute2f128_ps(u1, u5, 0x31));
  _mm256_storeu_ps(dst + 6 * NR, _mm256_permute2f128_ps(u2, u6, 0x31));
  _mm256_storeu_ps(dst + 7 * NR, _mm256_permute2f128_ps(u3, u7, 0x31));
}

int lrkit_has_avx2_fma(void) {
  static int cached = -1;
  int level = __atomic_load_n(&cached, __ATOMIC_RELAXED);
  if (level < 0) {
    __builtin_cpu_init();
    level = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && !lrkit_isa_forced_portable();
    __atomic_store_n(&cached, level, __ATOMIC_RELAXED);
  }
  return level;
}
#else
int lrkit_has_avx2_fma(void) { return 0; }
void lrkit_gemm_allow_avx512(int allow) { (void)allow; }
int lrkit_gemm_uses_avx512(void) { return 0; }
#endif

int lrkit_isa_forced_portable(void) {
  const char *isa = getenv("LRKIT_ISA");
  return isa && strcmp(isa, "portable") == 0;
}

// Half of this core's L2 in bytes (sysconf; 512 KiB when unknown), read once: the budget for
// one packed block of B.
static size_t l2_budget(void) {
  static long cached = 0;
  long bytes = __atomic_load_n(&cached, __ATOMIC_RELAXED);
  if (bytes == 0) {
#ifdef _SC_LEVEL2_CACHE_SIZE
    long l2 = sysconf(_SC_LEVEL2_CACHE_SIZE);
#else
    long l2 = 0;
#endif
    bytes = l2 >= 256 * 1024 && l2 <= 64L * 1024 * 1024 ? l2 / 2 : 512 * 1024;
    __atomic_store_n(&cached, bytes, __ATOMIC_RELAXED);
  }
  return (size_t)bytes;
}

static size_t column_limit = 0;

void lrkit_gemm_set_column_limit(size_t columns) {
  __atomic_store_n(&column_limit, columns, __ATOMIC_RELAXED);
}

size_t lrkit_gemm_column_limit(void) { return __atomic_load_n(&column_limit, __ATOMIC_RELAXED); }

// The columns of one block of B: at most what fits the L2 budget at depth kc (or the limit a
// test set), a multiple of 32 (the wide kernel's width), the n columns split into equal blocks
// rounded up to 32.
static size_t column_block(size_t n, size_t kc) {
  size_t limit = lrkit_gemm_column_limit();
  size_t cap = (limit ? limit : l2_budget() / (kc * sizeof(float))) / (2 * NR) * (2 * NR);
  if (cap < 2 * NR) cap = 2 * NR;
  if (n <= cap) return n;
  size_t blocks = (n + cap - 1) / cap;
  size_t each = (n + blocks - 1) / blocks;
  return (each + 2 * NR - 1) / (2 * NR) * (2 * NR);
}

// bias_sum[j] += op(B)[kk][j] for kk in [0, k), in increasing kk (a bias's gradient, Σ_rows dy,
// in lrkit_bias_backward's order), for products that pack no B.
static void bias_sum_rows(int trans_b, size_t n, size_t k, const float *b, size_t ldb, float *bias_sum) {
  for (size_t kk = 0; kk < k; kk++) {
    if (trans_b) {
      for (size_t j = 0; j < n; j++) bias_sum[j] += b[j * ldb + kk];
    } else {
      const float *row = b + kk * ldb;
      for (size_t j = 0; j < n; j++) bias_sum[j] += row[j];
    }
  }
}

void lrkit_sgemm_rows(int trans_a, int trans_b, size_t m, size_t n, size_t k, const float *a,
                      size_t lda, const float *b, size_t ldb, int accumulate, float *c,
                      size_t ldc, size_t row_begin, size_t row_end) {
  lrkit_sgemm_rows_bias(trans_a, trans_b, m, n, k, a, lda, b, ldb, accumulate, c, ldc, row_begin, row_end,
                        NULL, NULL);
}

void lrkit_sgemm_rows_bias(int trans_a, int trans_b, size_t m, size_t n, size_t k, const float *a,
                           size_t lda, const float *b, size_t ldb, int accumulate, float *c,
                           size_t ldc, size_t row_begin, size_t row_end, const float *bias,
                           float *bias_sum) {
  (void)m;
  if (n == 0) return;
  if (row_end <= row_begin || k == 0 || trans_b) {
    // No packed B to sum while packing (a transposed B is read column by column).
    if (bias_sum) bias_sum_rows(trans_b, n, k, b, ldb, bias_sum);
    bias_sum = NULL;
  }
  if (row_end <= row_begin) return;
  if (k == 0) {
    for (size_t i = row_begin; i < row_end; i++) {
      float *row = c + i * ldc;
      if (!accumulate) memset(row, 0, n * sizeof(float));
      if (bias) {
        for (size_t j = 0; j < n; j++) row[j] += bias[j];
      }
    }
    return;
  }
  // Columns are taken in blocks of nc so that the packed block of B (nc × kc floats) stays in
  // the core's L2 while every row block of A runs over it (a whole 2048-column B, 2 MiB, did
  // not). Every element still sums its k blocks in increasing order, so nc never changes a bit.
  // A row-major A is read in place (its six rows are six streams), packed only for a last block
  // of < 6 rows; a transposed A is packed 96 rows at a time.
  size_t kc_max = k < KC ? k : KC;
  size_t nc_max = column_block(n, kc_max);
  size_t panels_max = (nc_max + NR - 1) / NR;
  float *pb = lrkit_scratch(LRKIT_SCRATCH_GEMM_B, panels_max * NR * kc_max);
  float *pa = lrkit_scratch(LRKIT_SCRATCH_GEMM_A, MC_ROWS * kc_max);
  int fast = lrkit_has_avx2_fma();
#if defined(__x86_64__) && defined(__clang__)
  int wide = fast && lrkit_gemm_uses_avx512();
#endif
  for (size_t jc = 0; jc < n; jc += nc_max) {
    size_t nc = n - jc < nc_max ? n - jc : nc_max;
    size_t panels = (nc + NR - 1) / NR;
    const float *bc = trans_b ? b + jc * ldb : b + jc;
    float *cc = c + jc;
    for (size_t k0 = 0; k0 < k; k0 += KC) {
      size_t kc = k - k0 < KC ? k - k0 : KC;
      int acc = accumulate || k0 > 0;
      // The bias goes into the last k block's stores, after C's own sum: (C + acc) + bias.
      const float *tile_bias = bias && k0 + kc == k ? bias + jc : NULL;
      if (trans_b) {
        lrkit_pack_b_transposed(k0, kc, nc, bc, ldb, pb, fast);
      } else {
        pack_b_rows_summing(k0, kc, nc, bc, ldb, pb, bias_sum ? bias_sum + jc : NULL);
      }
      for (size_t i0 = row_begin; i0 < row_end; i0 += MR) {
        size_t rows = row_end - i0 < MR ? row_end - i0 : MR;
        const float *ablock;
        size_t rs, ks;
#if defined(__x86_64__) && defined(__clang__)
        // The next block's rows of a row-major A, read in place: fetched while this block runs
        // (six short rows are too short a stream for the hardware prefetcher).
        if (!trans_a && i0 + 2 * MR <= row_end) {
          for (size_t r = 0; r < MR; r++) {
            const char *row = (const char *)(a + (i0 + MR + r) * lda + k0);
            for (size_t off = 0; off < kc * sizeof(float); off += 64)
              _mm_prefetch(row + off, _MM_HINT_T0);
          }
        }
#endif
        if (trans_a) {
          // At the first of each 96 rows, all of them are packed; each 6-row block then reads
          // its own panel.
          if ((i0 - row_begin) % MC_ROWS == 0) {
            size_t mc = row_end - i0 < MC_ROWS ? row_end - i0 : MC_ROWS;
            pack_a_transposed_rows(k0, kc, a, lda, i0, mc, pa);
          }
          ablock = pa + ((i0 - row_begin) % MC_ROWS) * kc, rs = 1, ks = MR;
        } else if (rows < MR) {
          lrkit_pack_a(trans_a, k0, kc, a, lda, i0, rows, pa);
          ablock = pa, rs = 1, ks = MR;
        } else {
          ablock = a + i0 * lda + k0, rs = lda, ks = 1;
        }
        for (size_t p = 0; p < panels; p++) {
          size_t j0 = p * NR;
#if defined(__x86_64__) && defined(__clang__)
          if (wide && p + 1 < panels) {
            size_t width2 = nc - j0 < 2 * NR ? nc - j0 : 2 * NR;
            const float *b0p = pb + p * NR * kc;
            kernel_avx512_x32(kc, ablock, rs, ks, b0p, b0p + NR * kc, cc + i0 * ldc + j0, ldc, rows, width2,
                              acc, tile_bias ? tile_bias + j0 : NULL);
            p++;
            continue;
          }
#endif
          size_t width = nc - j0 < NR ? nc - j0 : NR;
          const float *bpanel = pb + p * NR * kc;
          size_t bs = NR;
          float *tile = cc + i0 * ldc + j0;
          const float *tb = tile_bias ? tile_bias + j0 : NULL;
#if defined(__x86_64__) && defined(__clang__)
          if (wide) {
            lrkit_kernel_avx512_6x16(kc, ablock, rs, ks, bpanel, bs, tile, ldc, rows, width, acc, tb);
            continue;
          }
          if (fast) {
            lrkit_kernel_avx2(kc, ablock, rs, ks, bpanel, bs, tile, ldc, rows, width, acc, tb);
            continue;
          }
#endif
          kernel_portable(kc, ablock, rs, ks, bpanel, bs, tile, ldc, rows, width, acc, tb);
        }
      }
    }
  }
}

void lrkit_sgemm(int trans_a, int trans_b, size_t m, size_t n, size_t k, const float *a,
                 size_t lda, const float *b, size_t ldb, int accumulate, float *c, size_t ldc) {
  lrkit_sgemm_rows(trans_a, trans_b, m, n, k, a, lda, b, ldb, accumulate, c, ldc, 0, m);
}
