// Direct depthwise convolution for this ISA: the stride-phase plane kernel
// (conv/depthwise_f32_planes.h) over this folder's vector vocabulary, with the row loops of
// conv/depthwise_f32_loops.h for the windows it does not serve, all compiled with this folder's
// flags.
#include "kernels/conv/depthwise_f32_planes.h"
#include "kernels/conv/variants.h"
#include "kernels/simd/f32_portable.h"

namespace onyxrt::kernels {
namespace {

struct DwPortable : simd::F32Portable {
  // No channels-in-lanes kernel: its transposes, element by element here, and its code (which
  // takes the plane kernel's loops out of line in this unit) measured slower than a plane at a
  // time on most shapes.
  static constexpr bool kLaneKernel = false;
};

}  // namespace

void depthwise_f32__generic(const ConvGeometry& g, int64_t multiplier, const float* x, const float* w,
                            const float* bias, float* y, int64_t c0, int64_t c1, const DepthwiseEpilogue& ep) {
  depthwise_planes<DwPortable>(g, multiplier, x, w, bias, y, c0, c1, ep);
}

}  // namespace onyxrt::kernels
