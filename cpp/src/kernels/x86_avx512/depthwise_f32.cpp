// Direct depthwise convolution for this ISA: the in-place kernels of
// conv/depthwise_f32_direct_avx512.h (stride-1 and stride-2 rows, flat planes) where they apply;
// otherwise the channels-in-lanes kernel (conv/depthwise_f32_lanes.h) for blocks of channels, the
// stride-phase plane kernel (conv/depthwise_f32_planes.h) for a few channels, the row loops of
// conv/depthwise_f32_loops.h for the windows none serves, all with this folder's flags.
#include "kernels/conv/depthwise_f32_direct_avx512.h"
#include "kernels/conv/depthwise_f32_planes.h"
#include "kernels/conv/variants.h"
#include "kernels/simd/f32_avx512.h"

namespace onyxrt::kernels {
namespace {

struct DwAvx512 : simd::F32Avx512 {
  static constexpr bool kLaneKernel = true;  // blocks of channels through conv/depthwise_f32_lanes.h
  // a < b ? a : b, so b when either is NaN. The all-lanes mask form, as F32Avx512::max.
  static vf32 min(vf32 a, vf32 b) { return _mm512_maskz_min_ps(static_cast<__mmask16>(0xFFFF), a, b); }
  // 16 x 16 in four rounds of 16 shuffles: 2 x 2 blocks of floats, of pairs, of 4-float lanes, of
  // lane pairs. All-lanes mask forms, for the reason F32Avx512::max gives.
  static void transpose(vf32* r) {
    constexpr __mmask16 all = 0xFFFF;
    constexpr __mmask8 all8 = 0xFF;
    __m512 t[16], u[16];
    for (int i = 0; i < 16; i += 2)
      t[i] = _mm512_maskz_unpacklo_ps(all, r[i], r[i + 1]), t[i + 1] = _mm512_maskz_unpackhi_ps(all, r[i], r[i + 1]);
    for (int i = 0; i < 16; i += 4) {
      const __m512d a = _mm512_castps_pd(t[i]), b = _mm512_castps_pd(t[i + 1]);
      const __m512d c = _mm512_castps_pd(t[i + 2]), d = _mm512_castps_pd(t[i + 3]);
      u[i] = _mm512_castpd_ps(_mm512_maskz_unpacklo_pd(all8, a, c)),
      u[i + 1] = _mm512_castpd_ps(_mm512_maskz_unpackhi_pd(all8, a, c));
      u[i + 2] = _mm512_castpd_ps(_mm512_maskz_unpacklo_pd(all8, b, d)),
            u[i + 3] = _mm512_castpd_ps(_mm512_maskz_unpackhi_pd(all8, b, d));
    }
    // u[4i + k], 128-bit lane j: rows 4i..4i+3 of column 4j + k.
    for (int k = 0; k < 4; ++k) {
      const __m512 v0 = _mm512_maskz_shuffle_f32x4(all, u[k], u[4 + k], 0x44),
                   v1 = _mm512_maskz_shuffle_f32x4(all, u[k], u[4 + k], 0xEE);
      const __m512 v2 = _mm512_maskz_shuffle_f32x4(all, u[8 + k], u[12 + k], 0x44);
      const __m512 v3 = _mm512_maskz_shuffle_f32x4(all, u[8 + k], u[12 + k], 0xEE);
      r[k] = _mm512_maskz_shuffle_f32x4(all, v0, v2, 0x88), r[4 + k] = _mm512_maskz_shuffle_f32x4(all, v0, v2, 0xDD);
      r[8 + k] = _mm512_maskz_shuffle_f32x4(all, v1, v3, 0x88),
            r[12 + k] = _mm512_maskz_shuffle_f32x4(all, v1, v3, 0xDD);
    }
  }
};

}  // namespace

void depthwise_f32__avx512(const ConvGeometry& g, int64_t multiplier, const float* x, const float* w, const float* bias,
                           float* y, int64_t c0, int64_t c1, const DepthwiseEpilogue& ep) {
  if (c0 >= c1) return;
  // The kernels that read the input in place first (conv/depthwise_f32_direct_avx512.h): they
  // pay no copy or transpose; then the plane-copying ones.
  if (dw_s1_rows_serves(g)) {
    dw_s1_rows(g, multiplier, x, w, bias, y, c0, c1, ep);
  } else if (dw_s2_serves(g)) {
    dw_s2(g, multiplier, x, w, bias, y, c0, c1, ep);
  } else if (dw_flat_serves(g)) {
    dw_flat(g, multiplier, x, w, bias, y, c0, c1, ep);
  } else {
    depthwise_planes<DwAvx512>(g, multiplier, x, w, bias, y, c0, c1, ep);
  }
}

}  // namespace onyxrt::kernels
