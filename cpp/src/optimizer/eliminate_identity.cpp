// Identity(x) -> y ; consumers(y)              =>  consumers(x)
// Dropout(x) -> y  (inference, mask unused)    =>  consumers(x)
#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "optimizer/graph_queries.h"
#include "optimizer/rules.h"

namespace onyxrt::optimizer {
namespace {

// `reads`: how often each value is read (graph outputs included); a mask that is named but read
// by nobody (as the light_* models' Dropouts have) is as unused as an omitted one.
bool is_removable_dropout(const ir::Node& node, const std::unordered_map<std::string, int>& reads) {
  if (node.op_type != "Dropout" || !node.domain.empty()) return false;
  bool mask_used = node.outputs.size() > 1 && !node.outputs[1].empty() && reads.count(node.outputs[1]);
  bool training_mode_given = node.inputs.size() > 2 && !node.inputs[2].empty();
  const ir::Attribute* is_test = node.find_attribute("is_test");  // opset < 7: 0 means training
  bool legacy_training = is_test != nullptr && is_test->type == ir::AttrType::Int && is_test->i == 0;
  return !mask_used && !training_mode_given && !legacy_training;
}

bool forwards_its_input(const ir::Node& node, const std::unordered_map<std::string, int>& reads) {
  if (node.inputs.empty() || node.inputs[0].empty() || node.outputs.empty() || node.outputs[0].empty()) return false;
  return (node.op_type == "Identity" && node.domain.empty()) || is_removable_dropout(node, reads);
}

// A subgraph may return an outer value as it is (a Loop body handing back an outer tensor as a
// scan output): that output names the outer value, so it is a read and is renamed with it.
void rename_returned_outer_values(ir::Graph& body, const std::unordered_map<std::string, std::string>& renames) {
  std::unordered_set<std::string> own;
  for (const ValueInfo& in : body.inputs) own.insert(in.name);
  for (const ir::NamedTensor& t : body.initializers) own.insert(t.name);
  for (const ir::Node& node : body.nodes) own.insert(node.outputs.begin(), node.outputs.end());
  for (ValueInfo& out : body.outputs) {
    auto it = renames.find(out.name);
    if (it != renames.end() && !own.count(out.name)) out.name = it->second;
  }
}

void rename_in_subgraph(ir::Graph& body, const std::unordered_map<std::string, std::string>& renames) {
  rename_uses(body, renames);
  rename_returned_outer_values(body, renames);
}

}  // namespace

void rename_uses(ir::Graph& graph, const std::unordered_map<std::string, std::string>& renames) {
  for (ir::Node& node : graph.nodes) {
    for (std::string& in : node.inputs) {
      auto it = renames.find(in);
      if (it != renames.end()) in = it->second;
    }
    for (ir::Attribute& a : node.attributes) {
      if (a.g) rename_in_subgraph(*a.g, renames);
      for (auto& g : a.graphs) rename_in_subgraph(*g, renames);
    }
  }
}

int eliminate_identity(ir::Model& model) {
  ir::Graph& graph = model.graph;
  std::unordered_set<std::string> graph_outputs;
  for (const ValueInfo& v : graph.outputs) graph_outputs.insert(v.name);
  // A graph output keeps its name, so the node that makes it stays.
  const std::unordered_map<std::string, int> reads = read_counts(graph);
  auto removable = [&](const ir::Node& n) {
    return forwards_its_input(n, reads) && !graph_outputs.count(n.outputs[0]);
  };

  std::unordered_map<std::string, std::string> source_of;
  for (const ir::Node& node : graph.nodes)
    if (removable(node)) source_of[node.outputs[0]] = node.inputs[0];
  if (source_of.empty()) return 0;
  // Resolve chains (Identity of Identity); the step bound stops a malformed cycle.
  std::unordered_map<std::string, std::string> renames;
  for (const auto& [out, in] : source_of) {
    std::string root = in;
    for (size_t steps = 0; steps < source_of.size(); ++steps) {
      auto it = source_of.find(root);
      if (it == source_of.end()) break;
      root = it->second;
    }
    renames[out] = root;
  }
  rename_uses(graph, renames);
  size_t before = graph.nodes.size();
  graph.nodes.erase(std::remove_if(graph.nodes.begin(), graph.nodes.end(), removable), graph.nodes.end());
  return static_cast<int>(before - graph.nodes.size());
}

}  // namespace onyxrt::optimizer
