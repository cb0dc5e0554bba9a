// Identity(x) -> y ; consumers(y)              =>  consumers(x)
// Dropout(x) -> y  (inference, mask unused)    =>  consumers(x)
#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "optimizer/rules.h"

namespace onyxrt::optimizer {
namespace {

bool is_removable_dropout(const ir::Node& node) {
  if (node.op_type != "Dropout" || !node.domain.empty()) return false;
  bool mask_used = node.outputs.size() > 1 && !node.outputs[1].empty();
  bool training_mode_given = node.inputs.size() > 2 && !node.inputs[2].empty();
  const ir::Attribute* is_test = node.find_attribute("is_test");  // opset < 7: 0 means training
  bool legacy_training = is_test != nullptr && is_test->type == ir::AttrType::Int && is_test->i == 0;
  return !mask_used && !training_mode_given && !legacy_training;
}

bool forwards_its_input(const ir::Node& node) {
  if (node.inputs.empty() || node.inputs[0].empty() || node.outputs.empty() || node.outputs[0].empty()) return false;
  return (node.op_type == "Identity" && node.domain.empty()) || is_removable_dropout(node);
}

}  // namespace

void rename_uses(ir::Graph& graph, const std::unordered_map<std::string, std::string>& renames) {
  for (ir::Node& node : graph.nodes) {
    for (std::string& in : node.inputs) {
      auto it = renames.find(in);
      if (it != renames.end()) in = it->second;
    }
    for (ir::Attribute& a : node.attributes) {
      if (a.g) rename_uses(*a.g, renames);
      for (auto& g : a.graphs) rename_uses(*g, renames);
    }
  }
}

int eliminate_identity(ir::Graph& graph) {
  std::unordered_set<std::string> graph_outputs;
  for (const ValueInfo& v : graph.outputs) graph_outputs.insert(v.name);
  // A graph output keeps its name, so the node that makes it stays.
  auto removable = [&](const ir::Node& n) { return forwards_its_input(n) && !graph_outputs.count(n.outputs[0]); };

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
