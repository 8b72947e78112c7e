// Hot element-wise optimizer kernels: an AVX2 path chosen at run time and a portable one
// (see kernels.c). Floating-point contraction is off, so every path rounds exactly like the
// portable Swift code: the instruction set never changes a bit of the result.
#ifndef LRKIT_KERNELS_H
#define LRKIT_KERNELS_H

#include <stddef.h>

typedef struct {
  float decoupled_factor;  // 1 - lr*wd, or 1 when not decoupled
  int decoupled;           // apply decoupled_factor
  float weight_decay;      // L2 coefficient (not decoupled)
  float lerp_weight;       // 1 - beta1
  float beta2;
  float one_minus_beta2;
  int amsgrad;
  float bias_correction2_sqrt;
  float eps;
  float negative_step_size;  // -lr / (1 - beta1^t)
} lrkit_adam_scalars;

/// Adam / AdamW over n elements (PyTorch's single-tensor operation order). `vmax` may be NULL
/// unless amsgrad.
void lrkit_adam(float *p, const float *g, float *m, float *v, float *vmax, size_t n,
                const lrkit_adam_scalars *s);

/// Packs `op(B)` (K × N, row-major, transposed when `trans_b`) into the panel layout the
/// matrix multiply reads: ceil(N/16) panels of K × 16 floats, zero padded. `packed` must hold
/// lrkit_sgemm_packed_size(K, N) floats.
size_t lrkit_sgemm_packed_size(size_t k, size_t n);
void lrkit_sgemm_pack_b(int trans_b, size_t k, size_t n, const float *b, size_t ldb, float *packed);

/// Rows [row_begin, row_end) of C = op(A) · B + beta · C, with B packed by lrkit_sgemm_pack_b.
/// Row-major; `op(A)` is M × K (A transposed when `trans_a`). beta is 0 (overwrite) or 1 (add).
void lrkit_sgemm_rows(int trans_a, size_t m, size_t n, size_t k, const float *a, size_t lda,
                      const float *packed_b, float beta, float *c, size_t ldc, size_t row_begin,
                      size_t row_end);

/// CRC-32C (Castagnoli, as TFRecord uses) of `n` bytes continuing from `crc` (0 to start):
/// the SSE4.2 instruction when the CPU has it, a table otherwise.
unsigned lrkit_crc32c(const unsigned char *data, size_t n, unsigned crc);

/// The instruction set the kernels use on this machine: "avx2" or "portable".
const char *lrkit_kernels_isa(void);

#endif
