#include "optimizer/bypass.h"

#include "optimizer/graph_queries.h"
#include "optimizer/rule.h"

namespace onyxrt::optimizer {

Bypass::Bypass(const ir::Graph& graph) : doomed_(graph.nodes.size(), false) {
  for (const ValueInfo& out : graph.outputs) graph_outputs_.insert(out.name);
}

void Bypass::alias(size_t node, const std::string& value, const std::string& source) {
  source_of_[value] = resolve(source);
  doomed_[node] = true;
}

std::string Bypass::resolve(const std::string& name) const {
  // Rules alias in execution order onto resolved sources, so one step usually reaches the end;
  // the bound keeps a rule that does not from looping.
  std::string current = name;
  for (size_t steps = 0; steps <= source_of_.size(); ++steps) {
    auto it = source_of_.find(current);
    if (it == source_of_.end()) break;
    current = it->second;
  }
  return current;
}

int Bypass::apply(ir::Graph& graph) {
  if (!source_of_.empty()) rename_uses(graph, source_of_);
  return remove_nodes(graph, doomed_);
}

std::optional<std::vector<int64_t>> int64_values(const Tensor* tensor) {
  if (tensor == nullptr || tensor->dtype() != DataType::Int64 || tensor->rank() > 1) return std::nullopt;
  return std::vector<int64_t>(tensor->data<int64_t>(), tensor->data<int64_t>() + tensor->size());
}

std::optional<std::vector<int64_t>> ints_attribute(const ir::Node& node, const char* name) {
  const ir::Attribute* a = node.find_attribute(name);
  if (a == nullptr || a->type != ir::AttrType::Ints) return std::nullopt;
  return a->ints;
}

std::optional<int64_t> int_attribute(const ir::Node& node, const char* name, int64_t fallback) {
  const ir::Attribute* a = node.find_attribute(name);
  if (a == nullptr) return fallback;
  if (a->type != ir::AttrType::Int) return std::nullopt;
  return a->i;
}

}  // namespace onyxrt::optimizer
