#pragma once

#include <string>
#include <unordered_map>

#include "ir/graph.h"
#include "onyxrt/data_type.hpp"

namespace onyxrt::optimizer {

// Element types of the main graph's tensors that are certain before any run: graph inputs (the
// session checks feeds against them), initializers, and what the operators below make of those
// (Cast's `to`, int64 from Shape, bool from comparisons, the input's type through elementwise,
// layout and indexing ops). Declared value_info is not trusted: nothing checks it. Values of
// other operators are absent. `order` is an execution order of the graph.
std::unordered_map<std::string, DataType> element_types(const ir::Model& model, const std::vector<size_t>& order);

}  // namespace onyxrt::optimizer
