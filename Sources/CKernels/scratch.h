// Per-thread scratch buffers for the kernels: grown on demand, reused across calls, freed when
// the thread ends. Internal to CKernels.
#ifndef LRKIT_SCRATCH_H
#define LRKIT_SCRATCH_H

#include <stddef.h>

enum {
  LRKIT_SCRATCH_GEMM_A = 0,
  LRKIT_SCRATCH_GEMM_B = 1,
  LRKIT_SCRATCH_ATTENTION = 2,
  LRKIT_SCRATCH_PANELS = 3,
  LRKIT_SCRATCH_PANEL_A = 4,
  LRKIT_SCRATCH_SLOTS = 5
};

/// At least `count` floats, 64-byte aligned, owned by the calling thread; the contents are
/// unspecified. Aborts only when memory is exhausted.
float *lrkit_scratch(int slot, size_t count);

#endif
