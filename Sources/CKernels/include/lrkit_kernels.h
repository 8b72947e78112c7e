// The training engine's C kernels (GEMM, the layer kernels, attention): each has an AVX2 path
// chosen at run time and a portable one; FMA on the AVX2 path, so results are reproducible per
// instruction set, and independent of the number of threads. The optimizer's Adam kernel and
// the CRC-32C of TensorBoard records live in COptimizerKernels and CChecksum, so that a module
// links only the kernels it uses.
#ifndef LRKIT_KERNELS_H
#define LRKIT_KERNELS_H

#include <stddef.h>

/// Rows [row_begin, row_end) of C = op(A) · op(B) (+ C when `accumulate`), row-major:
/// op(A) is M × K (A stored K × M when `trans_a`), op(B) is K × N (B stored N × K when
/// `trans_b`). Single-threaded; callers split rows across threads. Each element of C is summed
/// over k in the same order whatever the row split.
void lrkit_sgemm_rows(int trans_a, int trans_b, size_t m, size_t n, size_t k, const float *a,
                      size_t lda, const float *b, size_t ldb, int accumulate, float *c,
                      size_t ldc, size_t row_begin, size_t row_end);

/// lrkit_sgemm_rows with a bias and a bias gradient fused in. When `bias` is not NULL, bias[j]
/// is added to each row of C after its product: C = (op(A) · op(B) [+ C]) + bias, the bits of
/// the product followed by lrkit_bias_add. When `bias_sum` is not NULL, bias_sum[j] +=
/// Σ_kk op(B)[kk][j] in increasing kk, the bits of lrkit_bias_backward over op(B): the gradient
/// of a bias when B is dy. The sum is over all of op(B), whatever the row range, so a caller
/// that splits rows passes `bias_sum` to one range only.
void lrkit_sgemm_rows_bias(int trans_a, int trans_b, size_t m, size_t n, size_t k, const float *a,
                           size_t lda, const float *b, size_t ldb, int accumulate, float *c,
                           size_t ldc, size_t row_begin, size_t row_end, const float *bias,
                           float *bias_sum);

/// All rows of lrkit_sgemm_rows.
void lrkit_sgemm(int trans_a, int trans_b, size_t m, size_t n, size_t k, const float *a,
                 size_t lda, const float *b, size_t ldb, int accumulate, float *c, size_t ldc);

/// 1 when the CPU has AVX2 and FMA (the fast kernels run), 0 otherwise or when the
/// environment variable LRKIT_ISA is "portable" (read once; CI tests the portable kernels so).
int lrkit_has_avx2_fma(void);
/// 1 when LRKIT_ISA=portable asks for the portable kernels.
int lrkit_isa_forced_portable(void);
/// 1 when the CPU has AVX-512 (F, VL, BW, DQ) besides AVX2 and FMA and it is allowed: GELU then
/// runs 16 lanes wide, with the same bits as the AVX2 path. LRKIT_ISA=avx2 (or portable)
/// disallows it.
int lrkit_has_avx512(void);
/// Allows (1) or disallows (0) the AVX-512 path at run time (for tests comparing it with AVX2).
void lrkit_allow_avx512(int allow);
/// 1 when the matrix products use the 6 × 32 AVX-512 micro-kernel: the CPU has AVX-512F besides
/// AVX2 and FMA, LRKIT_ISA is not "avx2" or "portable", and it is allowed. Same bits as the
/// 6 × 16 AVX2 kernel (the same FMA chain per element); twice the width, which CPUs with two
/// 512-bit FMA units run at twice the rate.
int lrkit_gemm_uses_avx512(void);
/// Allows (1) or disallows (0) the AVX-512 matrix kernel at run time (for tests and benchmarks).
void lrkit_gemm_allow_avx512(int allow);
/// Caps the columns of one packed block of B (rounded down to a multiple of 32, at least 32);
/// 0 restores the default, half of the core's L2 at the block's depth. The bits never depend on
/// it: tests set it to compare block sizes.
void lrkit_gemm_set_column_limit(size_t columns);
/// The cap set by lrkit_gemm_set_column_limit (0: the default).
size_t lrkit_gemm_column_limit(void);

/// GELU with erf, y = x·Φ(x); keeps Φ(x) in `cdf` when it is not NULL.
void lrkit_gelu(const float *x, float *y, float *cdf, size_t n);
/// dx (+)= dy · (Φ(x) + x·φ(x)) (added when `accumulate`, else written); `cdf` (Φ from the
/// forward pass) may be NULL.
void lrkit_gelu_backward(const float *x, const float *cdf, const float *dy, float *dx, size_t n,
                         int accumulate);
/// GELU as lrkit_gelu, keeping the slope Φ(x) + x·φ(x) in `slope` instead of Φ(x).
void lrkit_gelu_slope(const float *x, float *y, float *slope, size_t n);
/// dx (+)= dy · slope, with the slope kept by lrkit_gelu_slope: lrkit_gelu_backward's bits.
void lrkit_gelu_backward_slope(const float *slope, const float *dy, float *dx, size_t n, int accumulate);
/// LayerNorm over rows of `cols`, keeping each row's mean and 1/σ.
void lrkit_layernorm(const float *x, const float *w, const float *b, float *y, float *mean,
                     float *rstd, size_t rows, size_t cols, float eps);
/// LayerNorm backward: accumulates dw, db; adds into dx when `accumulate`, else writes it.
void lrkit_layernorm_backward(const float *x, const float *w, const float *mean,
                              const float *rstd, const float *dy, float *dx, float *dw,
                              float *db, size_t rows, size_t cols, int accumulate);
/// y = a + b (y may alias a or b).
void lrkit_add(const float *a, const float *b, float *y, size_t n);
/// y = a · b element-wise (y may alias a or b).
void lrkit_mul(const float *a, const float *b, float *y, size_t n);
/// Adds `bias` to every row.
void lrkit_bias_add(float *y, const float *bias, size_t rows, size_t cols);
/// db += column sums of dy.
void lrkit_bias_backward(float *db, const float *dy, size_t rows, size_t cols);
/// Causal multi-head self-attention of one sequence: qkv is T × 3C, out T × C, probs H × T × T.
void lrkit_attention(const float *qkv, float *out, float *probs, size_t time, size_t channels,
                     size_t heads);
/// Its backward: dqkv (T × 3C) from dout (T × C), added when `accumulate`, else written.
void lrkit_attention_backward(const float *qkv, const float *probs, const float *dout,
                              float *dqkv, size_t time, size_t channels, size_t heads,
                              int accumulate);
/// The attention as row-chunked matrix products: the portable path, and the reference the tiled
/// AVX2 kernels behind lrkit_attention are tested against (same bits).
void lrkit_attention_chunked(const float *qkv, float *out, float *probs, size_t time, size_t channels,
                             size_t heads);
/// The backward of lrkit_attention_chunked.
void lrkit_attention_backward_chunked(const float *qkv, const float *probs, const float *dout,
                                      float *dqkv, size_t time, size_t channels, size_t heads,
                                      int accumulate);

/// The single-thread FMA peak at the width the matrix products use: `iterations` rounds of 12
/// independent 16-wide fused multiply-adds when they use AVX-512, of 10 independent 8-wide ones
/// with AVX2 + FMA, else portable code; returns the floating-point operations done (2 per lane
/// per FMA). Timed by the caller to give this core's peak GFLOP/s.
double lrkit_fma_peak(size_t iterations);

#endif
