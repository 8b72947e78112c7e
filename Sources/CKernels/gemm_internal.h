// The pieces of gemm.c that the tiled attention kernels in nn.c reuse: the block sizes, the
// packing routines and the AVX2 and AVX-512 micro-kernels. Internal to CKernels.
#ifndef LRKIT_GEMM_INTERNAL_H
#define LRKIT_GEMM_INTERNAL_H

#include <stddef.h>

#define LRKIT_MR 6
#define LRKIT_NR 16
#define LRKIT_KC 256

/// Packs rows [k0, k0 + kc) of op(B) = Bᵀ (B stored N × K, leading dimension ldb) into
/// ceil(N/16) panels of kc × 16, zero padded.
void lrkit_pack_b_transposed(size_t k0, size_t kc, size_t n, const float *b, size_t ldb,
                             float *packed, int fast);
/// Packs rows [k0, k0 + kc) of a row-major B (K × N) into ceil(N/16) panels of kc × 16.
void lrkit_pack_b_rows(size_t k0, size_t kc, size_t n, const float *b, size_t ldb, float *packed);
/// Packs `rows` (≤ 6) rows of op(A) from row i0, columns [k0, k0 + kc), k-major, zero padded.
void lrkit_pack_a(int trans_a, size_t k0, size_t kc, const float *a, size_t lda, size_t i0,
                  size_t rows, float *dst);

#if defined(__x86_64__) && defined(__clang__)
/// The 6 × 16 AVX2 micro-kernel: C[r][j] (+)= Σ_kk A[r·rs + kk·ks] · B[kk·bs + j], one FMA
/// chain per element in increasing kk from 0; writes the first rows × width of the tile, then
/// adds bias[j] to each row when `bias` is not NULL ((sum [+ C]) + bias).
__attribute__((target("avx2,fma"))) void lrkit_kernel_avx2(size_t k, const float *a, size_t rs,
                                                           size_t ks, const float *b, size_t bs,
                                                           float *c, size_t ldc, size_t rows,
                                                           size_t width, int accumulate,
                                                           const float *bias);
/// The 6 × 32 AVX-512 micro-kernel over two 16-column panels (b0p, b1p; row stride 16 each):
/// the AVX2 kernel's FMA chain per element, so its bits; `width` ≤ 32. Only where
/// lrkit_gemm_uses_avx512().
__attribute__((target("avx512f,avx2,fma"))) void lrkit_kernel_avx512_6x32(
    size_t k, const float *a, size_t rs, size_t ks, const float *b0p, const float *b1p, float *c,
    size_t ldc, size_t rows, size_t width, int accumulate, const float *bias);
/// The 6 × 16 AVX-512 micro-kernel, one zmm per row: lrkit_kernel_avx2's arguments and bits.
/// Only where lrkit_gemm_uses_avx512().
__attribute__((target("avx512f,avx2,fma"))) void lrkit_kernel_avx512_6x16(
    size_t k, const float *a, size_t rs, size_t ks, const float *b, size_t bs, float *c,
    size_t ldc, size_t rows, size_t width, int accumulate, const float *bias);
#endif

#endif
