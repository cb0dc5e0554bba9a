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
  static constexpr int kRegisters = 16;  // vector registers
  static vf32 zero() { return _mm256_setzero_ps(); }
  static vf32 set1(float x) { return _mm256_set1_ps(x); }
  static vf32 load(const float* p) { return _mm256_loadu_ps(p); }
  static vf32 broadcast(const float* p) { return _mm256_broadcast_ss(p); }
  static void store(float* p, vf32 v) { _mm256_storeu_ps(p, v); }
  static vf32 load_partial(const float* p, int n) {  // the first n lanes (n <= 0: none), zeros after
    if (n >= kLanes) return load(p);
    return _mm256_maskload_ps(p, _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7)));
  }
  static vf32 even(vf32 a, vf32 b) {  // a[0], a[2], ..., b[0], b[2], ...
    const __m256 s = _mm256_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0));
    return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(s), _MM_SHUFFLE(3, 1, 2, 0)));
  }
  static vf32 mul(vf32 a, vf32 b) { return _mm256_mul_ps(a, b); }
  static vf32 add(vf32 a, vf32 b) { return _mm256_add_ps(a, b); }
  static vf32 sub(vf32 a, vf32 b) { return _mm256_sub_ps(a, b); }
  static vf32 div(vf32 a, vf32 b) { return _mm256_div_ps(a, b); }
  static vf32 fmadd(vf32 a, vf32 b, vf32 c) { return _mm256_fmadd_ps(a, b, c); }  // a * b + c
  static vf32 max(vf32 a, vf32 b) { return _mm256_max_ps(a, b); }  // a > b ? a : b, so b when either is NaN
  static vf32 min(vf32 a, vf32 b) { return _mm256_min_ps(a, b); }  // a < b ? a : b, so b when either is NaN
  static void store_partial(float* p, vf32 v, int n) {  // the first n lanes, 0 <= n <= kLanes
    const __m256i mask = _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    _mm256_maskstore_ps(p, mask, v);
  }
  static void store_lanes(float* p, vf32 v, int lo, int hi) {  // lanes [lo, hi) to p[0, hi - lo)
    const __m256i from = _mm256_add_epi32(_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7), _mm256_set1_epi32(lo));
    store_partial(p, _mm256_permutevar8x32_ps(v, from), hi - lo);
  }
  static vf32 load_lanes(vf32 into, const float* p, int lo, int hi) {  // lanes [lo, hi) from p[0, hi - lo)
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    const __m256 moved = _mm256_permutevar8x32_ps(load_partial(p, hi - lo), _mm256_sub_epi32(lane, _mm256_set1_epi32(lo)));
    const __m256i inside = _mm256_andnot_si256(_mm256_cmpgt_epi32(_mm256_set1_epi32(lo), lane),
                                               _mm256_cmpgt_epi32(_mm256_set1_epi32(hi), lane));
    return _mm256_blendv_ps(into, moved, _mm256_castsi256_ps(inside));
  }
  static void prefetch(const void* p) { _mm_prefetch(static_cast<const char*>(p), _MM_HINT_T0); }
  // r[j] lane i <- r[i] lane j for 8 vectors (the channels-in-lanes kernels).
  static void transpose(vf32* r) {
    __m256 t[8], u[8];
    for (int i = 0; i < 8; i += 2)
      t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]), t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
    for (int i = 0; i < 8; i += 4) {
      const __m256d a = _mm256_castps_pd(t[i]), b = _mm256_castps_pd(t[i + 1]);
      const __m256d c = _mm256_castps_pd(t[i + 2]), d = _mm256_castps_pd(t[i + 3]);
      u[i] = _mm256_castpd_ps(_mm256_unpacklo_pd(a, c)), u[i + 1] = _mm256_castpd_ps(_mm256_unpackhi_pd(a, c));
      u[i + 2] = _mm256_castpd_ps(_mm256_unpacklo_pd(b, d)), u[i + 3] = _mm256_castpd_ps(_mm256_unpackhi_pd(b, d));
    }
    for (int k = 0; k < 4; ++k)  // u[4i + k], half j: rows 4i..4i+3 of column 4j + k
      r[k] = _mm256_permute2f128_ps(u[k], u[4 + k], 0x20), r[4 + k] = _mm256_permute2f128_ps(u[k], u[4 + k], 0x31);
  }
};

}  // namespace
}  // namespace onyxrt::kernels::simd
