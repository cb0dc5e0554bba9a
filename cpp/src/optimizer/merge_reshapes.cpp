// Reshape(x, s1) or Flatten(x) -> Reshape(s2: constant) -> y   =>  Reshape(x, s2) -> y
// Reshape(x, s1: constant, every dim known) -> Flatten(axis)    =>  Reshape(x, [a, b]) -> y
// Unsqueeze(x, axes) -> Squeeze(same axes) -> y                =>  readers of y read x
// Squeeze(x, axes) -> Unsqueeze(same axes) -> y                =>  readers of y read x
//   A reshape only reads its input's element count, which the first op keeps; s2 may hold -1 but
//   no 0 (a 0 copies a dim of the input it sees, which is the first op's output), unless its
//   allowzero makes 0 a size. Squeeze and Unsqueeze axes count in the same rank (the larger one),
//   so the same axes, written the same way, name the same dims.
#include <algorithm>
#include <optional>

#include "optimizer/bypass.h"
#include "optimizer/graph_queries.h"
#include "optimizer/rules.h"

namespace onyxrt::optimizer {
namespace {

bool is_op(const ir::Node& node, const char* op_type) {
  return node.domain.empty() && node.op_type == op_type && !node.inputs.empty() && !node.inputs[0].empty() &&
         node.outputs.size() == 1 && !node.outputs[0].empty();
}

// The axes of a Squeeze / Unsqueeze: the attribute before opset 13, a constant input since.
std::optional<std::vector<int64_t>> axes_of(const ir::Node& node, int64_t opset,
                                            const std::unordered_map<std::string, const Tensor*>& constants) {
  std::optional<std::vector<int64_t>> axes;
  if (opset < 13) {
    axes = ints_attribute(node, "axes");
  } else if (node.inputs.size() == 2) {
    auto it = constants.find(node.inputs[1]);
    if (it != constants.end()) axes = int64_values(it->second);
  }
  if (!axes || axes->empty()) return std::nullopt;  // Squeeze without axes drops every 1: not a pair
  std::sort(axes->begin(), axes->end());
  if (std::adjacent_find(axes->begin(), axes->end()) != axes->end()) return std::nullopt;
  return axes;
}

bool same_sign(const std::vector<int64_t>& axes) {
  return std::all_of(axes.begin(), axes.end(), [](int64_t a) { return a >= 0; }) ||
         std::all_of(axes.begin(), axes.end(), [](int64_t a) { return a < 0; });
}

}  // namespace

int merge_reshapes(ir::Model& model) {
  ir::Graph& graph = model.graph;
  std::optional<std::vector<size_t>> order = execution_order(graph);
  if (!order) return 0;
  const int64_t opset = model.opset("");
  const std::unordered_map<std::string, const Tensor*> constants = constant_initializers(model);
  std::unordered_map<std::string, size_t> producer;
  for (size_t i = 0; i < graph.nodes.size(); ++i)
    for (const std::string& out : graph.nodes[i].outputs)
      if (!out.empty()) producer[out] = i;
  auto constant_ints = [&](const ir::Node& node, size_t input) -> std::optional<std::vector<int64_t>> {
    if (input >= node.inputs.size()) return std::nullopt;
    auto it = constants.find(node.inputs[input]);
    return it == constants.end() ? std::nullopt : int64_values(it->second);
  };
  FreshNames names(graph);
  std::vector<ir::NamedTensor> new_shapes;

  Bypass bypass(graph);
  int merged = 0;
  for (size_t index : *order) {
    ir::Node& node = graph.nodes[index];
    auto p = producer.find(bypass.resolve(node.inputs.empty() ? std::string() : node.inputs[0]));
    if (p == producer.end()) continue;
    const ir::Node& first = graph.nodes[p->second];
    const std::string& y = node.outputs.empty() ? std::string() : node.outputs[0];

    if (is_op(node, "Reshape") && node.inputs.size() == 2 && (is_op(first, "Reshape") || is_op(first, "Flatten"))) {
      std::optional<std::vector<int64_t>> shape = constant_ints(node, 1);
      std::optional<int64_t> allowzero = int_attribute(node, "allowzero", 0);
      if (!shape || !allowzero) continue;
      if (*allowzero == 0 && std::count(shape->begin(), shape->end(), 0) > 0) continue;
      node.inputs[0] = first.inputs[0];
      ++merged;
    } else if (is_op(node, "Flatten") && is_op(first, "Reshape") && first.inputs.size() == 2 && opset >= 5) {
      std::optional<std::vector<int64_t>> shape = constant_ints(first, 1);
      std::optional<int64_t> axis = int_attribute(node, "axis", 1);
      if (!shape || !axis || std::any_of(shape->begin(), shape->end(), [](int64_t d) { return d <= 0; })) continue;
      const auto rank = static_cast<int64_t>(shape->size());
      const int64_t at = *axis < 0 ? *axis + rank : *axis;
      if (at < 0 || at > rank) continue;  // the kernel reports the bad axis
      int64_t rows = 1, cols = 1;
      for (int64_t i = 0; i < rank; ++i) (i < at ? rows : cols) *= (*shape)[i];
      Tensor flat(DataType::Int64, {2});
      flat.data<int64_t>()[0] = rows;
      flat.data<int64_t>()[1] = cols;
      const std::string shape_name = names.make(y + "_shape");
      new_shapes.push_back({shape_name, std::move(flat)});
      node.op_type = "Reshape";
      node.attributes.clear();
      node.inputs = {first.inputs[0], shape_name};
      ++merged;
    } else if ((is_op(node, "Squeeze") && is_op(first, "Unsqueeze")) ||
               (is_op(node, "Unsqueeze") && is_op(first, "Squeeze"))) {
      std::optional<std::vector<int64_t>> outer = axes_of(node, opset, constants);
      std::optional<std::vector<int64_t>> inner = axes_of(first, opset, constants);
      if (outer && inner && *outer == *inner && same_sign(*outer) && bypass.may_rename(y))
        bypass.alias(index, y, first.inputs[0]);
    }
  }
  for (ir::NamedTensor& t : new_shapes) graph.initializers.push_back(std::move(t));
  return merged + bypass.apply(graph);
}

}  // namespace onyxrt::optimizer
