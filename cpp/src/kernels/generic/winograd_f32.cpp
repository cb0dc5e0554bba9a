// The Winograd transforms for this ISA: the shared templates (winograd/transforms_simd.h) over
// this folder's vector vocabulary.
#include "kernels/simd/f32_portable.h"
#include "kernels/winograd/transforms_simd.h"

namespace onyxrt::kernels {

ONYXRT_WINOGRAD_F32_DEFINE(generic, simd::F32Portable)

}  // namespace onyxrt::kernels
