// Conv(x, W, b) [-> Add(·, Z) | Sum(·, Z)] [-> Relu | Clip | LeakyRelu | Sigmoid | Tanh | HardSigmoid]
//   =>  com.microsoft FusedConv(x, W, b[, Z]) with activation / activation_params
// onnxruntime's contrib op, so a graph written out after this rule still loads there. Z (the
// residual of a ResNet block) must have the Conv output's shape, proven by static_shapes: FusedConv
// does not broadcast it.
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "optimizer/graph_queries.h"
#include "optimizer/rules.h"
#include "optimizer/static_shapes.h"

namespace onyxrt::optimizer {
namespace {

constexpr const char* kMsDomain = "com.microsoft";

struct Activation {
  std::string name;
  std::vector<float> params;
};

// A float attribute, its default when absent, nothing when it has another type.
std::optional<float> float_attr(const ir::Node& node, const char* name, float fallback) {
  const ir::Attribute* a = node.find_attribute(name);
  if (a == nullptr) return fallback;
  if (a->type != ir::AttrType::Float) return std::nullopt;
  return a->f;
}

// A float scalar initializer that no feed replaces.
std::optional<float> constant_scalar(const std::unordered_map<std::string, const Tensor*>& constants,
                                     const std::string& name) {
  auto it = constants.find(name);
  if (it == constants.end() || it->second->dtype() != DataType::Float || it->second->size() != 1) return std::nullopt;
  return it->second->data<float>()[0];
}

// The activation `node` computes, in FusedConv's terms, when it is one FusedConv has.
std::optional<Activation> activation_of(const ir::Node& node, const ir::Model& model,
                                        const std::unordered_map<std::string, const Tensor*>& constants) {
  if (!node.domain.empty() || node.inputs.empty() || node.outputs.size() != 1) return std::nullopt;
  const std::string& op = node.op_type;
  if (op == "Relu" || op == "Sigmoid" || op == "Tanh") return Activation{op, {}};
  if (op == "LeakyRelu") {
    std::optional<float> alpha = float_attr(node, "alpha", 0.01f);
    if (!alpha) return std::nullopt;
    return Activation{op, {*alpha}};
  }
  if (op == "HardSigmoid") {
    std::optional<float> alpha = float_attr(node, "alpha", 0.2f), beta = float_attr(node, "beta", 0.5f);
    if (!alpha || !beta) return std::nullopt;
    return Activation{op, {*alpha, *beta}};
  }
  if (op != "Clip") return std::nullopt;
  if (model.opset("") < 11) {  // bounds are attributes, by default the float range
    std::optional<float> lo = float_attr(node, "min", std::numeric_limits<float>::lowest());
    std::optional<float> hi = float_attr(node, "max", std::numeric_limits<float>::max());
    if (!lo || !hi) return std::nullopt;
    return Activation{op, {*lo, *hi}};
  }
  // Since 11 the bounds are optional scalar inputs; fused only when they are constants.
  float bounds[2] = {-std::numeric_limits<float>::infinity(), std::numeric_limits<float>::infinity()};
  for (size_t i = 1; i < 3 && i < node.inputs.size(); ++i) {
    if (node.inputs[i].empty()) continue;
    std::optional<float> v = constant_scalar(constants, node.inputs[i]);
    if (!v) return std::nullopt;
    bounds[i - 1] = *v;
  }
  return Activation{op, {bounds[0], bounds[1]}};
}

// Add(a, b) or Sum(a, b) of the ai.onnx domain: the operand other than `value`, if any.
std::optional<std::string> residual_operand(const ir::Node& node, const std::string& value) {
  const bool add = is_onnx_op(node, "Add") || (is_onnx_op(node, "Sum") && node.inputs.size() == 2);
  if (!add || node.inputs.size() != 2 || node.outputs.size() != 1 || node.inputs[0] == node.inputs[1])
    return std::nullopt;
  return node.inputs[0] == value ? node.inputs[1] : node.inputs[0];
}

ir::Node fused_conv(const ir::Node& conv, const std::string& z, const std::optional<Activation>& act,
                    const std::string& output) {
  ir::Node fused;
  fused.name = conv.name;
  fused.op_type = "FusedConv";
  fused.domain = kMsDomain;
  fused.inputs = conv.inputs;
  if (!z.empty()) {
    fused.inputs.resize(3);  // B stays in place, empty when absent
    fused.inputs.push_back(z);
  }
  fused.outputs = {output};
  fused.attributes = conv.attributes;  // FusedConv has Conv's attributes, under the same names
  if (act) {
    ir::Attribute name;
    name.name = "activation", name.type = ir::AttrType::String, name.s = act->name;
    fused.attributes.push_back(std::move(name));
    if (!act->params.empty()) {
      ir::Attribute params;
      params.name = "activation_params", params.type = ir::AttrType::Floats, params.floats = act->params;
      fused.attributes.push_back(std::move(params));
    }
  }
  return fused;
}

}  // namespace

int fuse_conv_activation(ir::Model& model) {
  ir::Graph& graph = model.graph;
  if (!execution_order(graph)) return 0;
  const std::unordered_map<std::string, const Tensor*> constants = constant_initializers(model);
  const SoleReaders readers(graph);
  std::optional<std::unordered_map<std::string, StaticShape>> shapes;  // computed when an Add is met
  std::vector<bool> doomed(graph.nodes.size(), false);
  int fused = 0;
  for (size_t ci = 0; ci < graph.nodes.size(); ++ci) {
    const ir::Node& conv = graph.nodes[ci];
    if (!is_onnx_op(conv, "Conv") || conv.inputs.size() < 2 || conv.inputs.size() > 3 || conv.outputs.size() != 1)
      continue;
    // onnxruntime's FusedConv is float only; a constant W proves the type before any run.
    auto w = constants.find(conv.inputs[1]);
    if (w == constants.end() || w->second->dtype() != DataType::Float) continue;

    std::string output = conv.outputs[0], z;
    size_t last = ci, add_index = ci;
    std::optional<size_t> next = readers.of(output);
    if (next && !doomed[*next]) {
      std::optional<std::string> other = residual_operand(graph.nodes[*next], output);
      if (other) {
        if (!shapes) shapes = static_shapes(model);
        auto ys = shapes->find(output), zs = shapes->find(*other);
        if (ys != shapes->end() && zs != shapes->end() && same_static_shape(ys->second, zs->second)) {
          z = *other;
          add_index = last = *next;
          output = graph.nodes[last].outputs[0];
          next = readers.of(output);
        }
      }
    }
    std::optional<Activation> act;
    if (next && !doomed[*next] && !graph.nodes[*next].inputs.empty() && graph.nodes[*next].inputs[0] == output)
      act = activation_of(graph.nodes[*next], model, constants);
    if (act) last = *next, output = graph.nodes[last].outputs[0];
    if (z.empty() && !act) continue;

    // The fused node takes the last absorbed node's place: every input it reads (Z included) is
    // written before that point.
    ir::Node node = fused_conv(conv, z, act, output);
    doomed[ci] = true;
    if (add_index != ci && add_index != last) doomed[add_index] = true;
    graph.nodes[last] = std::move(node);
    ++fused;
  }
  if (fused == 0) return 0;
  if (model.opset(kMsDomain) < 0) model.opset_imports.push_back({kMsDomain, 1});
  remove_nodes(graph, doomed);
  return fused;
}

}  // namespace onyxrt::optimizer
