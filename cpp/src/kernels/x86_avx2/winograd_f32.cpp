// The Winograd transforms for this ISA: the shared templates (winograd/transforms_simd.h) over
// this folder's vector vocabulary.
#include "kernels/simd/f32_avx2.h"
#include "kernels/winograd/transforms_simd.h"

namespace onyxrt::kernels {

ONYXRT_WINOGRAD_F32_DEFINE(avx2, simd::F32Avx2)

}  // namespace onyxrt::kernels
