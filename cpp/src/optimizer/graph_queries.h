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

// A node of the ai.onnx domain with this op type.
inline bool is_onnx_op(const ir::Node& node, const char* op_type) {
  return node.domain.empty() && node.op_type == op_type;
}

// An ai.onnx node of this op type with two inputs and one output (MatMul, Add, Mul, ...).
inline bool is_binary_onnx_op(const ir::Node& node, const char* op_type) {
  return is_onnx_op(node, op_type) && node.inputs.size() == 2 && node.outputs.size() == 1;
}

// Which node reads each value, for rules that absorb a node into its only consumer.
class SoleReaders {
 public:
  explicit SoleReaders(const ir::Graph& graph);
  // The index of the one node that reads `value`, once, when nothing else does (no graph output,
  // no subgraph, no second input slot); else nothing.
  std::optional<size_t> of(const std::string& value) const;

 private:
  std::unordered_map<std::string, int> reads_;
  std::unordered_map<std::string, size_t> reader_;
};

// The index of the node writing each value.
std::unordered_map<std::string, size_t> producers(const ir::Graph& graph);

// The node writing `value` when node `reader` is its only reader (a chain a rule may absorb).
std::optional<size_t> sole_producer(const std::unordered_map<std::string, size_t>& producer,
                                    const SoleReaders& readers, const std::string& value, size_t reader);

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
