// Layer kernels of the training engine (GELU, LayerNorm, causal attention, element-wise
// helpers). The loops are in nn_body.h, compiled twice — AVX2 + FMA and baseline — and chosen
// at run time like the matrix multiply. exp and erf are branch-free polynomial approximations
// so that the loops vectorize:
//   exp: Cephes expf (range reduction by ln 2, degree-5 polynomial), relative error < 2e-7,
//        exactly 0 below -87.3 (where expf underflows to subnormals);
//   erf: Abramowitz & Stegun 7.1.26, absolute error < 1.5e-7 — the formula PyTorch's own
//        vectorized CPU erf (ATen Vectorized<float>::erf) uses for nn.GELU().
#include "lrkit_kernels.h"
#include "gemm_internal.h"
#include "scratch.h"
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

// Causal products in row chunks: rows [t0, t1) of the scores need only columns [0, t1), and
// rows [s0, s1) of dK, dV only the later rows [s0, T) of the sequence. Chunks of 48 rows (a
// multiple of the micro-kernel's 6) compute 81 % of the full products at T = 64, 67 % at 128
// and 59 % at 256; measured on one thread, +20 % tokens/s at T = 256 and +3–4 % at T = 64–128
// against unchunked products. The skipped terms are the mask's zeros, so no sum changes.
#define CHUNK 48

// NaN in, NaN out: the range reduction runs on 0 instead (a NaN must never reach the float to
// int conversion below, which is undefined behaviour), and the NaN is selected at the end.
static inline __attribute__((always_inline)) float exp_approx(float x) {
  float xc = x > 88.0f ? 88.0f : x;
  xc = xc < -87.3f ? -87.3f : xc;
  xc = xc == xc ? xc : 0.0f;
  float fx = __builtin_floorf(xc * 1.44269504088896341f + 0.5f);
  float r = xc - fx * 0.693359375f;
  r = r - fx * -2.12194440e-4f;
  float y = 1.9875691500e-4f;
  y = y * r + 1.3981999507e-3f;
  y = y * r + 8.3334519073e-3f;
  y = y * r + 4.1665795894e-2f;
  y = y * r + 1.6666665459e-1f;
  y = y * r + 5.0000001201e-1f;
  y = y * r * r + r + 1.0f;
  int32_t bits = ((int32_t)fx + 127) << 23;
  float scale;
  memcpy(&scale, &bits, sizeof scale);
  float result = y * scale;
  result = x < -87.3f ? 0.0f : result;
  return x == x ? result : x;
}

static inline __attribute__((always_inline)) float erf_approx(float x) {
  float ax = __builtin_fabsf(x);
  float t = 1.0f / (0.3275911f * ax + 1.0f);
  float r = 1.061405429f;
  r = r * t - 1.453152027f;
  r = r * t + 1.421413741f;
  r = r * t - 0.284496736f;
  r = r * t + 0.254829592f;
  float y = 1.0f - r * t * exp_approx(-x * x);
  return __builtin_copysignf(y, x);
}

// GELU's pieces, shared by its forward and backward loops so that each is computed one way:
// Φ(v), φ(v), and the slope Φ + v·φ.
static inline __attribute__((always_inline)) float gelu_cdf(float v) {
  return 0.5f * (1.0f + erf_approx(v * 0.70710678118654752f));
}

static inline __attribute__((always_inline)) float gelu_slope_of(float v, float phi) {
  float pdf = exp_approx(-0.5f * v * v) * 0.3989422804014327f;
  return phi + v * pdf;
}

#define ATTR
#define NAME(f) f##_portable
#include "nn_body.h"
#undef ATTR
#undef NAME

