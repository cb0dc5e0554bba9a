// Conv(x, W, b) -> Mul(·, s) | Add(·, c), s and c constants per output channel or scalars
//   =>  Conv(x, W', b') with W'[m] = W[m] * s[m], b' = b * s (Mul) or b' = b + c (Add)
// Repeated, so a Mul then an Add (the scale-and-shift Caffe2 models put after BatchNormalization)
// both fold. s and c broadcast over the Conv output [N, M, spatial...] without growing it: every dim
// 1 but the channel dim, which is 1 or M.
#include <cmath>
#include <optional>

#include "optimizer/graph_queries.h"
#include "optimizer/rules.h"

namespace onyxrt::optimizer {
namespace {

// How many channel values `t` holds for a Conv output of `rank` axes and `channels` channels
// (1 for a scalar-like constant), or nothing when it would broadcast otherwise.
std::optional<int64_t> per_channel_count(const Tensor& t, size_t rank, int64_t channels) {
  if (t.rank() > rank) return std::nullopt;
  int64_t count = 1;
  for (size_t d = 0; d < t.rank(); ++d) {
    const int64_t dim = t.dim(d);
    const bool channel_axis = d + rank - t.rank() == 1;
    if (dim == 1) continue;
    if (!channel_axis || dim != channels) return std::nullopt;
    count = channels;
  }
  return count;
}

template <class T>
void fold(const Tensor& w, const Tensor* b, const Tensor& k, int64_t k_count, bool scale, Tensor& w_out,
          Tensor& b_out) {
  const int64_t channels = w.dim(0), per_channel = w.size() / std::max<int64_t>(1, channels);
  for (int64_t m = 0; m < channels; ++m) {
    const T v = k.data<T>()[k_count == 1 ? 0 : m];
    const T bias = b != nullptr ? b->data<T>()[m] : T(0);
    b_out.data<T>()[m] = scale ? bias * v : bias + v;
    if (!scale) continue;  // a shift leaves W as it is
    const T* src = w.data<T>() + m * per_channel;
    T* dst = w_out.data<T>() + m * per_channel;
    for (int64_t i = 0; i < per_channel; ++i) dst[i] = src[i] * v;
  }
}

template <class T>
bool all_finite(const Tensor& t) {
  for (int64_t i = 0; i < t.size(); ++i)
    if (!std::isfinite(t.data<T>()[i])) return false;
  return true;
}

// One sweep over the graph; returns how many Mul / Add nodes it folded.
int fold_once(ir::Model& model) {
  ir::Graph& graph = model.graph;
  const std::unordered_map<std::string, const Tensor*> constants = constant_initializers(model);
  const SoleReaders readers(graph);
  auto constant = [&](const std::string& name) -> const Tensor* {
    auto it = name.empty() ? constants.end() : constants.find(name);
    return it == constants.end() ? nullptr : it->second;
  };
  FreshNames names(graph);
  std::vector<ir::NamedTensor> folded_weights;
  std::vector<bool> doomed(graph.nodes.size(), false);
  for (size_t ci = 0; ci < graph.nodes.size(); ++ci) {
    ir::Node& conv = graph.nodes[ci];
    if (!is_onnx_op(conv, "Conv") || conv.inputs.size() < 2 || conv.inputs.size() > 3 || conv.outputs.size() != 1)
      continue;
    std::optional<size_t> next = readers.of(conv.outputs[0]);
    if (!next || doomed[*next]) continue;
    const ir::Node& op = graph.nodes[*next];
    const bool scale = is_onnx_op(op, "Mul");
    if ((!scale && !is_onnx_op(op, "Add")) || op.inputs.size() != 2 || op.outputs.size() != 1) continue;
    // Before opset 7 'broadcast' / 'axis' align the constant elsewhere: left alone.
    if (op.find_attribute("broadcast") != nullptr || op.find_attribute("axis") != nullptr) continue;
    const Tensor* k = constant(op.inputs[0] == conv.outputs[0] ? op.inputs[1] : op.inputs[0]);
    const Tensor* w = constant(conv.inputs[1]);
    const bool has_bias = conv.inputs.size() > 2 && !conv.inputs[2].empty();
    const Tensor* b = has_bias ? constant(conv.inputs[2]) : nullptr;
    if (k == nullptr || w == nullptr || (has_bias && b == nullptr) || w->rank() < 3 || w->size() == 0) continue;
    if ((w->dtype() != DataType::Float && w->dtype() != DataType::Double) || k->dtype() != w->dtype()) continue;
    const int64_t channels = w->dim(0);
    if (has_bias && (b->dtype() != w->dtype() || b->size() != channels)) continue;  // the kernel rejects it
    std::optional<int64_t> count = per_channel_count(*k, w->rank(), channels);
    if (!count) continue;
    // x * 0 * inf is NaN where (x * 0) * inf summed first need not be: only finite scales move.
    if (scale && !(w->dtype() == DataType::Float ? all_finite<float>(*k) : all_finite<double>(*k))) continue;

    // fold() writes every element: no clearing pass over the new weights first.
    Tensor w_out = scale ? Tensor::uninitialized(w->dtype(), w->shape()) : Tensor();
    Tensor b_out = Tensor::uninitialized(w->dtype(), {channels});
    if (w->dtype() == DataType::Float) {
      fold<float>(*w, b, *k, *count, scale, w_out, b_out);
    } else {
      fold<double>(*w, b, *k, *count, scale, w_out, b_out);
    }
    const std::string w_name = scale ? names.make(conv.inputs[1] + "_scaled") : conv.inputs[1];
    const std::string b_name = names.make((has_bias ? conv.inputs[2] : conv.inputs[1]) + (scale ? "_scaled" : "_shifted"));
    if (scale) folded_weights.push_back({w_name, std::move(w_out)});
    folded_weights.push_back({b_name, std::move(b_out)});
    conv.inputs.resize(3);
    conv.inputs[1] = w_name;
    conv.inputs[2] = b_name;
    conv.outputs[0] = op.outputs[0];  // Conv now writes what the Mul / Add wrote
    doomed[*next] = true;
  }
  for (ir::NamedTensor& t : folded_weights) graph.initializers.push_back(std::move(t));
  return remove_nodes(graph, doomed);
}

}  // namespace

int fold_channel_affine_into_conv(ir::Model& model) {
  if (!execution_order(model.graph)) return 0;
  int folded = 0;
  // Each sweep folds one node after each Conv; chains are short (Mul then Add).
  for (int made = fold_once(model); made > 0; made = fold_once(model)) folded += made;
  return folded;
}

}  // namespace onyxrt::optimizer
