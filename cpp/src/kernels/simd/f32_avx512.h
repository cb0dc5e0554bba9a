#pragma once

// f32 vector vocabulary for AVX-512 F. Include only from kernels/x86_avx512/ (compiled with
// those flags); the anonymous namespace keeps the code local to that translation unit.
#include <immintrin.h>

namespace onyxrt::kernels::simd {
namespace {

struct F32Avx512 {
  using vf32 = __m512;
  static constexpr int kLanes = 16;
  static vf32 zero() { return _mm512_setzero_ps(); }
  static vf32 set1(float x) { return _mm512_set1_ps(x); }
  static vf32 load(const float* p) { return _mm512_loadu_ps(p); }
  static vf32 broadcast(const float* p) { return _mm512_set1_ps(*p); }  // folds into {1to16}
  static void store(float* p, vf32 v) { _mm512_storeu_ps(p, v); }
  static vf32 mul(vf32 a, vf32 b) { return _mm512_mul_ps(a, b); }
  static vf32 add(vf32 a, vf32 b) { return _mm512_add_ps(a, b); }
  static vf32 fmadd(vf32 a, vf32 b, vf32 c) { return _mm512_fmadd_ps(a, b, c); }  // a * b + c
  static void prefetch(const void* p) { _mm_prefetch(static_cast<const char*>(p), _MM_HINT_T0); }
};

}  // namespace
}  // namespace onyxrt::kernels::simd
