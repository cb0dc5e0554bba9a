#pragma once

#include "ir/graph.h"

namespace onyxrt::runtime {

// Fails with InvalidGraph when the model imports an opset of a known domain outside the range
// onyxrt implements. A node of a domain the model does not import fails when its kernel is chosen.
void check_opset_imports(const ir::Model& model);

}  // namespace onyxrt::runtime