#if defined(__x86_64__) && defined(__clang__)
#define ATTR __attribute__((target("avx2,fma")))
#define NAME(f) f##_avx2
#include "nn_body.h"
#undef ATTR
#undef NAME
// GELU again with AVX-512: its loops are long chains of dependent operations, so the CPU's
// reorder window, not its arithmetic, limits them; 16 lanes per instruction fit twice as many
// elements in flight (2.0x faster forward and backward on Zen 4). Each element sees the same
// operations, FMA contractions included, so the results are bit for bit those of the AVX2 path
// (tested). Only the element-wise GELU: LayerNorm and the softmaxes sum across lanes, and a
// wider vector would change the order of those sums.
#define NN_BODY_GELU_ONLY
#define ATTR __attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,avx2,fma")))
#define NAME(f) f##_avx512
#include "nn_body.h"
#undef ATTR
#undef NAME
#undef NN_BODY_GELU_ONLY
#define DISPATCH(f, ...) \
  do { if (lrkit_has_avx2_fma()) f##_avx2(__VA_ARGS__); else f##_portable(__VA_ARGS__); } while (0)
#define DISPATCH_AVX512(f, ...)                      \
  do {                                               \
    if (lrkit_has_avx512()) f##_avx512(__VA_ARGS__); \
    else DISPATCH(f, __VA_ARGS__);                   \
  } while (0)

static int avx512_allowed = -1;

void lrkit_allow_avx512(int allow) { __atomic_store_n(&avx512_allowed, allow ? 1 : 0, __ATOMIC_RELAXED); }

int lrkit_has_avx512(void) {
  static int cpu = -1;
  int has = __atomic_load_n(&cpu, __ATOMIC_RELAXED);
  if (has < 0) {
    __builtin_cpu_init();
    has = lrkit_has_avx2_fma() && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
          __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq");
    __atomic_store_n(&cpu, has, __ATOMIC_RELAXED);
  }
  int allowed = __atomic_load_n(&avx512_allowed, __ATOMIC_RELAXED);
  if (allowed < 0) {
    const char *isa = getenv("LRKIT_ISA");
    allowed = !(isa && strcmp(isa, "avx2") == 0);
    __atomic_store_n(&avx512_allowed, allowed, __ATOMIC_RELAXED);
  }
  return has && allowed;
}
#else
#define DISPATCH(f, ...) f##_portable(__VA_ARGS__)
#define DISPATCH_AVX512(f, ...) f##_portable(__VA_ARGS__)
void lrkit_allow_avx512(int allow) { (void)allow; }
int lrkit_has_avx512(void) { return 0; }
#endif

// The causal row softmax of the attention scores, P[t, s] = exp(S[t, s]·scale − m) / Σ, for
// s ≤ t, and 0 above the diagonal. The sum's order is fixed, the same on every path: lane
// l = s mod 8 adds its terms in increasing s, then the lanes add as
// ((l0 + l4) + (l2 + l6)) + ((l1 + l5) + (l3 + l7)). The AVX2 path does a short row's tail as
// one masked vector (the rows at T = 64 are 1–64 long, and a scalar tail of exponentials took
// most of the time); the portable path keeps eight partial sums.
static float softmax_lane_sum(const float part[8]) {
  return ((part[0] + part[4]) + (part[2] + part[6])) + ((part[1] + part[5]) + (part[3] + part[7]));
}

static void softmax_causal_portable(float *restrict p, size_t time, size_t r0, size_t r1, float scale) {
  for (size_t t = r0; t < r1; t++) {
    float *row = p + t * time;
    size_t n = t + 1;
    float mx = -__builtin_inff();
    for (size_t s = 0; s < n; s++) mx = __builtin_fmaxf(mx, row[s] * scale);
    float part[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    for (size_t s = 0; s < n; s++) {
      float e = exp_approx(row[s] * scale - mx);
      row[s] = e;
      part[s & 7] += e;
    }
    float inv = 1.0f / softmax_lane_sum(part);
    for (size_t s = 0; s < n; s++) row[s] *= inv;
    for (size_t s = n; s < time; s++) row[s] = 0;
  }
}

// dP → dS in place: dS = P ∘ (dP − Σ_s P dP) · scale on and below the diagonal, 0 above; the
// inner sum in the softmax's lane order.
static void softmax_causal_backward_portable(const float *restrict p, float *restrict dp, size_t time,
                                             size_t r0, size_t r1, float scale) {
  for (size_t t = r0; t < r1; t++) {
    const float *pr = p + t * time;
    float *dr = dp + t * time;
    size_t n = t + 1;
    float part[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    for (size_t s = 0; s < n; s++) part[s & 7] += pr[s] * dr[s];
    float inner = softmax_lane_sum(part);
    for (size_t s = 0; s < n; s++) dr[s] = pr[s] * (dr[s] - inner) * scale;
    for (size_t s = n; s < time; s++) dr[s] = 0;
  }
}

#if defined(__x86_64__) && defined(__clang__)
#include <immintrin.h>

// exp_approx on eight lanes, with the same clamps, NaN passing through, and FMA where the
// compiler contracts the scalar code.
__attribute__((target("avx2,fma"))) static inline __m256 exp8(__m256 x) {
  __m256 xc = _mm256_min_ps(x, _mm256_set1_ps(88.0f));  // NaN → 88 here, restored at the end
  xc = _mm256_max_ps(xc, _mm256_set1_ps(-87.3f));
  __m256 fx = _mm256_floor_ps(_mm256_fmadd_ps(xc, _mm256_set1_ps(1.44269504088896341f), _mm256_set1_ps(0.5f)));
  __m256 r = _mm256_fnmadd_ps(fx, _mm256_set1_ps(0.693359375f), xc);
  r = _mm256_fnmadd_ps(fx, _mm256_set1_ps(-2.12194440e-4f), r);
  __m256 y = _mm256_set1_ps(1.9875691500e-4f);
  y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(1.3981999507e-3f));
  y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(8.3334519073e-3f));
  y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(4.1665795894e-2f));
  y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(1.6666665459e-1f));
  y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(5.0000001201e-1f));
  y = _mm256_add_ps(_mm256_fmadd_ps(_mm256_mul_ps(y, r), r, r), _mm256_set1_ps(1.0f));
  __m256i bits = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvttps_epi32(fx), _mm256_set1_epi32(127)), 23);
  __m256 result = _mm256_mul_ps(y, _mm256_castsi256_ps(bits));
  result = _mm256_andnot_ps(_mm256_cmp_ps(x, _mm256_set1_ps(-87.3f), _CMP_LT_OQ), result);
  return _mm256_blendv_ps(x, result, _mm256_cmp_ps(x, x, _CMP_ORD_Q));
}

