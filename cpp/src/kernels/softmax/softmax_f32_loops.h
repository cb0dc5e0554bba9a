#pragma once

// The row softmax written once in plain, branch-free C++ that the compiler vectorizes at the
// width of the translation unit including it (generic/, x86_avx2/, x86_avx512/). Local to that
// unit (anonymous namespace), so each ISA keeps its own copy.
#include <math.h>  // logf: an extern libm call, never an inline copy built with this unit's flags

#include <cstdint>
#include <cstring>
#include <limits>

namespace onyxrt::kernels {
namespace {

// exp(x) for x <= 0 (the row maximum is subtracted first), relative error ~2 ulp: x = n ln2 + r
// with |r| <= ln2 / 2, exp(r) by a degree-6 polynomial, 2^n built in the exponent bits. Below
// -87.3 it returns ~1e-38 instead of a denormal, which no softmax sum notices.
inline float exp_nonpositive(float x) {
  // NaN (a fully masked row: -inf - -inf) must stay NaN, and must not reach the int conversion.
  const bool is_nan = x != x;
  x = is_nan ? 0.0f : x;
  x = x < -87.3f ? -87.3f : x;
  const float shifter = 12582912.0f;  // 1.5 * 2^23: adding it rounds to the nearest integer
  const float t = x * 1.44269504088896341f + shifter;
  const float n = t - shifter;
  float r = x - n * 0.693359375f;
  r = r + n * 2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  const int32_t bits = (static_cast<int32_t>(n) + 127) << 23;
  float scale;
  std::memcpy(&scale, &bits, sizeof(scale));
  return is_nan ? std::numeric_limits<float>::quiet_NaN() : p * scale;
}

constexpr int kLanes = 16;  // independent partial results, so the reductions vectorize

inline float row_max(const float* x, int64_t n) {
  float m[kLanes];
  for (int j = 0; j < kLanes; ++j) m[j] = x[0];
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (int j = 0; j < kLanes; ++j) m[j] = x[i + j] > m[j] ? x[i + j] : m[j];
  float best = m[0];
  for (int j = 1; j < kLanes; ++j) best = m[j] > best ? m[j] : best;
  for (; i < n; ++i) best = x[i] > best ? x[i] : best;
  return best;
}

inline void softmax_row(const float* x, float* y, int64_t n, bool log) {
  const float max = row_max(x, n);
  float s[kLanes] = {};
  int64_t i = 0;
  if (log) {  // only the sum is needed: y = x - max - log(sum)
    for (; i + kLanes <= n; i += kLanes)
      for (int j = 0; j < kLanes; ++j) s[j] += exp_nonpositive(x[i + j] - max);
  } else {
    for (; i + kLanes <= n; i += kLanes)
      for (int j = 0; j < kLanes; ++j) {
        const float e = exp_nonpositive(x[i + j] - max);
        y[i + j] = e;
        s[j] += e;
      }
  }
  float sum = 0.0f;
  for (int j = 0; j < kLanes; ++j) sum += s[j];
  for (; i < n; ++i) {
    const float e = exp_nonpositive(x[i] - max);
    if (!log) y[i] = e;
    sum += e;
  }
  if (log) {
    const float shift = max + logf(sum);
    for (int64_t k = 0; k < n; ++k) y[k] = x[k] - shift;
  } else {
    const float inv = 1.0f / sum;
    for (int64_t k = 0; k < n; ++k) y[k] *= inv;
  }
}

}  // namespace
}  // namespace onyxrt::kernels
