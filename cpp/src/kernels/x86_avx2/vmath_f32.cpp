// The vmath array functions for this ISA: the shared element functions (vmath/vmath_f32_core.h)
// compiled with this folder's flags.
#include "kernels/vmath/vmath_f32_loops.h"
#include "kernels/vmath/variants.h"

namespace onyxrt::kernels {

ONYXRT_VMATH_F32_DEFINE(avx2)

}  // namespace onyxrt::kernels