// Stores a row's last, partial vector `v` at `full` (its lanes past the diagonal already 0),
// then zeroes the rest of the row up to `time`.
__attribute__((target("avx2,fma"))) static inline void store_tail_and_zero(float *row, size_t full, size_t n,
                                                                           size_t time, __m256 v, __m256i mask) {
  size_t s = full;
  if (n > full) {
    if (full + 8 <= time) {
      _mm256_storeu_ps(row + full, v);
      s = full + 8;
    } else {
      _mm256_maskstore_ps(row + full, mask, v);
      s = n;
    }
  }
  for (; s + 8 <= time; s += 8) _mm256_storeu_ps(row + s, _mm256_setzero_ps());
  for (; s < time; s++) row[s] = 0;
}

// The pieces of one row of the causal softmax on eight lanes, shared by the AVX2 and AVX-512
// softmaxes so that both do exactly the same operations in the same order (the same bits).
#define AVX2_INLINE __attribute__((target("avx2,fma"), always_inline)) static inline

// The maximum of x·scale over the row's n = full + tail entries (eight lanes, then across them);
// the tail's entries, read under `mask`, go to *last.
AVX2_INLINE float softmax_row_max8(const float *row, size_t full, size_t tail, __m256i mask, __m256 vscale,
                                   __m256 *last) {
  const __m256 ninf = _mm256_set1_ps(-__builtin_inff());
  __m256 vmx = ninf;
  for (size_t s = 0; s < full; s += 8) vmx = _mm256_max_ps(vmx, _mm256_mul_ps(_mm256_loadu_ps(row + s), vscale));
  *last = _mm256_setzero_ps();
  if (tail) {
    *last = _mm256_maskload_ps(row + full, mask);
    vmx = _mm256_max_ps(vmx, _mm256_blendv_ps(ninf, _mm256_mul_ps(*last, vscale), _mm256_castsi256_ps(mask)));
  }
  float lanes[8];
  _mm256_storeu_ps(lanes, vmx);
  float mx = lanes[0];
  for (int l = 1; l < 8; l++) mx = __builtin_fmaxf(mx, lanes[l]);
  return mx;
}

// exp(x·scale − max) written over the row from entry s (a multiple of 8) to its end, added to
// the eight-lane sum `acc` eight entries at a time; returns the sum.
AVX2_INLINE __m256 softmax_row_exp8(float *row, size_t s, size_t full, size_t tail, __m256i mask, __m256 last,
                                    __m256 vscale, __m256 vm, __m256 acc) {
  for (; s < full; s += 8) {
    __m256 e = exp8(_mm256_fmsub_ps(_mm256_loadu_ps(row + s), vscale, vm));
    _mm256_storeu_ps(row + s, e);
    acc = _mm256_add_ps(acc, e);
  }
  if (tail) {
    __m256 e = _mm256_and_ps(exp8(_mm256_fmsub_ps(last, vscale, vm)), _mm256_castsi256_ps(mask));
    _mm256_maskstore_ps(row + full, mask, e);
    acc = _mm256_add_ps(acc, e);
  }
  return acc;
}

// Multiplies the row from entry s (a multiple of 8) to its end by `inv` and zeroes it past the
// diagonal up to `time`.
AVX2_INLINE void softmax_row_scale8(float *row, size_t s, size_t full, size_t n, size_t time, size_t tail,
                                    __m256i mask, float inv) {
  const __m256 vinv = _mm256_set1_ps(inv);
  for (; s < full; s += 8) _mm256_storeu_ps(row + s, _mm256_mul_ps(_mm256_loadu_ps(row + s), vinv));
  // The masked load reads the tail's lanes past the diagonal as 0.
  __m256 v = tail ? _mm256_mul_ps(_mm256_maskload_ps(row + full, mask), vinv) : _mm256_setzero_ps();
  store_tail_and_zero(row, full, n, time, v, mask);
}

