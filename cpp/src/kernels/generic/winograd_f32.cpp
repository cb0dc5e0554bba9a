// The Winograd transforms for this ISA: the shared templates (winograd/transforms_simd.h) over
// this folder's vector vocabulary.
#include "kernels/simd/f32_portable.h"
#include "kernels/winograd/transforms_simd.h"

namespace onyxrt::kernels {

void winograd_f32__generic_input(const WinogradBand& band, const float* x, float* v, float* work) {
  winograd_input<simd::F32Portable>(band, x, v, work);
}

void winograd_f32__generic_output(const WinogradBand& band, const float* prod, const float* bias, const float* z,
                                  bool clamp, float lo, float hi, float* y) {
  winograd_output<simd::F32Portable>(band, prod, bias, z, clamp, lo, hi, y);
}

}  // namespace onyxrt::kernels
