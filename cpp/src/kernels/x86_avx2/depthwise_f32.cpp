// Direct depthwise convolution for this ISA: the stride-phase plane kernel
// (conv/depthwise_f32_planes.h) over this folder's vector vocabulary, with the row loops of
// conv/depthwise_f32_loops.h for the windows it does not serve, all compiled with this folder's
// flags.
#include "kernels/conv/depthwise_f32_planes.h"
#include "kernels/conv/variants.h"
#include "kernels/simd/f32_avx2.h"

namespace onyxrt::kernels {

void depthwise_f32__avx2(const ConvGeometry& g, int64_t multiplier, const float* x, const float* w,
                         const float* bias, float* y, int64_t c0, int64_t c1) {
  depthwise_planes<simd::F32Avx2>(g, multiplier, x, w, bias, y, c0, c1);
}

}  // namespace onyxrt::kernels