__attribute__((target("avx2,fma"))) static void softmax_causal_avx2(float *restrict p, size_t time,
                                                                    size_t r0, size_t r1, float scale) {
  const __m256 vscale = _mm256_set1_ps(scale);
  const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  for (size_t t = r0; t < r1; t++) {
    float *row = p + t * time;
    size_t n = t + 1, full = n & ~(size_t)7, tail = n - full;
    __m256i mask = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)tail), lane);
    __m256 last;
    float mx = softmax_row_max8(row, full, tail, mask, vscale, &last);
    __m256 acc = softmax_row_exp8(row, 0, full, tail, mask, last, vscale, _mm256_set1_ps(mx), _mm256_setzero_ps());
    float lanes[8];
    _mm256_storeu_ps(lanes, acc);
    softmax_row_scale8(row, 0, full, n, time, tail, mask, 1.0f / softmax_lane_sum(lanes));
  }
}
// exp8 on sixteen lanes: the same operations lane by lane, so the same bits.
#define AVX512_TARGET __attribute__((target("avx512f,avx512dq,avx512vl,avx512bw,avx2,fma")))
AVX512_TARGET static inline __m512 exp16(__m512 x) {
  __m512 xc = _mm512_min_ps(x, _mm512_set1_ps(88.0f));  // NaN → 88 here, restored at the end
  xc = _mm512_max_ps(xc, _mm512_set1_ps(-87.3f));
  __m512 fx = _mm512_roundscale_ps(_mm512_fmadd_ps(xc, _mm512_set1_ps(1.44269504088896341f), _mm512_set1_ps(0.5f)),
                                   _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
  __m512 r = _mm512_fnmadd_ps(fx, _mm512_set1_ps(0.693359375f), xc);
  r = _mm512_fnmadd_ps(fx, _mm512_set1_ps(-2.12194440e-4f), r);
  __m512 y = _mm512_set1_ps(1.9875691500e-4f);
  y = _mm512_fmadd_ps(y, r, _mm512_set1_ps(1.3981999507e-3f));
  y = _mm512_fmadd_ps(y, r, _mm512_set1_ps(8.3334519073e-3f));
  y = _mm512_fmadd_ps(y, r, _mm512_set1_ps(4.1665795894e-2f));
  y = _mm512_fmadd_ps(y, r, _mm512_set1_ps(1.6666665459e-1f));
  y = _mm512_fmadd_ps(y, r, _mm512_set1_ps(5.0000001201e-1f));
  y = _mm512_add_ps(_mm512_fmadd_ps(_mm512_mul_ps(y, r), r, r), _mm512_set1_ps(1.0f));
  __m512i bits = _mm512_slli_epi32(_mm512_add_epi32(_mm512_cvttps_epi32(fx), _mm512_set1_epi32(127)), 23);
  __m512 result = _mm512_mul_ps(y, _mm512_castsi512_ps(bits));
  __mmask16 under = _mm512_cmp_ps_mask(x, _mm512_set1_ps(-87.3f), _CMP_LT_OQ);
  result = _mm512_maskz_mov_ps((__mmask16)~under, result);
  return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(x, x, _CMP_ORD_Q), x, result);
}

// softmax_causal_avx2 with its exponentials and its final scaling sixteen lanes at a time. The
// maximum and the sum keep the eight-lane order: each sixteen lanes are added to the eight-lane
// sum as their low half, then their high half, as two eight-lane steps would be. Same bits.
AVX512_TARGET static void softmax_causal_avx512(float *restrict p, size_t time, size_t r0, size_t r1,
                                                float scale) {
  const __m256 vscale = _mm256_set1_ps(scale);
  const __m512 wscale = _mm512_set1_ps(scale);
  const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  for (size_t t = r0; t < r1; t++) {
    float *row = p + t * time;
    size_t n = t + 1, full = n & ~(size_t)7, tail = n - full;
    __m256i mask = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)tail), lane);
    __m256 last;
    float mx = softmax_row_max8(row, full, tail, mask, vscale, &last);
    const __m512 wm = _mm512_set1_ps(mx);
    __m256 acc = _mm256_setzero_ps();
    size_t s = 0;
    for (; s + 16 <= full; s += 16) {
      __m512 e = exp16(_mm512_fmsub_ps(_mm512_loadu_ps(row + s), wscale, wm));
      _mm512_storeu_ps(row + s, e);
      acc = _mm256_add_ps(acc, _mm512_castps512_ps256(e));
      acc = _mm256_add_ps(acc, _mm512_extractf32x8_ps(e, 1));
    }
    acc = softmax_row_exp8(row, s, full, tail, mask, last, vscale, _mm256_set1_ps(mx), acc);
    float lanes[8];
    _mm256_storeu_ps(lanes, acc);
    const float inv = 1.0f / softmax_lane_sum(lanes);
    const __m512 winv = _mm512_set1_ps(inv);
    for (s = 0; s + 16 <= full; s += 16) _mm512_storeu_ps(row + s, _mm512_mul_ps(_mm512_loadu_ps(row + s), winv));
    softmax_row_scale8(row, s, full, n, time, tail, mask, inv);
  }
}

