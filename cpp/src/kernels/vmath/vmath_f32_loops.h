#pragma once

// The array loops of kernels/vmath.h over the element functions of vmath_f32_core.h, for the
// translation unit including it (its ISA flags decide the vector width).
#include <cstdint>
#include <cstring>

#include "kernels/vmath/vmath_f32_core.h"

namespace onyxrt::kernels {
namespace {

// Blocks through a local copy of the input: the compiler then knows the loop reads nothing it
// writes, so it vectorizes without overlap checks and y == x works. block(in, out, m).
template <class Block>
inline void for_each_block(const float* x, float* y, int64_t n, const Block& block) {
  constexpr int64_t kBlock = 256;
  float in[kBlock];
  for (int64_t i = 0; i < n; i += kBlock) {
    const int64_t m = n - i < kBlock ? n - i : kBlock;
    std::memcpy(in, x + i, static_cast<size_t>(m) * sizeof(float));
    block(in, y + i, m);
  }
}

template <float (*F)(float)>
inline void vmath_apply(const float* x, float* y, int64_t n) {
  for_each_block(x, y, n, [](const float* in, float* out, int64_t m) {
    for (int64_t j = 0; j < m; ++j) out[j] = F(in[j]);
  });
}

// Whether every x[j] lies in [lo, hi] (NaN does not). A count, not a boolean and: GCC vectorizes
// the sum, not the and.
inline bool all_within(const float* x, int64_t n, float lo, float hi) {
  int32_t inside = 0;
  for (int64_t j = 0; j < n; ++j) inside += (x[j] >= lo && x[j] <= hi) ? 1 : 0;
  return inside == n;
}

// vmath_apply with `Fast` for the blocks whose inputs all lie in [lo, hi], where it gives F's
// results within F's bounds for less work; F for the rest (special values, extreme arguments).
template <float (*F)(float), float (*Fast)(float)>
inline void vmath_apply_fast(const float* x, float* y, int64_t n, float lo, float hi) {
  for_each_block(x, y, n, [lo, hi](const float* in, float* out, int64_t m) {
    if (all_within(in, m, lo, hi)) {
      for (int64_t j = 0; j < m; ++j) out[j] = Fast(in[j]);
    } else {
      for (int64_t j = 0; j < m; ++j) out[j] = F(in[j]);
    }
  });
}

}  // namespace
}  // namespace onyxrt::kernels

// The variants of one ISA, named <function>_f32__<isa> as vmath_f32.inc lists them.
#define ONYXRT_VMATH_F32_DEFINE(isa)                                                                         \
  void vexp_f32__##isa(const float* x, float* y, int64_t n) {                                               \
    vmath_apply_fast<exp_f32, exp_fast>(x, y, n, kExpNormalLo, kExpNormalHi);                                \
  }                                                                                                          \
  void vlog_f32__##isa(const float* x, float* y, int64_t n) { vmath_apply<log_f32>(x, y, n); }               \
  void vtanh_f32__##isa(const float* x, float* y, int64_t n) { vmath_apply<tanh_f32>(x, y, n); }             \
  void verf_f32__##isa(const float* x, float* y, int64_t n) { vmath_apply<erf_f32>(x, y, n); }               \
  void vsigmoid_f32__##isa(const float* x, float* y, int64_t n) {                                           \
    vmath_apply_fast<sigmoid_f32, sigmoid_fast>(x, y, n, -kSigmoidFastBound, kSigmoidFastBound);             \
  }                                                                                                          \
  void vsilu_f32__##isa(const float* x, float* y, int64_t n) {                                              \
    vmath_apply_fast<silu_f32, silu_fast>(x, y, n, -kSigmoidFastBound, kSigmoidFastBound);                   \
  }                                                                                                          \
  void vgelu_erf_f32__##isa(const float* x, float* y, int64_t n) {                                          \
    vmath_apply_fast<gelu_erf_f32<false>, gelu_erf_f32<true>>(x, y, n, -kGeluFastBound, kGeluFastBound);    \
  }                                                                                                          \
  void vgelu_tanh_f32__##isa(const float* x, float* y, int64_t n) {                                         \
    vmath_apply_fast<gelu_tanh_f32, gelu_tanh_fast>(x, y, n, -kGeluFastBound, kGeluFastBound);               \
  }
