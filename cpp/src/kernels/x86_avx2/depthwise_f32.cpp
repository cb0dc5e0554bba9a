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
};

}  // namespace

void depthwise_f32__avx2(const ConvGeometry& g, int64_t multiplier, const float* x, const float* w, const float* bias,
                         float* y, int64_t c0, int64_t c1, const DepthwiseEpilogue& ep) {
  depthwise_planes<DwAvx2>(g, multiplier, x, w, bias, y, c0, c1, ep);
}

}  // namespace onyxrt::kernels
