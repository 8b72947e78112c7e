// The bodies of the layer kernels, written as plain loops that the compiler vectorizes.
// nn.c includes this file twice: once compiled for AVX2 + FMA, once for the baseline
// instruction set, with ATTR and NAME set accordingly. Not a public header.

ATTR static void NAME(gelu)(const float *restrict x, float *restrict y, float *restrict cdf,
                            size_t n) {
  if (cdf) {
    for (size_t i = 0; i < n; i++) {
      float v = x[i];
      float phi = gelu_cdf(v);
      cdf[i] = phi;
      y[i] = v * phi;
    }
  } else {
    for (size_t i = 0; i < n; i++) y[i] = x[i] * gelu_cdf(x[i]);
  }
}

// dx (+)= dy · (Φ(x) + x φ(x)); Φ recomputed when `cdf` is NULL.
ATTR static void NAME(gelu_backward)(const float *restrict x, const float *restrict cdf,
                                     const float *restrict dy, float *restrict dx, size_t n,
                                     int accumulate) {
  for (size_t i = 0; i < n; i++) {
    float v = x[i];
    float g = dy[i] * gelu_slope_of(v, cdf ? cdf[i] : gelu_cdf(v));
    dx[i] = accumulate ? dx[i] + g : g;
  }
}

// y = x·Φ(x), and GELU's slope s = Φ(x) + x·φ(x), the one number per element the backward pass
// needs (gelu_backward_slope). gelu_backward computes the same gelu_slope_of, so dy · s is its
// dx bit for bit.
ATTR static void NAME(gelu_slope)(const float *restrict x, float *restrict y, float *restrict slope,
                                  size_t n) {
  for (size_t i = 0; i < n; i++) {
    float v = x[i];
    float phi = gelu_cdf(v);
    y[i] = v * phi;
    slope[i] = gelu_slope_of(v, phi);
  }
}

// dx (+)= dy · s, s kept by gelu_slope.
ATTR static void NAME(gelu_backward_slope)(const float *restrict slope, const float *restrict dy,
                                           float *restrict dx, size_t n, int accumulate) {
  // g rounded on its own before the add, as in gelu_backward (no FMA across the statements).
  for (size_t i = 0; i < n; i++) {
    float g = dy[i] * slope[i];
    dx[i] = accumulate ? dx[i] + g : g;
  }
}

#ifndef NN_BODY_GELU_ONLY
ATTR static void NAME(layernorm)(const float *restrict x, const float *restrict w,
                                 const float *restrict b, float *restrict y,
                                 float *restrict mean, float *restrict rstd, size_t rows,
                                 size_t cols, float eps) {
#pragma clang fp reassociate(on)
  float inv_cols = 1.0f / (float)cols;
  for (size_t r = 0; r < rows; r++) {
    const float *xr = x + r * cols;
    float m = 0;
    for (size_t j = 0; j < cols; j++) m += xr[j];
    m *= inv_cols;
    float v = 0;
    for (size_t j = 0; j < cols; j++) {
      float d = xr[j] - m;
      v += d * d;
    }
    v *= inv_cols;
    float s = 1.0f / __builtin_sqrtf(v + eps);
    float *yr = y + r * cols;
    for (size_t j = 0; j < cols; j++) yr[j] = (xr[j] - m) * s * w[j] + b[j];
    mean[r] = m;
    rstd[r] = s;
  }
}

ATTR static void NAME(layernorm_backward)(const float *restrict x, const float *restrict w,
                                          const float *restrict mean, const float *restrict rstd,
                                          const float *restrict dy, float *restrict dx,
                                          float *restrict dw, float *restrict db, size_t rows,
                                          size_t cols, int accumulate) {
#pragma clang fp reassociate(on)
  float inv_cols = 1.0f / (float)cols;
  for (size_t r = 0; r < rows; r++) {
    const float *xr = x + r * cols;
    const float *dyr = dy + r * cols;
    float m = mean[r], s = rstd[r];
    float mean_dnorm = 0, mean_dnorm_xhat = 0;
    for (size_t j = 0; j < cols; j++) {
      float xhat = (xr[j] - m) * s;
      float dnorm = dyr[j] * w[j];
      mean_dnorm += dnorm;
      mean_dnorm_xhat += dnorm * xhat;
    }
    mean_dnorm *= inv_cols;
    mean_dnorm_xhat *= inv_cols;
    float *dxr = dx + r * cols;
    for (size_t j = 0; j < cols; j++) {
      float xhat = (xr[j] - m) * s;
      db[j] += dyr[j];
      dw[j] += xhat * dyr[j];
      float g = (dyr[j] * w[j] - mean_dnorm - xhat * mean_dnorm_xhat) * s;
      dxr[j] = accumulate ? dxr[j] + g : g;
    }
  }
}

ATTR static void NAME(add)(const float *a, const float *b, float *y, size_t n) {
  for (size_t i = 0; i < n; i++) y[i] = a[i] + b[i];
}

ATTR static void NAME(mul)(const float *a, const float *b, float *y, size_t n) {
  for (size_t i = 0; i < n; i++) y[i] = a[i] * b[i];
}

ATTR static void NAME(bias_add)(float *restrict y, const float *restrict bias, size_t rows,
                                size_t cols) {
  for (size_t r = 0; r < rows; r++) {
    float *row = y + r * cols;
    for (size_t j = 0; j < cols; j++) row[j] += bias[j];
  }
}

ATTR static void NAME(bias_backward)(float *restrict db, const float *restrict dy, size_t rows,
                                     size_t cols) {
  for (size_t r = 0; r < rows; r++) {
    const float *row = dy + r * cols;
    for (size_t j = 0; j < cols; j++) db[j] += row[j];
  }
}
#endif  // NN_BODY_GELU_ONLY
