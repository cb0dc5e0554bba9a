#pragma once

#include <string>
#include <unordered_set>
#include <vector>

#include "ir/graph.h"

namespace onyxrt::ir {

// Node indices in an order where every node follows the producers of its inputs (stable: the
// file's order where it already is one). `available` holds names defined before any node runs:
// graph inputs, initializers and, for a subgraph, the outer scope's values.
// Throws Error(InvalidGraph) on a cycle, an input nobody produces, or a value produced twice,
// naming the node.
std::vector<size_t> topological_order(const Graph& graph, const std::unordered_set<std::string>& available);

// Names a subgraph reads from enclosing scopes (inputs of its nodes, recursively through nested
// subgraphs, that the subgraph itself does not define).
std::vector<std::string> outer_scope_inputs(const Graph& graph);

}  // namespace onyxrt::ir
