#include "ops/math/elementwise_parts.h"

namespace onyxrt::ops {

void register_elementwise(Registry& r) {
  register_unary(r);
  register_binary(r);
  register_pow(r);
  register_clip(r);
  register_where(r);
}

}  // namespace onyxrt::ops