__attribute__((target("avx2,fma"))) static void softmax_causal_backward_avx2(const float *restrict p,
                                                                             float *restrict dp,
                                                                             size_t time, size_t r0,
                                                                             size_t r1, float scale) {
  const __m256 vscale = _mm256_set1_ps(scale);
  const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  float lanes[8];
  for (size_t t = r0; t < r1; t++) {
    const float *pr = p + t * time;
    float *dr = dp + t * time;
    size_t n = t + 1, full = n & ~(size_t)7, tail = n - full;
    __m256i mask = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)tail), lane);
    __m256 acc = _mm256_setzero_ps();
    for (size_t s = 0; s < full; s += 8) acc = _mm256_fmadd_ps(_mm256_loadu_ps(pr + s), _mm256_loadu_ps(dr + s), acc);
    __m256 ptail = _mm256_setzero_ps(), dtail = _mm256_setzero_ps();
    if (tail) {
      ptail = _mm256_maskload_ps(pr + full, mask);
      dtail = _mm256_maskload_ps(dr + full, mask);
      acc = _mm256_fmadd_ps(ptail, dtail, acc);
    }
    _mm256_storeu_ps(lanes, acc);
    const __m256 inner = _mm256_set1_ps(softmax_lane_sum(lanes));
    for (size_t s = 0; s < full; s += 8) {
      __m256 v = _mm256_mul_ps(_mm256_mul_ps(_mm256_loadu_ps(pr + s), _mm256_sub_ps(_mm256_loadu_ps(dr + s), inner)), vscale);
      _mm256_storeu_ps(dr + s, v);
    }
    // Lanes past the diagonal are cleared (P there is 0, but 0 · a negative number is −0).
    __m256 v = _mm256_and_ps(_mm256_mul_ps(_mm256_mul_ps(ptail, _mm256_sub_ps(dtail, inner)), vscale),
                             _mm256_castsi256_ps(mask));
    store_tail_and_zero(dr, full, n, time, v, mask);
  }
}

// Tiled causal attention, the AVX2 path for head sizes up to 256. The same micro-kernels as the
// matrix multiply (6 × 16, or 6 × 32 with AVX-512), driven over the lower triangle one block of six
// rows at a time: the scores of a block need only the 16-column panels up to its diagonal, its
// softmax runs while the block is in L1, and P V for it needs only the columns up to its last row.
// K, V, dO and Q are packed once per head (the chunked products below pack them once per 48-row
// chunk), and Pᵀ, dSᵀ are read in place, six columns at a time, instead of being packed. Every
// element gets the same FMA chain as in the chunked products, in the same order and with the same
// 256-term blocks; the only terms left out are the mask's exact zeros, which add nothing to a chain
// that starts at +0 (it can never become −0 under round to nearest). So the results are bit for bit
// those of lrkit_attention_chunked (tested, T up to 520 and head sizes 1–64) when the inputs are
// finite. An infinite or NaN value at a later position is multiplied by a masked 0 and makes a NaN
// in earlier rows of the same 48-row chunk in the chunked products, of the same 6-row block in the
// tiled kernels.

// C[:, 0:n) (+)= A · B for one block of `rows` rows, B in 16-column panels `stride` apart; two
// panels at a time, or one, with the AVX-512 kernels where the matrix products use them (same
// bits).
__attribute__((target("avx2,fma"))) static void tile_row(const float *a, size_t rs, size_t ks, size_t kc,
                                                         const float *b, size_t stride, size_t n, float *c,
                                                         size_t ldc, size_t rows, int accumulate) {
  int wide = lrkit_gemm_uses_avx512();
  for (size_t j0 = 0; j0 < n; j0 += LRKIT_NR) {
    if (wide && j0 + LRKIT_NR < n) {
      const float *b0p = b + (j0 / LRKIT_NR) * stride;
      size_t width2 = n - j0 < 2 * LRKIT_NR ? n - j0 : 2 * LRKIT_NR;
      lrkit_kernel_avx512_6x32(kc, a, rs, ks, b0p, b0p + stride, c + j0, ldc, rows, width2, accumulate, NULL);
      j0 += LRKIT_NR;
      continue;
    }
    size_t width = n - j0 < LRKIT_NR ? n - j0 : LRKIT_NR;
    if (wide) {
      lrkit_kernel_avx512_6x16(kc, a, rs, ks, b + (j0 / LRKIT_NR) * stride, LRKIT_NR, c + j0, ldc, rows,
                               width, accumulate, NULL);
      continue;
    }
    lrkit_kernel_avx2(kc, a, rs, ks, b + (j0 / LRKIT_NR) * stride, LRKIT_NR, c + j0, ldc, rows, width,
                      accumulate, NULL);
  }
}

