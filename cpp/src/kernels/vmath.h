#pragma once

#include <cstdint>

// Float32 transcendental functions over arrays, with no operator knowledge: y[i] = f(x[i]) for
// i < n; y == x (in place) is allowed, other overlaps are not. Dispatched per function to the
// best variant of kernels/vmath/vmath_f32.inc.
//
// Error bounds against the exact result of the float32 input, over every float32 input (tested by
// tests/cpp/kernels/test_vmath_f32.cpp and tests/ops/test_vmath_accuracy.py; docs/vmath.md):
//   exp, log, tanh <= 2 ulp; erf, sigmoid <= 3 ulp; silu, gelu_erf, gelu_tanh <= 4 ulp.
// Special values follow std:: (exp(-inf) = 0, exp overflow = inf, log(0) = -inf, log(x < 0) =
// NaN, tanh and erf of +-inf = +-1, sigmoid saturates to exactly 0 and 1, -0 keeps its sign, NaN
// propagates); denormal results are rounded, never flushed.
namespace onyxrt::kernels {

// The functions, in the order of their slots in the dispatch table.
enum class VmathF32 : int {
  Exp,
  Log,
  Tanh,
  Erf,
  Sigmoid,
  Silu,      // x * sigmoid(x)
  GeluErf,   // x * (1 + erf(x / sqrt 2)) / 2
  GeluTanh,  // x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 x^3))) / 2
  Count
};
inline constexpr int kVmathF32Count = static_cast<int>(VmathF32::Count);

void vmath_f32(VmathF32 function, const float* x, float* y, int64_t n);

inline void vexp_f32(const float* x, float* y, int64_t n) { vmath_f32(VmathF32::Exp, x, y, n); }
inline void vlog_f32(const float* x, float* y, int64_t n) { vmath_f32(VmathF32::Log, x, y, n); }
inline void vtanh_f32(const float* x, float* y, int64_t n) { vmath_f32(VmathF32::Tanh, x, y, n); }
inline void verf_f32(const float* x, float* y, int64_t n) { vmath_f32(VmathF32::Erf, x, y, n); }
inline void vsigmoid_f32(const float* x, float* y, int64_t n) { vmath_f32(VmathF32::Sigmoid, x, y, n); }
inline void vsilu_f32(const float* x, float* y, int64_t n) { vmath_f32(VmathF32::Silu, x, y, n); }
inline void vgelu_erf_f32(const float* x, float* y, int64_t n) { vmath_f32(VmathF32::GeluErf, x, y, n); }
inline void vgelu_tanh_f32(const float* x, float* y, int64_t n) { vmath_f32(VmathF32::GeluTanh, x, y, n); }

// The variant the dispatcher picked for a function ("vtanh_f32__avx512").
const char* vmath_f32_kernel_name(VmathF32 function);

}  // namespace onyxrt::kernels
