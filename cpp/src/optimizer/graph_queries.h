#pragma once

#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "ir/graph.h"

namespace onyxrt::optimizer {

// What several rules ask of a graph before they rewrite it.

// Initializers no feed can replace, by name. Since IR version 4 an initializer that is also a
// graph input is a default the caller may override, so it is not a constant; before IR 4 every
// initializer had to be listed as an input and none could be fed (the session's rule too).
std::unordered_map<std::string, const Tensor*> constant_initializers(const ir::Model& model);

// How many times each value is read: node inputs, outer-scope reads of nodes' subgraphs, and
// graph outputs (a graph output counts as one read, so the value keeps its name).
std::unordered_map<std::string, int> read_counts(const ir::Graph& graph);

// Every name read by `node`: its inputs and what its subgraphs read from the enclosing scope.
std::vector<std::string> names_read_by(const ir::Node& node);

// The nodes in execution order, or nothing when the graph is malformed (a cycle, an undefined
// input, a value defined twice): rules then leave the graph alone so that building the plan
// reports the same error at every optimization level.
std::optional<std::vector<size_t>> execution_order(const ir::Graph& graph);

// Removes the nodes whose flag is set, keeping the others in order; returns how many went.
int remove_nodes(ir::Graph& graph, const std::vector<bool>& doomed);

// Hands out value names unused anywhere in a graph (nested subgraphs included).
class FreshNames {
 public:
  explicit FreshNames(const ir::Graph& graph);
  // `base`, or `base` + "_<n>" for the first n that is free; the name is then taken.
  std::string make(const std::string& base);

 private:
  std::unordered_set<std::string> taken_;
};

}  // namespace onyxrt::optimizer
