#pragma once

// f32 vector vocabulary for AVX2 + FMA. Include only from kernels/x86_avx2/ (compiled with those
// flags). The anonymous namespace keeps every function local to that translation unit, so no
// AVX2 code can leak into a generic one through the linker's choice of an inline copy.
#include <immintrin.h>

namespace onyxrt::kernels::simd {
namespace {

struct F32Avx2 {
  using vf32 = __m256;
  static constexpr int kLanes = 8;
  static vf32 zero() { return _mm256_setzero_ps(); }
  static vf32 set1(float x) { return _mm256_set1_ps(x); }
  static vf32 load(const float* p) { return _mm256_loadu_ps(p); }
  static vf32 broadcast(const float* p) { return _mm256_broadcast_ss(p); }
  static void store(float* p, vf32 v) { _mm256_storeu_ps(p, v); }
  static vf32 mul(vf32 a, vf32 b) { return _mm256_mul_ps(a, b); }
  static vf32 add(vf32 a, vf32 b) { return _mm256_add_ps(a, b); }
  static vf32 fmadd(vf32 a, vf32 b, vf32 c) { return _mm256_fmadd_ps(a, b, c); }  // a * b + c
  static void prefetch(const void* p) { _mm_prefetch(static_cast<const char*>(p), _MM_HINT_T0); }
};

}  // namespace
}  // namespace onyxrt::kernels::simd
