#pragma once

#include <string>
#include <unordered_map>

#include "ir/graph.h"
#include "onyxrt/session.hpp"

namespace onyxrt::optimizer {

// One rewrite rule: applied to a model's main graph, returns how many rewrites it made. It gets
// the model, not only the graph, for the opsets and the IR version (which initializers are
// constants).
struct Rule {
  const char* name;
  GraphOptimizationLevel level;  // the lowest level that enables it
  int (*apply)(ir::Model& model);
};

// Replaces every read of a key of `renames` with its value, in this graph and nested subgraphs
// (where a subgraph output that returns an outer value as it is counts as a read).
void rename_uses(ir::Graph& graph, const std::unordered_map<std::string, std::string>& renames);

}  // namespace onyxrt::optimizer
