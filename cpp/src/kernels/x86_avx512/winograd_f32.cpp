// The Winograd transforms for this ISA: the shared templates (winograd/transforms_simd.h) over
// this folder's vector vocabulary.
#include "kernels/simd/f32_avx512.h"
#include "kernels/winograd/transforms_simd.h"

namespace onyxrt::kernels {

void winograd_f32__avx512_input(const WinogradBand& band, const float* x, float* v, float* work) {
  winograd_input<simd::F32Avx512>(band, x, v, work);
}

void winograd_f32__avx512_output(const WinogradBand& band, const float* prod, const float* bias, const float* z,
                                  bool clamp, float lo, float hi, float* y) {
  winograd_output<simd::F32Avx512>(band, prod, bias, z, clamp, lo, hi, y);
}

}  // namespace onyxrt::kernels
