#include "lrkit_adam.h"
#include <stdlib.h>
#include <string.h>

// LRKIT_ISA=portable forces the portable code (the engine's kernels read the same variable).
static int forced_portable(void) {
  const char *isa = getenv("LRKIT_ISA");
  return isa && strcmp(isa, "portable") == 0;
}

#pragma clang fp contract(off)

#define ADAM_BODY                                                          \
  for (size_t i = 0; i < n; i++) {                                         \
    float pi = p[i];                                                       \
    float gi = g[i];                                                       \
    if (s->decoupled) {                                                    \
      pi = pi * s->decoupled_factor;                                       \
    } else if (s->weight_decay != 0.0f) {                                  \
      gi = gi + s->weight_decay * pi;                                      \
    }                                                                      \
    float mi = m[i];                                                       \
    float w = s->lerp_weight;                                              \
    mi = w < 0.5f ? mi + w * (gi - mi) : gi - (gi - mi) * (1.0f - w);      \
    float vi = v[i] * s->beta2;                                            \
    vi = vi + s->one_minus_beta2 * gi * gi;                                \
    m[i] = mi;                                                             \
    v[i] = vi;                                                             \
    float second = vi;                                                     \
    if (s->amsgrad) {                                                      \
      float x = vmax[i];                                                   \
      second = vi > x ? vi : x;                                            \
      vmax[i] = second;                                                    \
    }                                                                      \
    float denom = __builtin_sqrtf(second) / s->bias_correction2_sqrt + s->eps; \
    p[i] = pi + s->negative_step_size * (mi / denom);                      \
  }

// The loop with loop-invariant branches hoisted so that it vectorizes.
#define ADAM_KERNEL(NAME, ATTR)                                                         \
  ATTR static void NAME(float *restrict p, const float *restrict g, float *restrict m,  \
                        float *restrict v, float *restrict vmax, size_t n,              \
                        const lrkit_adam_scalars *s) {                                  \
    const float w = s->lerp_weight, b2 = s->beta2, c2 = s->one_minus_beta2;             \
    const float bc = s->bias_correction2_sqrt, eps = s->eps, step = s->negative_step_size; \
    const float f = s->decoupled_factor, wd = s->weight_decay;                          \
    const int decoupled = s->decoupled, l2 = !s->decoupled && wd != 0.0f;               \
    if (w < 0.5f && !s->amsgrad) {                                                      \
      for (size_t i = 0; i < n; i++) {                                                  \
        float pi = p[i], gi = g[i];                                                     \
        pi = decoupled ? pi * f : pi;                                                   \
        gi = l2 ? gi + wd * pi : gi;                                                    \
        float mi = m[i] + w * (gi - m[i]);                                              \
        float vi = v[i] * b2;                                                           \
        vi = vi + c2 * gi * gi;                                                         \
        m[i] = mi;                                                                      \
        v[i] = vi;                                                                      \
        float denom = __builtin_sqrtf(vi) / bc + eps;                                   \
        p[i] = pi + step * (mi / denom);                                                \
      }                                                                                 \
      return;                                                                           \
    }                                                                                   \
    ADAM_BODY                                                                           \
  }

ADAM_KERNEL(adam_portable, )

#if defined(__x86_64__) && defined(__clang__)
#include <immintrin.h>

// AVX2, eight lanes with explicit intrinsics (the compiler does not vectorize sqrtf while it
// may set errno). Same operations in the same order as the scalar loop.
__attribute__((target("avx2"))) static void adam_avx2(float *restrict p, const float *restrict g,
                                                      float *restrict m, float *restrict v,
                                                      float *restrict vmax, size_t n,
                                                      const lrkit_adam_scalars *s) {
  const __m256 w = _mm256_set1_ps(s->lerp_weight), one_w = _mm256_set1_ps(1.0f - s->lerp_weight);
  const __m256 b2 = _mm256_set1_ps(s->beta2), c2 = _mm256_set1_ps(s->one_minus_beta2);
  const __m256 bc = _mm256_set1_ps(s->bias_correction2_sqrt), eps = _mm256_set1_ps(s->eps);
  const __m256 step = _mm256_set1_ps(s->negative_step_size);
  const __m256 f = _mm256_set1_ps(s->decoupled_factor), wd = _mm256_set1_ps(s->weight_decay);
  const int decoupled = s->decoupled, l2 = !s->decoupled && s->weight_decay != 0.0f;
  const int low = s->lerp_weight < 0.5f, ams = s->amsgrad;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    __m256 pi = _mm256_loadu_ps(p + i), gi = _mm256_loadu_ps(g + i), mi = _mm256_loadu_ps(m + i);
    if (decoupled) pi = _mm256_mul_ps(pi, f);
    if (l2) gi = _mm256_add_ps(gi, _mm256_mul_ps(wd, pi));
    __m256 diff = _mm256_sub_ps(gi, mi);
    mi = low ? _mm256_add_ps(mi, _mm256_mul_ps(w, diff)) : _mm256_sub_ps(gi, _mm256_mul_ps(diff, one_w));
    __m256 vi = _mm256_mul_ps(_mm256_loadu_ps(v + i), b2);
    vi = _mm256_add_ps(vi, _mm256_mul_ps(_mm256_mul_ps(c2, gi), gi));
    _mm256_storeu_ps(m + i, mi);
    _mm256_storeu_ps(v + i, vi);
    __m256 second = vi;
    if (ams) {
      second = _mm256_max_ps(vi, _mm256_loadu_ps(vmax + i));
      _mm256_storeu_ps(vmax + i, second);
    }
    __m256 denom = _mm256_add_ps(_mm256_div_ps(_mm256_sqrt_ps(second), bc), eps);
    _mm256_storeu_ps(p + i, _mm256_add_ps(pi, _mm256_mul_ps(step, _mm256_div_ps(mi, denom))));
  }
  adam_portable(p + i, g + i, m + i, v + i, vmax ? vmax + i : vmax, n - i, s);
}

static int isa_level(void) {
  static int cached = -1;
  int level = __atomic_load_n(&cached, __ATOMIC_RELAXED);
  if (level < 0) {
    __builtin_cpu_init();
    level = __builtin_cpu_supports("avx2") && !forced_portable() ? 1 : 0;
    __atomic_store_n(&cached, level, __ATOMIC_RELAXED);
  }
  return level;
}
#else
static int isa_level(void) { return 0; }
#endif

void lrkit_adam(float *p, const float *g, float *m, float *v, float *vmax, size_t n,
                const lrkit_adam_scalars *s) {
#if defined(__x86_64__) && defined(__clang__)
  switch (isa_level()) {
  case 1: adam_avx2(p, g, m, v, vmax, n, s); return;
  default: break;
  }
#endif
  adam_portable(p, g, m, v, vmax, n, s);
}

const char *lrkit_kernels_isa(void) {
  switch (isa_level()) {
  case 1: return "avx2";
  default: return "portable";
  }
}
