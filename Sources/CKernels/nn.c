// Layer kernels of the training engine (GELU, LayerNorm, causal attention, element-wise
// helpers). The loops are in nn_body.h, compiled twice — AVX2 + FMA and baseline — and chosen
// at run time like the matrix multiply. exp and erf are branch-free polynomial approximations
// so that the loops vectorize:
//   exp: Cephes expf (range reduction by ln 2, degree-5 polynomial), relative error < 2e-7,
//        exactly 0 below -87.3 (where expf underflows to subnormals);
//   erf: Abramowitz & Stegun 7.1.26, absolute error < 1.5e-7 — the formula PyTorch's own
//        vectorized CPU erf (ATen Vectorized<float>::erf) uses for nn.GELU().
#include "lrkit_kernels.h"
#include "scratch.h"
#include <math.h>
#include <stdint.h>
#include <string.h>

static inline __attribute__((always_inline)) float exp_approx(float x) {
  float xc = x > 88.0f ? 88.0f : x;
  xc = xc < -87.3f ? -87.3f : xc;
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
  return x < -87.3f ? 0.0f : result;
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
#define DISPATCH(f, ...) \
  do { if (lrkit_has_avx2_fma()) f##_avx2(__VA_ARGS__); else f##_portable(__VA_ARGS__); } while (0)
#else
#define DISPATCH(f, ...) f##_portable(__VA_ARGS__)
#endif

float lrkit_exp_approx(float x) { return exp_approx(x); }
float lrkit_erf_approx(float x) { return erf_approx(x); }

void lrkit_gelu(const float *x, float *y, float *cdf, size_t n) { DISPATCH(gelu, x, y, cdf, n); }

void lrkit_gelu_backward(const float *x, const float *cdf, const float *dy, float *dx, size_t n) {
  DISPATCH(gelu_backward, x, cdf, dy, dx, n);
}

void lrkit_layernorm(const float *x, const float *w, const float *b, float *y, float *mean,
                     float *rstd, size_t rows, size_t cols, float eps) {
  DISPATCH(layernorm, x, w, b, y, mean, rstd, rows, cols, eps);
}

void lrkit_layernorm_backward(const float *x, const float *w, const float *mean,
                              const float *rstd, const float *dy, float *dx, float *dw,
                              float *db, size_t rows, size_t cols) {
  DISPATCH(layernorm_backward, x, w, mean, rstd, dy, dx, dw, db, rows, cols);
}

void lrkit_add(const float *a, const float *b, float *y, size_t n) { DISPATCH(add, a, b, y, n); }
void lrkit_mul(const float *a, const float *b, float *y, size_t n) { DISPATCH(mul, a, b, y, n); }

void lrkit_bias_add(float *y, const float *bias, size_t rows, size_t cols) {
  DISPATCH(bias_add, y, bias, rows, cols);
}

void lrkit_bias_backward(float *db, const float *dy, size_t rows, size_t cols) {
  DISPATCH(bias_backward, db, dy, rows, cols);
}

void lrkit_attention(const float *qkv, float *out, float *probs, size_t time, size_t channels,
                     size_t heads) {
  size_t hs = channels / heads, c3 = 3 * channels;
  float scale = 1.0f / sqrtf((float)hs);
  for (size_t h = 0; h < heads; h++) {
    float *p = probs + h * time * time;
    const float *q = qkv + h * hs, *k = q + channels, *v = q + 2 * channels;
    lrkit_sgemm(0, 1, time, time, hs, q, c3, k, c3, 0, p, time);  // S = Q Kᵀ
    DISPATCH(softmax_causal, p, time, scale);
    lrkit_sgemm(0, 0, time, hs, time, p, time, v, c3, 0, out + h * hs, channels);  // P V
  }
}

void lrkit_attention_backward(const float *qkv, const float *probs, const float *dout,
                              float *dqkv, size_t time, size_t channels, size_t heads) {
  size_t hs = channels / heads, c3 = 3 * channels;
  float scale = 1.0f / sqrtf((float)hs);
  float *ds = lrkit_scratch(LRKIT_SCRATCH_ATTENTION, time * time);
  for (size_t h = 0; h < heads; h++) {
    const float *p = probs + h * time * time;
    const float *q = qkv + h * hs, *k = q + channels, *v = q + 2 * channels;
    const float *dout_h = dout + h * hs;
    float *dq = dqkv + h * hs, *dk = dq + channels, *dv = dq + 2 * channels;
    lrkit_sgemm(0, 1, time, time, hs, dout_h, channels, v, c3, 0, ds, time);  // dP = dO Vᵀ
    lrkit_sgemm(1, 0, time, hs, time, p, time, dout_h, channels, 1, dv, c3);  // dV += Pᵀ dO
    DISPATCH(softmax_causal_backward, p, ds, time, scale);
    lrkit_sgemm(0, 0, time, hs, time, ds, time, k, c3, 1, dq, c3);  // dQ += dS K
    lrkit_sgemm(1, 0, time, hs, time, ds, time, q, c3, 1, dk, c3);  // dK += dSᵀ Q
  }
}
