// The optimizer's kernel: Adam / AdamW with an AVX2 path chosen at run time and a portable one.
// Floating-point contraction is off, so every path rounds exactly like the portable Swift code:
// the instruction set never changes a bit of the result.
#ifndef LRKIT_ADAM_H
#define LRKIT_ADAM_H

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

/// The instruction set the kernels use on this machine: "avx2" or "portable".
const char *lrkit_kernels_isa(void);

#endif
