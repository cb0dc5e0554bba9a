#include "ir/topological_order.h"

#include <functional>
#include <queue>
#include <unordered_map>

#include "base/error.h"

namespace onyxrt::ir {
namespace {

// Every name a node consumes: its inputs, plus outer-scope names its subgraphs read.
std::vector<std::string> consumed_names(const Node& node) {
  std::vector<std::string> names;
  for (const std::string& in : node.inputs)
    if (!in.empty()) names.push_back(in);
  for (const Attribute& a : node.attributes) {
    if (a.g) {
      for (std::string& n : outer_scope_inputs(*a.g)) names.push_back(std::move(n));
    }
    for (const auto& g : a.graphs) {
      for (std::string& n : outer_scope_inputs(*g)) names.push_back(std::move(n));
    }
  }
  return names;
}

}  // namespace

std::vector<std::string> outer_scope_inputs(const Graph& graph) {
  std::unordered_set<std::string> defined;
  for (const ValueInfo& v : graph.inputs) defined.insert(v.name);
  for (const NamedTensor& t : graph.initializers) defined.insert(t.name);
  for (const NamedSparseTensor& t : graph.sparse_initializers) defined.insert(t.name);
  for (const Node& n : graph.nodes)
    for (const std::string& out : n.outputs)
      if (!out.empty()) defined.insert(out);
  std::vector<std::string> outer;
  std::unordered_set<std::string> seen;
  for (const Node& n : graph.nodes)
    for (std::string& name : consumed_names(n))
      if (!defined.count(name) && seen.insert(name).second) outer.push_back(std::move(name));
  for (const ValueInfo& v : graph.outputs)  // a subgraph may output an outer value directly
    if (!defined.count(v.name) && seen.insert(v.name).second) outer.push_back(v.name);
  return outer;
}

std::vector<size_t> topological_order(const Graph& graph, const std::unordered_set<std::string>& available) {
  const size_t n = graph.nodes.size();
  std::unordered_map<std::string, size_t> producer;
  for (size_t i = 0; i < n; ++i) {
    for (const std::string& out : graph.nodes[i].outputs) {
      if (out.empty()) continue;
      if (available.count(out))
        fail(ErrorCode::InvalidGraph, graph.nodes[i].describe(), " redefines '", out,
             "', which is already a graph input or initializer");
      if (!producer.emplace(out, i).second)
        fail(ErrorCode::InvalidGraph, "value '", out, "' is produced by both ", graph.nodes[producer[out]].describe(),
             " and ", graph.nodes[i].describe());
    }
  }
  std::vector<std::vector<size_t>> consumers(n);
  std::vector<size_t> pending(n, 0);
  for (size_t i = 0; i < n; ++i) {
    for (const std::string& name : consumed_names(graph.nodes[i])) {
      auto it = producer.find(name);
      if (it != producer.end()) {
        if (it->second == i)
          fail(ErrorCode::InvalidGraph, graph.nodes[i].describe(), " consumes its own output '", name, "'");
        consumers[it->second].push_back(i);
        ++pending[i];
      } else if (!available.count(name)) {
        fail(ErrorCode::InvalidGraph, graph.nodes[i].describe(), " reads '", name,
             "', which is not a graph input, an initializer or the output of any node");
      }
    }
  }
  // Kahn's algorithm, taking the lowest ready index first to keep the file's order.
  std::vector<size_t> order;
  order.reserve(n);
  std::vector<bool> done(n, false);
  std::priority_queue<size_t, std::vector<size_t>, std::greater<size_t>> ready;
  for (size_t i = 0; i < n; ++i)
    if (pending[i] == 0) ready.push(i);
  while (!ready.empty()) {
    size_t i = ready.top();
    ready.pop();
    order.push_back(i);
    done[i] = true;
    for (size_t c : consumers[i])
      if (--pending[c] == 0) ready.push(c);
  }
  if (order.size() != n) {
    for (size_t i = 0; i < n; ++i)
      if (!done[i]) fail(ErrorCode::InvalidGraph, "graph has a cycle through ", graph.nodes[i].describe());
  }
  return order;
}

}  // namespace onyxrt::ir
