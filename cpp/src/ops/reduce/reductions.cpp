#include "ops/reduce/reduce_parts.h"

namespace onyxrt::ops {

void register_reductions(Registry& r) {
  register_reduce(r);
  register_arg_reduce(r);
  register_cumulative(r);
  register_topk(r);
}

}  // namespace onyxrt::ops
