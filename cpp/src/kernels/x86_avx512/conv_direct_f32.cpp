// Direct convolution for this ISA: the register-tile loops of conv_direct/tiles_simd.h over this
// folder's vector vocabulary, compiled with this folder's flags.
#include "kernels/conv_direct/tiles_simd.h"
#include "kernels/simd/f32_avx512.h"

namespace onyxrt::kernels {

void conv_direct_f32__avx512_tiles(const ConvDirectTiles& t, int64_t m0, int64_t m1, int64_t q0, int64_t q1) {
  conv_direct_tiles<simd::F32Avx512, 12, 2>(t, m0, m1, q0, q1);
}

void conv_direct_f32__avx512_planes(const ConvGeometry& g, const float* x, int64_t c0, int64_t c1, float* buf,
                                  int64_t channel_stride) {
  conv_direct_planes<simd::F32Avx512>(g, x, c0, c1, buf, channel_stride);
}

}  // namespace onyxrt::kernels
