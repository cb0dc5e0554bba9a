#include "ops/registry.h"

namespace onyxrt::ops {

// PLACEHOLDER: replaced by the family's implementation.
void register_elementwise(Registry& r) { (void)r; }

}  // namespace onyxrt::ops
