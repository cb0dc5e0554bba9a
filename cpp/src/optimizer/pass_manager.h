#pragma once

#include <functional>

#include "ir/graph.h"
#include "onyxrt/session.hpp"

namespace onyxrt::optimizer {

// Rewrites the model's main graph with the rules enabled at `level` (see pass_manager.cpp for the
// table). Returns how many rewrites were applied. `on_rewrite`, when set, hears each rule that
// changed the graph and how many rewrites it made (the session logs them at verbose severity).
int optimize_graph(ir::Model& model, GraphOptimizationLevel level,
                   const std::function<void(const char* rule, int rewrites)>& on_rewrite = {});

}  // namespace onyxrt::optimizer
