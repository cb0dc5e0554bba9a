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

// The layout stage, after the rules and after the optimized model is saved (its operators are
// this CPU's): chains of convolutions into the channel-blocked layout (layout_blocked.cpp) at
// level "all" on CPUs with the blocked kernel. Returns how many convolutions it converted.
int layout_blocked(ir::Model& model);

}  // namespace onyxrt::optimizer
