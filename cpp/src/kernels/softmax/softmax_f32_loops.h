#pragma once

// The row softmax written once in plain, branch-free C++ that the compiler vectorizes at the
// width of the translation unit including it (generic/, x86_avx2/, x86_avx512/). Local to that
// unit (anonymous namespace), so each ISA keeps its own copy.
#include <math.h>  // logf: an extern libm call, never an inline copy built with this unit's flags

#include <cstdint>

#include "kernels/vmath/vmath_f32_core.h"  // exp_nonpositive

namespace onyxrt::kernels {
namespace {

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
