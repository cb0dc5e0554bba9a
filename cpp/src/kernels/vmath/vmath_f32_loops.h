#pragma once

// The array loops of kernels/vmath.h over the element functions of vmath_f32_core.h, for the
// translation unit including it (its ISA flags decide the vector width).
#include <cstdint>
#include <cstring>

#include "kernels/vmath/vmath_f32_core.h"

namespace onyxrt::kernels {
namespace {

// Blocks through a local copy of the input: the compiler then knows the loop reads nothing it
// writes, so it vectorizes without overlap checks and y == x works.
template <float (*F)(float)>
inline void vmath_apply(const float* x, float* y, int64_t n) {
  constexpr int64_t kBlock = 256;
  float in[kBlock];
  for (int64_t i = 0; i < n; i += kBlock) {
    const int64_t m = n - i < kBlock ? n - i : kBlock;
    std::memcpy(in, x + i, static_cast<size_t>(m) * sizeof(float));
    float* out = y + i;
    for (int64_t j = 0; j < m; ++j) out[j] = F(in[j]);
  }
}

}  // namespace
}  // namespace onyxrt::kernels

// The variants of one ISA, named <function>_f32__<isa> as vmath_f32.inc lists them.
#define ONYXRT_VMATH_F32_DEFINE(isa)                                                                         \
  void vexp_f32__##isa(const float* x, float* y, int64_t n) { vmath_apply<exp_f32>(x, y, n); }               \
  void vlog_f32__##isa(const float* x, float* y, int64_t n) { vmath_apply<log_f32>(x, y, n); }               \
  void vtanh_f32__##isa(const float* x, float* y, int64_t n) { vmath_apply<tanh_f32>(x, y, n); }             \
  void verf_f32__##isa(const float* x, float* y, int64_t n) { vmath_apply<erf_f32>(x, y, n); }               \
  void vsigmoid_f32__##isa(const float* x, float* y, int64_t n) { vmath_apply<sigmoid_f32>(x, y, n); }       \
  void vsilu_f32__##isa(const float* x, float* y, int64_t n) { vmath_apply<silu_f32>(x, y, n); }             \
  void vgelu_erf_f32__##isa(const float* x, float* y, int64_t n) { vmath_apply<gelu_erf_f32>(x, y, n); }     \
  void vgelu_tanh_f32__##isa(const float* x, float* y, int64_t n) { vmath_apply<gelu_tanh_f32>(x, y, n); }
