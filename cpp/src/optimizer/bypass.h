#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "ir/graph.h"

namespace onyxrt::optimizer {

// What the rules that remove no-op nodes share (eliminate_cast_noop, cancel_transposes,
// merge_reshapes, eliminate_common_subexpressions): a node's outputs become another value's
// aliases, its readers are moved onto that value, and the node goes.
class Bypass {
 public:
  explicit Bypass(const ir::Graph& graph);

  // Whether the value may lose its name: graph outputs keep theirs (the caller asks for them by
  // name), so the node writing one stays.
  bool may_rename(const std::string& value) const { return !graph_outputs_.count(value); }
  // Readers of `value` read `source` from now on; `node` goes once apply() runs.
  void alias(size_t node, const std::string& value, const std::string& source);
  void drop(size_t node) { doomed_[node] = true; }
  // `name` through the aliases made so far (the value a reader ends up reading).
  std::string resolve(const std::string& name) const;
  // Moves every read (subgraphs' outer reads included) and removes the nodes; returns how many.
  int apply(ir::Graph& graph);

 private:
  std::unordered_set<std::string> graph_outputs_;
  std::unordered_map<std::string, std::string> source_of_;
  std::vector<bool> doomed_;
};

// The values of a constant 1-D (or scalar) int64 tensor; nothing for another type or rank.
std::optional<std::vector<int64_t>> int64_values(const Tensor* tensor);

// An INTS attribute's values; nothing when the attribute is absent or of another type.
std::optional<std::vector<int64_t>> ints_attribute(const ir::Node& node, const char* name);

// An INT attribute's value, or `fallback` when absent; nothing when it has another type.
std::optional<int64_t> int_attribute(const ir::Node& node, const char* name, int64_t fallback);

}  // namespace onyxrt::optimizer