// Rows [i0, i0 + rows) of op(A) (A itself, or Aᵀ when `trans`: A's columns), over op(A)'s
// columns [k0, k0 + kc): read in place when there are six rows, packed into `buffer` otherwise
// (a short block read in place would run past the matrix). Sets *rs, *ks.
static const float *a_block(int trans, const float *a, size_t lda, size_t i0, size_t rows, size_t k0, size_t kc,
                            float *buffer, size_t *rs, size_t *ks) {
  if (rows == LRKIT_MR && !trans) {
    *rs = lda, *ks = 1;
    return a + i0 * lda + k0;
  }
  if (rows == LRKIT_MR) {
    *rs = 1, *ks = lda;
    return a + k0 * lda + i0;
  }
  lrkit_pack_a(trans, k0, kc, a, lda, i0, rows, buffer);
  *rs = 1, *ks = LRKIT_MR;
  return buffer;
}

static size_t round_to_panels(size_t n) { return (n + LRKIT_NR - 1) / LRKIT_NR * LRKIT_NR; }

// The scratch for one head: K (or V) packed transposed, and three operands packed by rows.
static size_t panel_floats(size_t time, size_t hs) {
  return round_to_panels(time) * hs + 3 * round_to_panels(hs) * time;
}

// The score columns a block of rows ending at `end` computes: whole panels up to its diagonal
// (the part past the diagonal is garbage the softmax overwrites with zeros).
static size_t score_columns(size_t end, size_t time) {
  size_t n = round_to_panels(end);
  return n < time ? n : time;
}

__attribute__((target("avx2,fma"))) static void attention_head_tiled(const float *q, const float *k,
                                                                     const float *v, float *out, float *p,
                                                                     size_t time, size_t channels, size_t hs,
                                                                     float *panels, float *buffer) {
  size_t c3 = 3 * channels, rs, ks;
  float scale = 1.0f / sqrtf((float)hs);
  float *kt = panels, *vp = panels + round_to_panels(time) * hs;
  lrkit_pack_b_transposed(0, hs, time, k, c3, kt, 1);  // Kᵀ: panel j is hs × 16
  lrkit_pack_b_rows(0, time, hs, v, c3, vp);           // V: panel j is T × 16
  int wide_softmax = lrkit_has_avx512();  // the same bits as the AVX2 softmax
  for (size_t i0 = 0; i0 < time; i0 += LRKIT_MR) {
    size_t rows = time - i0 < LRKIT_MR ? time - i0 : LRKIT_MR, end = i0 + rows;
    const float *a = a_block(0, q, c3, i0, rows, 0, hs, buffer, &rs, &ks);  // S = Q Kᵀ
    tile_row(a, rs, ks, hs, kt, LRKIT_NR * hs, score_columns(end, time), p + i0 * time, time, rows, 0);
    if (wide_softmax) {
      softmax_causal_avx512(p, time, i0, end, scale);
    } else {
      softmax_causal_avx2(p, time, i0, end, scale);
    }
    for (size_t k0 = 0; k0 < end; k0 += LRKIT_KC) {  // out = P V over s < end
      size_t kc = end - k0 < LRKIT_KC ? end - k0 : LRKIT_KC;
      a = a_block(0, p, time, i0, rows, k0, kc, buffer, &rs, &ks);
      tile_row(a, rs, ks, kc, vp + k0 * LRKIT_NR, LRKIT_NR * time, hs, out + i0 * channels, channels, rows,
               k0 > 0);
    }
  }
}

