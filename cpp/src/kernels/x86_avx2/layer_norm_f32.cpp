// Row normalization for this ISA: the shared row (layer_norm/layer_norm_f32_row.h) over this
// folder's vector vocabulary.
#include "kernels/layer_norm/layer_norm_f32_row.h"
#include "kernels/layer_norm/variants.h"
#include "kernels/simd/f32_avx2.h"

namespace onyxrt::kernels {

void layer_norm_f32__avx2(const float* x, const float* scale, const float* bias, float* y, int64_t n, float epsilon,
                          bool center, float* stats) {
  layer_norm_row<simd::F32Avx2>(x, scale, bias, y, n, epsilon, center, stats);
}

}  // namespace onyxrt::kernels
