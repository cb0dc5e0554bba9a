#pragma once

#include "ir/graph.h"

namespace onyxrt::runtime {

// Fails with InvalidGraph when the model imports an opset of a known domain outside the range
// onyxrt implements, or does not import ai.onnx at all. Unknown domains are judged per node.
void check_opset_imports(const ir::Model& model);

}  // namespace onyxrt::runtime
