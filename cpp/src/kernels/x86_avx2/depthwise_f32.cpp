// Direct depthwise convolution for this ISA: the channels-in-lanes kernel
// (conv/depthwise_f32_lanes.h) for blocks of channels, the stride-phase plane kernel
// (conv/depthwise_f32_planes.h) for a few channels, the row loops of conv/depthwise_f32_loops.h
// for the windows neither serves, all over this folder's vector vocabulary and flags.
#include "kernels/conv/depthwise_f32_planes.h"
#include "kernels/conv/variants.h"
#include "kernels/simd/f32_avx2.h"

namespace onyxrt::kernels {
namespace {

struct DwAvx2 : simd::F32Avx2 {
  static constexpr bool kLaneKernel = true;  // blocks of channels through conv/depthwise_f32_lanes.h
  static vf32 min(vf32 a, vf32 b) { return _mm256_min_ps(a, b); }  // a < b ? a : b, so b when either is NaN
  // 8 x 8 in three rounds of 8 shuffles: 2 x 2 blocks of floats, of pairs, of 128-bit halves.
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
    for (int k = 0; k < 4; ++k) {  // u[4i + k], half j: rows 4i..4i+3 of column 4j + k
      r[k] = _mm256_permute2f128_ps(u[k], u[4 + k], 0x20), r[4 + k] = _mm256_permute2f128_ps(u[k], u[4 + k], 0x31);
    }
  }
};

}  // namespace

void depthwise_f32__avx2(const ConvGeometry& g, int64_t multiplier, const float* x, const float* w, const float* bias,
                         float* y, int64_t c0, int64_t c1, const DepthwiseEpilogue& ep) {
  depthwise_planes<DwAvx2>(g, multiplier, x, w, bias, y, c0, c1, ep);
}

}  // namespace onyxrt::kernels
