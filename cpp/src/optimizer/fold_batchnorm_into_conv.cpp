// Conv(x, W, b) -> BatchNormalization(scale, B, mean, var)  =>  Conv(x, W', b')
//   with a = scale / sqrt(var + epsilon) per output channel: W' = W * a, b' = (b - mean) * a + B
#include <algorithm>
#include <cmath>
#include <optional>

#include "optimizer/graph_queries.h"
#include "optimizer/rules.h"

namespace onyxrt::optimizer {
namespace {

// Inference BatchNormalization over channels with only Y in use, whose kernel would accept it
// (anything it would reject is left for it to reject). Returns epsilon.
std::optional<double> inference_batchnorm_epsilon(const ir::Node& bn) {
  if (!is_onnx_op(bn, "BatchNormalization") || bn.inputs.size() != 5 || bn.outputs.empty() || bn.outputs[0].empty())
    return std::nullopt;
  for (size_t i = 1; i < bn.outputs.size(); ++i)
    if (!bn.outputs[i].empty()) return std::nullopt;  // running statistics asked for: training
  const ir::Attribute* training = bn.find_attribute("training_mode");
  const ir::Attribute* spatial = bn.find_attribute("spatial");
  const ir::Attribute* epsilon = bn.find_attribute("epsilon");
  if (training != nullptr && (training->type != ir::AttrType::Int || training->i != 0)) return std::nullopt;
  if (spatial != nullptr && (spatial->type != ir::AttrType::Int || spatial->i == 0)) return std::nullopt;
  if (epsilon != nullptr && epsilon->type != ir::AttrType::Float) return std::nullopt;
  // The kernel reads epsilon as a float and computes in double; so does the fold.
  return static_cast<double>(epsilon != nullptr ? epsilon->f : 1e-5f);
}

template <class T>
void fold(const Tensor& w, const Tensor* b, const Tensor* const params[4], double epsilon, Tensor& w_out,
          Tensor& b_out) {
  const int64_t channels = w.dim(0), per_channel = w.size() / std::max<int64_t>(1, channels);
  const T *scale = params[0]->data<T>(), *shift = params[1]->data<T>(), *mean = params[2]->data<T>(),
          *var = params[3]->data<T>();
  for (int64_t m = 0; m < channels; ++m) {
    const double a = static_cast<double>(scale[m]) / std::sqrt(static_cast<double>(var[m]) + epsilon);
    const T* src = w.data<T>() + m * per_channel;
    T* dst = w_out.data<T>() + m * per_channel;
    for (int64_t k = 0; k < per_channel; ++k) dst[k] = static_cast<T>(static_cast<double>(src[k]) * a);
    const double bias = b != nullptr ? static_cast<double>(b->data<T>()[m]) : 0.0;
    b_out.data<T>()[m] = static_cast<T>((bias - static_cast<double>(mean[m])) * a + static_cast<double>(shift[m]));
  }
}

}  // namespace

int fold_batchnorm_into_conv(ir::Model& model) {
  ir::Graph& graph = model.graph;
  if (!execution_order(graph)) return 0;
  const std::unordered_map<std::string, const Tensor*> constants = constant_initializers(model);
  const std::unordered_map<std::string, int> reads = read_counts(graph);
  std::unordered_map<std::string, size_t> producer;
  for (size_t i = 0; i < graph.nodes.size(); ++i)
    for (const std::string& out : graph.nodes[i].outputs)
      if (!out.empty()) producer[out] = i;
  auto constant = [&](const ir::Node& node, size_t i) -> const Tensor* {
    if (i >= node.inputs.size() || node.inputs[i].empty()) return nullptr;
    auto it = constants.find(node.inputs[i]);
    return it == constants.end() ? nullptr : it->second;
  };

  FreshNames names(graph);
  std::vector<ir::NamedTensor> folded_weights;
  std::vector<bool> folded_bn(graph.nodes.size(), false);
  for (size_t bn_index = 0; bn_index < graph.nodes.size(); ++bn_index) {
    const ir::Node& bn = graph.nodes[bn_index];
    std::optional<double> epsilon = inference_batchnorm_epsilon(bn);
    if (!epsilon) continue;
    auto conv_it = producer.find(bn.inputs[0]);
    if (conv_it == producer.end()) continue;
    ir::Node& conv = graph.nodes[conv_it->second];
    // The Conv output must feed this BN alone: every other reader would see the folded values.
    if (!is_onnx_op(conv, "Conv") || conv.inputs.size() < 2 || conv.inputs.size() > 3 || conv.outputs.size() != 1 ||
        reads.at(conv.outputs[0]) != 1)
      continue;
    const Tensor* w = constant(conv, 1);
    const bool has_bias = conv.inputs.size() > 2 && !conv.inputs[2].empty();
    const Tensor* b = constant(conv, 2);
    const Tensor* params[4] = {constant(bn, 1), constant(bn, 2), constant(bn, 3), constant(bn, 4)};
    if (w == nullptr || (has_bias && b == nullptr) || w->rank() < 3) continue;
    if (w->dtype() != DataType::Float && w->dtype() != DataType::Double) continue;
    const int64_t channels = w->dim(0);
    bool fits = !has_bias || (b->dtype() == w->dtype() && b->size() == channels);
    for (const Tensor* p : params) fits = fits && p != nullptr && p->dtype() == w->dtype() && p->size() == channels;
    if (!fits) continue;  // shapes the kernels would reject: they keep rejecting them

    // fold() writes every element: no clearing pass over the new weights first.
    Tensor w_out = Tensor::uninitialized(w->dtype(), w->shape());
    Tensor b_out = Tensor::uninitialized(w->dtype(), {channels});
    if (w->dtype() == DataType::Float) {
      fold<float>(*w, b, params, *epsilon, w_out, b_out);
    } else {
      fold<double>(*w, b, params, *epsilon, w_out, b_out);
    }
    const std::string w_name = names.make(conv.inputs[1] + "_bn_folded");
    const std::string b_name = names.make((has_bias ? conv.inputs[2] : conv.inputs[1]) + "_bn_folded_bias");
    folded_weights.push_back({w_name, std::move(w_out)});
    folded_weights.push_back({b_name, std::move(b_out)});
    conv.inputs.resize(3);
    conv.inputs[1] = w_name;
    conv.inputs[2] = b_name;
    conv.outputs[0] = bn.outputs[0];  // Conv now writes what BN wrote, under its name
    folded_bn[bn_index] = true;
  }

  for (ir::NamedTensor& t : folded_weights) graph.initializers.push_back(std::move(t));
  return remove_nodes(graph, folded_bn);
}

}  // namespace onyxrt::optimizer
