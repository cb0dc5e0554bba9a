// The Winograd transforms for this ISA: the shared templates (winograd/transforms_simd.h) over
// this folder's vector vocabulary.
#include "kernels/simd/f32_avx512.h"
#include "kernels/winograd/transforms_simd.h"

namespace onyxrt::kernels {

ONYXRT_WINOGRAD_F32_DEFINE(avx512, simd::F32Avx512)

}  // namespace onyxrt::kernels
