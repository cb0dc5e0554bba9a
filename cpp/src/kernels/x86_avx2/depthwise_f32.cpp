// Direct depthwise convolution for this ISA: the shared loops (conv/depthwise_f32_loops.h)
// compiled with this folder's flags.
#include "kernels/conv/depthwise_f32_loops.h"
#include "kernels/conv/variants.h"

namespace onyxrt::kernels {

void depthwise_f32__avx2(const ConvGeometry& g, int64_t multiplier, const float* x, const float* w,
                           const float* bias, float* y, int64_t c0, int64_t c1) {
  depthwise_rows(g, multiplier, x, w, bias, y, c0, c1);
}

}  // namespace onyxrt::kernels
