// Chains of float convolutions  =>  the channel-blocked layout (kernels/conv_blocked.h):
//   Conv / com.microsoft FusedConv (group 1, W and B constant, channels multiples of 16,
//   activation none, Relu or Clip)
//     =>  ai.onyxrt BlockedConv on blocked values, with ai.onyxrt ReorderToBlocked where a chain
//         reads an NCHW value and ReorderFromBlocked where anything else reads a chain's value.
// A convolution neither fed by nor feeding another blocked one stays as it is: two reorders
// would cost more than the layout gains on it alone. Runs after the rules (fuse_conv_activation
// has put residual Adds and activations inside the convolutions) and after the optimized model
// is saved, at level "all" on CPUs with the vector kernel: the operators are this CPU's, so the
// saved model stays portable and loads in onnxruntime.
#include <string>
#include <unordered_map>
#include <vector>

#include "ops/nn/conv_blocked.h"
#include "optimizer/graph_queries.h"
#include "optimizer/pass_manager.h"

namespace onyxrt::optimizer {
namespace {

constexpr const char* kDomain = "ai.onyxrt";
constexpr int64_t kBlock = 16;
// The inputs a blocked node reads in the blocked layout: X, and FusedConv's residual Z.
constexpr size_t kBlockedSlots[] = {0, 3};

bool is_fused_conv(const ir::Node& node) { return node.domain == "com.microsoft" && node.op_type == "FusedConv"; }

// Whether the node is a convolution BlockedConv computes.
bool convertible(const ir::Node& node, const std::unordered_map<std::string, const Tensor*>& constants) {
  const bool conv = is_onnx_op(node, "Conv") && node.inputs.size() <= 3;
  if (!(conv || (is_fused_conv(node) && node.inputs.size() <= 4)) || node.inputs.size() < 2 ||
      node.outputs.size() != 1 || node.inputs[0].empty())
    return false;
  auto w = constants.find(node.inputs[1]);
  if (w == constants.end() || w->second->dtype() != DataType::Float || w->second->rank() != 4) return false;
  const Shape& ws = w->second->shape();
  if (ws[0] % kBlock != 0 || ws[1] % kBlock != 0 || ws[0] == 0) return false;
  if (node.inputs.size() > 2 && !node.inputs[2].empty()) {
    auto b = constants.find(node.inputs[2]);
    if (b == constants.end() || b->second->dtype() != DataType::Float || b->second->rank() != 1) return false;
  }
  const ir::Attribute* group = node.find_attribute("group");
  if (group != nullptr && (group->type != ir::AttrType::Int || group->i != 1)) return false;
  const ir::Attribute* act = node.find_attribute("activation");
  if (act != nullptr && (act->type != ir::AttrType::String || (act->s != "Relu" && act->s != "Clip"))) return false;
  return true;
}

}  // namespace

int layout_blocked(ir::Model& model) {
  if (!ops::conv_blocked_fast()) return 0;
  ir::Graph& graph = model.graph;
  const std::optional<std::vector<size_t>> order = execution_order(graph);
  if (!order) return 0;
  const std::unordered_map<std::string, const Tensor*> constants = constant_initializers(model);
  const std::unordered_map<std::string, size_t> producer = producers(graph);
  std::vector<bool> blocked(graph.nodes.size(), false);
  for (size_t i = 0; i < graph.nodes.size(); ++i) blocked[i] = convertible(graph.nodes[i], constants);

  const auto blocked_inputs = [&](size_t i) {
    std::vector<std::string> names;
    for (size_t slot : kBlockedSlots)
      if (slot < graph.nodes[i].inputs.size() && !graph.nodes[i].inputs[slot].empty())
        names.push_back(graph.nodes[i].inputs[slot]);
    return names;
  };
  // Drop convolutions with no blocked neighbour until none is left alone.
  for (bool changed = true; changed;) {
    changed = false;
    std::unordered_map<std::string, bool> read_blocked;
    for (size_t i = 0; i < graph.nodes.size(); ++i)
      if (blocked[i])
        for (const std::string& v : blocked_inputs(i)) read_blocked[v] = true;
    for (size_t i = 0; i < graph.nodes.size(); ++i) {
      if (!blocked[i]) continue;
      bool fed = false;
      for (const std::string& v : blocked_inputs(i)) {
        auto p = producer.find(v);
        fed = fed || (p != producer.end() && blocked[p->second]);
      }
      if (!fed && !read_blocked.count(graph.nodes[i].outputs[0])) blocked[i] = false, changed = true;
    }
  }

  // Reads of each value by blocked nodes in the blocked layout; any other read needs NCHW.
  std::unordered_map<std::string, int> blocked_reads;
  int converted = 0;
  for (size_t i = 0; i < graph.nodes.size(); ++i)
    if (blocked[i]) {
      ++converted;
      for (const std::string& v : blocked_inputs(i)) ++blocked_reads[v];
    }
  if (converted == 0) return 0;
  const std::unordered_map<std::string, int> reads = read_counts(graph);
  FreshNames fresh(graph);
  std::unordered_map<std::string, std::string> blocked_name;  // NCHW value -> its blocked copy
  std::vector<ir::Node> nodes;
  nodes.reserve(graph.nodes.size() + 2 * static_cast<size_t>(converted));
  for (size_t i : *order) {
    if (!blocked[i]) {
      nodes.push_back(std::move(graph.nodes[i]));
      continue;
    }
    ir::Node conv = std::move(graph.nodes[i]);
    const std::string output = conv.outputs[0];
    const int64_t m = constants.at(conv.inputs[1])->dim(0);
    for (size_t slot : kBlockedSlots) {
      if (slot >= conv.inputs.size() || conv.inputs[slot].empty()) continue;
      std::string& input = conv.inputs[slot];
      auto known = blocked_name.find(input);
      if (known == blocked_name.end()) {
        ir::Node reorder;
        reorder.name = fresh.make(input + "_to_blocked");
        reorder.op_type = "ReorderToBlocked", reorder.domain = kDomain;
        reorder.inputs = {input};
        reorder.outputs = {fresh.make(input + "_blocked")};
        known = blocked_name.emplace(input, reorder.outputs[0]).first;
        nodes.push_back(std::move(reorder));
      }
      input = known->second;
    }
    conv.op_type = "BlockedConv", conv.domain = kDomain;
    conv.outputs = {fresh.make(output + "_blocked")};
    blocked_name[output] = conv.outputs[0];
    const std::string blocked_output = conv.outputs[0];
    nodes.push_back(std::move(conv));
    auto r = reads.find(output);
    if (r != reads.end() && r->second > blocked_reads[output]) {
      ir::Node reorder;
      reorder.name = fresh.make(output + "_from_blocked");
      reorder.op_type = "ReorderFromBlocked", reorder.domain = kDomain;
      reorder.inputs = {blocked_output};
      reorder.outputs = {output};
      ir::Attribute channels;
      channels.name = "channels", channels.type = ir::AttrType::Int, channels.i = m;
      reorder.attributes.push_back(std::move(channels));
      nodes.push_back(std::move(reorder));
    }
  }
  graph.nodes = std::move(nodes);
  if (model.opset(kDomain) < 0) model.opset_imports.push_back({kDomain, 1});
  return converted;
}

}  // namespace onyxrt::optimizer
