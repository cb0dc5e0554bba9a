#pragma once

#include "ir/graph.h"
#include "onyxrt/session.hpp"

namespace onyxrt::optimizer {

// Rewrites the model's main graph with the rules enabled at `level` (see pass_manager.cpp for the
// table). Returns how many rewrites were applied.
int optimize_graph(ir::Model& model, GraphOptimizationLevel level);

}  // namespace onyxrt::optimizer
