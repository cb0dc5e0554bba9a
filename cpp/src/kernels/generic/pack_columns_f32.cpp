#include "kernels/pack/pack_columns_portable.h"
#include "kernels/pack/variants.h"

namespace onyxrt::kernels {

bool pack_columns_f32__generic(int width, const float* src, int64_t ld, int live, int64_t kc, float* panel) {
  return pack_columns_f32_portable(width, src, ld, live, kc, panel);
}

}  // namespace onyxrt::kernels
