#pragma once

#include <string>
#include <unordered_map>
#include <vector>

#include "ir/graph.h"
#include "onyxrt/type_info.hpp"

namespace onyxrt::optimizer {

// Shapes known before any run, for rules that must prove two values have one shape (a residual
// Add fused into a convolution). Each dim is a fixed size or a symbol: a graph input's dim_param
// (tagged with the input's name: two inputs declaring "batch" are not trusted to agree) or a
// fresh symbol for a size nothing pins down. Two values share a symbol only when one shape was
// carried to the other: Relu(x) has x's shape, whatever it is.
using StaticShape = std::vector<Dim>;

// Propagated from the graph inputs' declared shapes and the initializers through the operators
// whose output shape follows from their input shapes and attributes alone (elementwise,
// broadcasting, Conv and pooling windows, Concat); values of other operators are absent.
std::unordered_map<std::string, StaticShape> static_shapes(const ir::Model& model);

// Equal dim by dim: the same fixed size or the same symbol.
bool same_static_shape(const StaticShape& a, const StaticShape& b);

}  // namespace onyxrt::optimizer
