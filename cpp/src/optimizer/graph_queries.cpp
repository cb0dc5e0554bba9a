#include "optimizer/graph_queries.h"

#include <cstddef>

#include "base/error.h"
#include "ir/topological_order.h"

namespace onyxrt::optimizer {
namespace {

void collect_names(const ir::Graph& graph, std::unordered_set<std::string>& names) {
  for (const ValueInfo& v : graph.inputs) names.insert(v.name);
  for (const ValueInfo& v : graph.outputs) names.insert(v.name);
  for (const ValueInfo& v : graph.value_info) names.insert(v.name);
  for (const ir::NamedTensor& t : graph.initializers) names.insert(t.name);
  for (const ir::NamedSparseTensor& t : graph.sparse_initializers) names.insert(t.name);
  for (const ir::Node& node : graph.nodes) {
    names.insert(node.inputs.begin(), node.inputs.end());
    names.insert(node.outputs.begin(), node.outputs.end());
    for (const ir::Attribute& a : node.attributes) {
      if (a.g) collect_names(*a.g, names);
      for (const auto& g : a.graphs) collect_names(*g, names);
    }
  }
}

}  // namespace

std::unordered_map<std::string, const Tensor*> constant_initializers(const ir::Model& model) {
  const ir::Graph& graph = model.graph;
  std::unordered_set<std::string> overridable;
  if (model.ir_version >= 4)
    for (const ValueInfo& in : graph.inputs) overridable.insert(in.name);
  std::unordered_map<std::string, const Tensor*> constants;
  for (const ir::NamedTensor& t : graph.initializers)
    if (!overridable.count(t.name)) constants.emplace(t.name, &t.tensor);
  return constants;
}

std::vector<std::string> names_read_by(const ir::Node& node) {
  std::vector<std::string> names;
  for (const std::string& in : node.inputs)
    if (!in.empty()) names.push_back(in);
  for (const ir::Attribute& a : node.attributes) {
    if (a.g)
      for (std::string& n : ir::outer_scope_inputs(*a.g)) names.push_back(std::move(n));
    for (const auto& g : a.graphs)
      for (std::string& n : ir::outer_scope_inputs(*g)) names.push_back(std::move(n));
  }
  return names;
}

std::unordered_map<std::string, int> read_counts(const ir::Graph& graph) {
  std::unordered_map<std::string, int> counts;
  for (const ir::Node& node : graph.nodes)
    for (const std::string& name : names_read_by(node)) ++counts[name];
  for (const ValueInfo& out : graph.outputs) ++counts[out.name];
  return counts;
}

std::optional<std::vector<size_t>> execution_order(const ir::Graph& graph) {
  std::unordered_set<std::string> available;
  for (const ValueInfo& in : graph.inputs) available.insert(in.name);
  for (const ir::NamedTensor& t : graph.initializers) available.insert(t.name);
  for (const ir::NamedSparseTensor& t : graph.sparse_initializers) available.insert(t.name);
  try {
    return ir::topological_order(graph, available);
  } catch (const Error&) {
    return std::nullopt;
  }
}

int remove_nodes(ir::Graph& graph, const std::vector<bool>& doomed) {
  size_t kept = 0;
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    if (doomed[i]) continue;
    if (kept != i) graph.nodes[kept] = std::move(graph.nodes[i]);  // never onto itself: that empties it
    ++kept;
  }
  const int removed = static_cast<int>(graph.nodes.size() - kept);
  graph.nodes.erase(graph.nodes.begin() + static_cast<std::ptrdiff_t>(kept), graph.nodes.end());
  return removed;
}

SoleReaders::SoleReaders(const ir::Graph& graph) : reads_(read_counts(graph)) {
  for (size_t i = 0; i < graph.nodes.size(); ++i)
    for (const std::string& in : graph.nodes[i].inputs)
      if (!in.empty()) reader_[in] = i;
}

std::optional<size_t> SoleReaders::of(const std::string& value) const {
  auto count = reads_.find(value);
  auto reader = reader_.find(value);
  if (count == reads_.end() || count->second != 1 || reader == reader_.end()) return std::nullopt;
  return reader->second;  // read once in all, and a node input reads it: that input is the one read
}

std::optional<size_t> sole_producer(const std::unordered_map<std::string, size_t>& producer,
                                    const SoleReaders& readers, const std::string& value, size_t reader) {
  auto it = producer.find(value);
  if (it == producer.end() || readers.of(value) != reader) return std::nullopt;
  return it->second;
}

std::unordered_map<std::string, size_t> producers(const ir::Graph& graph) {
  std::unordered_map<std::string, size_t> producer;
  for (size_t i = 0; i < graph.nodes.size(); ++i)
    for (const std::string& out : graph.nodes[i].outputs)
      if (!out.empty()) producer[out] = i;
  return producer;
}

FreshNames::FreshNames(const ir::Graph& graph) {
  collect_names(graph, taken_);
  taken_.insert("");
}

std::string FreshNames::make(const std::string& base) {
  std::string name = base;
  for (int n = 1; taken_.count(name); ++n) name = base + "_" + std::to_string(n);
  taken_.insert(name);
  return name;
}

}  // namespace onyxrt::optimizer
