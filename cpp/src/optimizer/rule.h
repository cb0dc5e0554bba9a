#pragma once

#include <string>
#include <unordered_map>

#include "ir/graph.h"
#include "onyxrt/session.hpp"

namespace onyxrt::optimizer {

// One rewrite rule: applied to a graph, returns how many rewrites it made.
struct Rule {
  const char* name;
  GraphOptimizationLevel level;  // the lowest level that enables it
  int (*apply)(ir::Graph& graph);
};

// Replaces every read of a key of `renames` with its value, in this graph and nested subgraphs.
void rename_uses(ir::Graph& graph, const std::unordered_map<std::string, std::string>& renames);

}  // namespace onyxrt::optimizer
