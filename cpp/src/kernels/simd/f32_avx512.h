#pragma once

// f32 vector vocabulary for AVX-512 F. Include only from kernels/x86_avx512/ (compiled with
// those flags); the anonymous namespace keeps the code local to that translation unit.
#include <immintrin.h>

namespace onyxrt::kernels::simd {
namespace {

struct F32Avx512 {
  using vf32 = __m512;
  static constexpr int kLanes = 16;
  static constexpr int kRegisters = 32;  // vector registers
  static vf32 zero() { return _mm512_setzero_ps(); }
  static vf32 set1(float x) { return _mm512_set1_ps(x); }
  static vf32 load(const float* p) { return _mm512_loadu_ps(p); }
  static vf32 broadcast(const float* p) { return _mm512_set1_ps(*p); }  // folds into {1to16}
  static void store(float* p, vf32 v) { _mm512_storeu_ps(p, v); }
  static vf32 load_partial(const float* p, int n) {  // the first n lanes (n <= 0: none), zeros after
    return n >= kLanes ? load(p) : _mm512_maskz_loadu_ps(static_cast<__mmask16>(n > 0 ? (1u << n) - 1u : 0u), p);
  }
  static vf32 even(vf32 a, vf32 b) {  // a[0], a[2], ..., b[0], b[2], ...
    const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    return _mm512_permutex2var_ps(a, even, b);
  }
  static vf32 mul(vf32 a, vf32 b) { return _mm512_mul_ps(a, b); }
  static vf32 add(vf32 a, vf32 b) { return _mm512_add_ps(a, b); }
  static vf32 sub(vf32 a, vf32 b) { return _mm512_sub_ps(a, b); }
  static vf32 div(vf32 a, vf32 b) { return _mm512_div_ps(a, b); }
  static vf32 fmadd(vf32 a, vf32 b, vf32 c) { return _mm512_fmadd_ps(a, b, c); }  // a * b + c
  // a > b ? a : b, so b when either is NaN. The all-lanes mask form: GCC 12's _mm512_max_ps
  // trips -Wmaybe-uninitialized on its undefined pass-through.
  static vf32 max(vf32 a, vf32 b) { return _mm512_maskz_max_ps(static_cast<__mmask16>(0xFFFF), a, b); }
  static vf32 min(vf32 a, vf32 b) { return _mm512_maskz_min_ps(static_cast<__mmask16>(0xFFFF), a, b); }  // b if NaN
  // The first n lanes, 0 <= n <= kLanes. All of them as a plain store: a masked one, even with
  // every lane set, is slow on AMD Zen 5 when the line is not in cache (depthwise_f32_direct_avx512.h).
  static void store_partial(float* p, vf32 v, int n) {
    if (n >= kLanes) return store(p, v);
    _mm512_mask_storeu_ps(p, static_cast<__mmask16>((1u << n) - 1u), v);
  }
  static void store_lanes(float* p, vf32 v, int lo, int hi) {  // lanes [lo, hi) to p[0, hi - lo)
    const __mmask16 lanes = static_cast<__mmask16>(((1u << hi) - 1u) & ~((1u << lo) - 1u));
    store_partial(p, _mm512_maskz_compress_ps(lanes, v), hi - lo);
  }
  static vf32 load_lanes(vf32 into, const float* p, int lo, int hi) {  // lanes [lo, hi) from p[0, hi - lo)
    const __mmask16 lanes = static_cast<__mmask16>(((1u << hi) - 1u) & ~((1u << lo) - 1u));
    return _mm512_mask_expand_ps(into, lanes, load_partial(p, hi - lo));  // the register form: no memory expand
  }
  static void prefetch(const void* p) { _mm_prefetch(static_cast<const char*>(p), _MM_HINT_T0); }
  // r[j] lane i <- r[i] lane j for 16 vectors (channels-in-lanes kernels: depthwise, pool, the
  // transposed direct convolution). Four rounds of 16 shuffles: 2 x 2 blocks of floats, of pairs,
  // of 4-float lanes, of lane pairs. All-lanes mask forms, for the reason max gives.
  static void transpose(vf32* r) {
    constexpr __mmask16 all = 0xFFFF;
    constexpr __mmask8 all8 = 0xFF;
    __m512 t[16], u[16];
    for (int i = 0; i < 16; i += 2)
      t[i] = _mm512_maskz_unpacklo_ps(all, r[i], r[i + 1]), t[i + 1] = _mm512_maskz_unpackhi_ps(all, r[i], r[i + 1]);
    for (int i = 0; i < 16; i += 4) {
      const __m512d a = _mm512_castps_pd(t[i]), b = _mm512_castps_pd(t[i + 1]);
      const __m512d c = _mm512_castps_pd(t[i + 2]), d = _mm512_castps_pd(t[i + 3]);
      u[i] = _mm512_castpd_ps(_mm512_maskz_unpacklo_pd(all8, a, c));
      u[i + 1] = _mm512_castpd_ps(_mm512_maskz_unpackhi_pd(all8, a, c));
      u[i + 2] = _mm512_castpd_ps(_mm512_maskz_unpacklo_pd(all8, b, d));
      u[i + 3] = _mm512_castpd_ps(_mm512_maskz_unpackhi_pd(all8, b, d));
    }
    // u[4i + k], 128-bit lane j: rows 4i..4i+3 of column 4j + k.
    for (int k = 0; k < 4; ++k) {
      const __m512 v0 = _mm512_maskz_shuffle_f32x4(all, u[k], u[4 + k], 0x44);
      const __m512 v1 = _mm512_maskz_shuffle_f32x4(all, u[k], u[4 + k], 0xEE);
      const __m512 v2 = _mm512_maskz_shuffle_f32x4(all, u[8 + k], u[12 + k], 0x44);
      const __m512 v3 = _mm512_maskz_shuffle_f32x4(all, u[8 + k], u[12 + k], 0xEE);
      r[k] = _mm512_maskz_shuffle_f32x4(all, v0, v2, 0x88), r[4 + k] = _mm512_maskz_shuffle_f32x4(all, v0, v2, 0xDD);
      r[8 + k] = _mm512_maskz_shuffle_f32x4(all, v1, v3, 0x88);
      r[12 + k] = _mm512_maskz_shuffle_f32x4(all, v1, v3, 0xDD);
    }
  }
};

}  // namespace
}  // namespace onyxrt::kernels::simd