__attribute__((target("avx2,fma"))) static void attention_backward_head_tiled(
    const float *q, const float *k, const float *v, const float *p, const float *go, float *dq, float *dk,
    float *dv, float *ds, size_t time, size_t channels, size_t hs, int accumulate, float *panels,
    float *buffer) {
  size_t c3 = 3 * channels, rs, ks, rows_panel = round_to_panels(hs) * time;
  float scale = 1.0f / sqrtf((float)hs);
  float *vt = panels, *kp = vt + round_to_panels(time) * hs;
  float *gp = kp + rows_panel, *qp = gp + rows_panel;
  lrkit_pack_b_transposed(0, hs, time, v, c3, vt, 1);  // Vᵀ for dP = dO Vᵀ
  lrkit_pack_b_rows(0, time, hs, k, c3, kp);           // K for dQ = dS K
  lrkit_pack_b_rows(0, time, hs, go, channels, gp);    // dO for dV = Pᵀ dO
  lrkit_pack_b_rows(0, time, hs, q, c3, qp);           // Q for dK = dSᵀ Q
  for (size_t i0 = 0; i0 < time; i0 += LRKIT_MR) {
    size_t rows = time - i0 < LRKIT_MR ? time - i0 : LRKIT_MR, end = i0 + rows;
    const float *a = a_block(0, go, channels, i0, rows, 0, hs, buffer, &rs, &ks);
    tile_row(a, rs, ks, hs, vt, LRKIT_NR * hs, score_columns(end, time), ds + i0 * time, time, rows, 0);
    softmax_causal_backward_avx2(p, ds, time, i0, end, scale);
    for (size_t k0 = 0; k0 < end; k0 += LRKIT_KC) {  // dQ (+)= dS K over s < end
      size_t kc = end - k0 < LRKIT_KC ? end - k0 : LRKIT_KC;
      a = a_block(0, ds, time, i0, rows, k0, kc, buffer, &rs, &ks);
      tile_row(a, rs, ks, kc, kp + k0 * LRKIT_NR, LRKIT_NR * time, hs, dq + i0 * c3, c3, rows,
               accumulate || k0 > 0);
    }
  }
  // dV, dK for rows [s0, s0 + 6) sum over t ≥ s0, in the 256-term blocks the chunked products
  // use (they start at the 48-row chunk's first row; the terms before s0 are the mask's zeros).
  for (size_t s0 = 0; s0 < time; s0 += LRKIT_MR) {
    size_t rows = time - s0 < LRKIT_MR ? time - s0 : LRKIT_MR, base = s0 / CHUNK * CHUNK;
    for (size_t k0 = s0, k1 = base + LRKIT_KC; k0 < time; k0 = k1, k1 += LRKIT_KC) {
      size_t kc = (k1 < time ? k1 : time) - k0;
      int acc = accumulate || k0 > s0;
      const float *a = a_block(1, p, time, s0, rows, k0, kc, buffer, &rs, &ks);
      tile_row(a, rs, ks, kc, gp + k0 * LRKIT_NR, LRKIT_NR * time, hs, dv + s0 * c3, c3, rows, acc);
      a = a_block(1, ds, time, s0, rows, k0, kc, buffer, &rs, &ks);
      tile_row(a, rs, ks, kc, qp + k0 * LRKIT_NR, LRKIT_NR * time, hs, dk + s0 * c3, c3, rows, acc);
    }
  }
}
#endif

void lrkit_gelu(const float *x, float *y, float *cdf, size_t n) { DISPATCH_AVX512(gelu, x, y, cdf, n); }

void lrkit_gelu_backward(const float *x, const float *cdf, const float *dy, float *dx, size_t n,
                         int accumulate) {
  DISPATCH_AVX512(gelu_backward, x, cdf, dy, dx, n, accumulate);
}

void lrkit_gelu_slope(const float *x, float *y, float *slope, size_t n) {
  DISPATCH_AVX512(gelu_slope, x, y, slope, n);
}

void lrkit_gelu_backward_slope(const float *slope, const float *dy, float *dx, size_t n, int accumulate) {
  DISPATCH_AVX512(gelu_backward_slope, slope, dy, dx, n, accumulate);
}

void lrkit_layernorm(const float *x, const float *w, const float *b, float *y, float *mean,
                     float *rstd, size_t rows, size_t cols, float eps) {
  DISPATCH(layernorm, x, w, b, y, mean, rstd, rows, cols, eps);
}

void lrkit_layernorm_backward(const float *x, const float *w, const float *mean,
                              const float *rstd, const float *dy, float *dx, float *dw,
                              float *db, size_t rows, size_t cols, int accumulate) {
  DISPATCH(layernorm_backward, x, w, mean, rstd, dy, dx, dw, db, rows, cols, accumulate);
}

void lrkit_add(const float *a, const float *b, float *y, size_t n) { DISPATCH(add, a, b, y, n); }
void lrkit_mul(const float *a, const float *b, float *y, size_t n) { DISPATCH(mul, a, b, y, n); }

void lrkit_bias_add(float *y, const float *bias, size_t rows, size_t cols) {
  DISPATCH(bias_add, y, bias, rows, cols);
}

void lrkit_bias_backward(float *db, const float *dy, size_t rows, size_t cols) {
  DISPATCH(bias_backward, db, dy, rows, cols);
}


void lrkit_attention_chunked(const float *qkv, float *out, float *probs, size_t time, size_t channels,
                             size_t heads) {
  size_t hs = channels / heads, c3 = 3 * channels;
  float scale = 1.0f / sqrtf((float)hs);
  for (size_t h = 0; h < heads; h++) {
    float *p = probs + h * time * time;
    const float *q = qkv + h * hs, *k = q + channels, *v = q + 2 * channels;
    for (size_t t0 = 0; t0 < time; t0 += CHUNK) {  // S = Q Kᵀ, lower triangle
      size_t t1 = t0 + CHUNK < time ? t0 + CHUNK : time;
      lrkit_sgemm(0, 1, t1 - t0, t1, hs, q + t0 * c3, c3, k, c3, 0, p + t0 * time, time);
    }
    DISPATCH(softmax_causal, p, time, 0, time, scale);
    for (size_t t0 = 0; t0 < time; t0 += CHUNK) {  // out = P V
      size_t t1 = t0 + CHUNK < time ? t0 + CHUNK : time;
      lrkit_sgemm(0, 0, t1 - t0, hs, t1, p + t0 * time, time, v, c3, 0, out + t0 * channels + h * hs,
                  channels);
    }
  }
}

