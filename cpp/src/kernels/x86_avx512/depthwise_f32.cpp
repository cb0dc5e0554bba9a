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
  } else if (dw_s2_packed_serves(g)) {
    dw_s2_packed(g, multiplier, x, w, bias, y, c0, c1, ep);
  } else if (dw_flat_serves(g)) {
    dw_flat(g, multiplier, x, w, bias, y, c0, c1, ep);
  } else {
    depthwise_planes<DwAvx512>(g, multiplier, x, w, bias, y, c0, c1, ep);
  }
}

}  // namespace onyxrt::kernels
