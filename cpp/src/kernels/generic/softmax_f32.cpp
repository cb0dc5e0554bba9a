// Row softmax for this ISA: the shared loops (softmax/softmax_f32_loops.h) compiled with this
// folder's flags.
#include "kernels/softmax/softmax_f32_loops.h"
#include "kernels/softmax/variants.h"

namespace onyxrt::kernels {

void softmax_f32__generic(const float* x, float* y, int64_t n, bool log) { softmax_row(x, y, n, log); }

}  // namespace onyxrt::kernels