void lrkit_attention_backward_chunked(const float *qkv, const float *probs, const float *dout,
                                      float *dqkv, size_t time, size_t channels, size_t heads,
                                      int accumulate) {
  size_t hs = channels / heads, c3 = 3 * channels;
  float scale = 1.0f / sqrtf((float)hs);
  float *ds = lrkit_scratch(LRKIT_SCRATCH_ATTENTION, time * time);
  for (size_t h = 0; h < heads; h++) {
    const float *p = probs + h * time * time;
    const float *q = qkv + h * hs, *k = q + channels, *v = q + 2 * channels;
    const float *go = dout + h * hs;
    float *dq = dqkv + h * hs, *dk = dq + channels, *dv = dq + 2 * channels;
    for (size_t t0 = 0; t0 < time; t0 += CHUNK) {  // dP = dO Vᵀ, lower triangle
      size_t t1 = t0 + CHUNK < time ? t0 + CHUNK : time;
      lrkit_sgemm(0, 1, t1 - t0, t1, hs, go + t0 * channels, channels, v, c3, 0, ds + t0 * time, time);
    }
    DISPATCH(softmax_causal_backward, p, ds, time, 0, time, scale);
    for (size_t t0 = 0; t0 < time; t0 += CHUNK) {
      size_t t1 = t0 + CHUNK < time ? t0 + CHUNK : time, m = t1 - t0, later = time - t0;
      // dQ[t0:t1] (+)= dS[t0:t1, 0:t1] K[0:t1]
      lrkit_sgemm(0, 0, m, hs, t1, ds + t0 * time, time, k, c3, accumulate, dq + t0 * c3, c3);
      // dV[t0:t1] (+)= P[t0:T, t0:t1]ᵀ dO[t0:T];  dK[t0:t1] (+)= dS[t0:T, t0:t1]ᵀ Q[t0:T]
      lrkit_sgemm(1, 0, m, hs, later, p + t0 * time + t0, time, go + t0 * channels, channels,
                  accumulate, dv + t0 * c3, c3);
      lrkit_sgemm(1, 0, m, hs, later, ds + t0 * time + t0, time, q + t0 * c3, c3, accumulate,
                  dk + t0 * c3, c3);
    }
  }
}

// The tiled kernels when the CPU has AVX2 + FMA and the head size fits one 256-term block,
// the chunked products otherwise; both give the same bits.
static int use_tiled(size_t time, size_t hs) {
#if defined(__x86_64__) && defined(__clang__)
  return time > 0 && hs > 0 && hs <= LRKIT_KC && lrkit_has_avx2_fma();
#else
  (void)time, (void)hs;
  return 0;
#endif
}

void lrkit_attention(const float *qkv, float *out, float *probs, size_t time, size_t channels, size_t heads) {
  size_t hs = heads ? channels / heads : 0;
  if (!use_tiled(time, hs)) {
    lrkit_attention_chunked(qkv, out, probs, time, channels, heads);
    return;
  }
#if defined(__x86_64__) && defined(__clang__)
  float *panels = lrkit_scratch(LRKIT_SCRATCH_PANELS, panel_floats(time, hs));
  float *buffer = lrkit_scratch(LRKIT_SCRATCH_PANEL_A, LRKIT_MR * LRKIT_KC);
  for (size_t h = 0; h < heads; h++) {
    const float *q = qkv + h * hs;
    attention_head_tiled(q, q + channels, q + 2 * channels, out + h * hs, probs + h * time * time, time,
                         channels, hs, panels, buffer);
  }
#endif
}

void lrkit_attention_backward(const float *qkv, const float *probs, const float *dout, float *dqkv, size_t time,
                              size_t channels, size_t heads, int accumulate) {
  size_t hs = heads ? channels / heads : 0;
  if (!use_tiled(time, hs)) {
    lrkit_attention_backward_chunked(qkv, probs, dout, dqkv, time, channels, heads, accumulate);
    return;
  }
#if defined(__x86_64__) && defined(__clang__)
  float *ds = lrkit_scratch(LRKIT_SCRATCH_ATTENTION, time * time);
  float *panels = lrkit_scratch(LRKIT_SCRATCH_PANELS, panel_floats(time, hs));
  float *buffer = lrkit_scratch(LRKIT_SCRATCH_PANEL_A, LRKIT_MR * LRKIT_KC);
  for (size_t h = 0; h < heads; h++) {
    const float *q = qkv + h * hs;
    float *dq = dqkv + h * hs;
    attention_backward_head_tiled(q, q + channels, q + 2 * channels, probs + h * time * time, dout + h * hs, dq,
                                  dq + channels, dq + 2 * channels, ds, time, channels, hs, accumulate, panels,
                                  buffer);
  }
#endif
}
