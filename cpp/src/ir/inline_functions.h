#pragma once

#include "ir/graph.h"

namespace onyxrt::ir {

// Replaces every call of a model-local function (a node whose domain and op_type name one of
// model.functions, in the main graph or any subgraph) by the function's body, as onnxruntime
// does at load time: the body's formal inputs and outputs become the call's actual names, every
// other name in it (nested subgraphs included) gets a prefix unique to the call, and attributes
// that refer to the caller's (ref_attr_name) take the call's value or the function's default,
// or are dropped when it has neither. Calls inside bodies are expanded in turn. The function's
// opset imports join the model's. Fails (InvalidGraph) on a recursive function, on a call with
// more inputs or outputs than the function declares, and on a function importing another
// version of a domain the model imports. Returns the number of calls expanded.
int inline_model_functions(Model& model);

}  // namespace onyxrt::ir
