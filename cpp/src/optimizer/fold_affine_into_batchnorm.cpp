// BatchNormalization(x, scale, B, mean, var) -> Mul(·, s) | Add(·, c), s and c constants per channel
// or scalars  =>  BatchNormalization(x, scale', B', mean, var) with scale' = scale * s, B' = B * s
// (Mul) or B' = B + c (Add). Exact in real arithmetic: BN is y = (x - mean) / sqrt(var + eps) *
// scale + B, an affine map per channel, and so is the result of scaling or shifting it. Repeated,
// so a Mul then an Add (DenseNet's pre-activation scale-and-shift after every BN that no Conv
// precedes) both fold, leaving one pass over the activations instead of three.
// s and c broadcast over x [N, C, spatial...] without growing it: every dim 1 but the channel dim,
// which is 1 or C; x's rank comes from optimizer/static_shapes (a constant of rank <= 1 holding
// one value needs none, as BN requires rank >= 2).
// Runs after fold_batchnorm_into_conv / fold_channel_affine_into_conv, which already absorb a
// Conv -> BN -> Mul -> Add chain whole.
#include <cmath>
#include <optional>

#include "optimizer/graph_queries.h"
#include "optimizer/rules.h"
#include "optimizer/static_shapes.h"

namespace onyxrt::optimizer {
namespace {

// An inference BatchNormalization over channels with only Y in use. Training mode computes its
// own statistics, and spatial=0 has parameters per element of a plane: neither is left alone by
// a per-channel fold.
bool inference_batchnorm(const ir::Node& bn) {
  if (!is_onnx_op(bn, "BatchNormalization") || bn.inputs.size() != 5 || bn.outputs.empty() || bn.outputs[0].empty())
    return false;
  for (size_t i = 1; i < bn.outputs.size(); ++i)
    if (!bn.outputs[i].empty()) return false;
  const ir::Attribute* training = bn.find_attribute("training_mode");
  const ir::Attribute* spatial = bn.find_attribute("spatial");
  if (training != nullptr && (training->type != ir::AttrType::Int || training->i != 0)) return false;
  if (spatial != nullptr && (spatial->type != ir::AttrType::Int || spatial->i == 0)) return false;
  return true;
}

// How many channel values `k` holds (1 for a scalar-like constant) when it broadcasts over an x of
// `rank` axes (nothing: rank unknown) and `channels` channels without growing it; else nothing.
std::optional<int64_t> per_channel_count(const Tensor& k, std::optional<size_t> rank, int64_t channels) {
  if (!rank) {
    if (k.rank() <= 1 && k.size() == 1) return 1;
    return std::nullopt;
  }
  if (k.rank() > *rank) return std::nullopt;
  int64_t count = 1;
  for (size_t d = 0; d < k.rank(); ++d) {
    const int64_t dim = k.dim(d);
    if (dim == 1) continue;
    if (d + *rank - k.rank() != 1 || dim != channels) return std::nullopt;
    count = channels;
  }
  return count;
}

template <class T>
bool all_finite(const Tensor& t) {
  for (int64_t i = 0; i < t.size(); ++i)
    if (!std::isfinite(t.data<T>()[i])) return false;
  return true;
}

// scale_out / b_out from scale / b and k (k_count values), rounded once from double.
template <class T>
void fold(const Tensor& scale, const Tensor& b, const Tensor& k, int64_t k_count, bool multiply, Tensor& scale_out,
          Tensor& b_out) {
  for (int64_t c = 0; c < scale.size(); ++c) {
    const double v = static_cast<double>(k.data<T>()[k_count == 1 ? 0 : c]);
    const double bias = static_cast<double>(b.data<T>()[c]);
    if (multiply) scale_out.data<T>()[c] = static_cast<T>(static_cast<double>(scale.data<T>()[c]) * v);
    b_out.data<T>()[c] = static_cast<T>(multiply ? bias * v : bias + v);
  }
}

// One sweep over the graph; returns how many Mul / Add nodes it folded.
int fold_once(ir::Model& model, std::optional<std::unordered_map<std::string, StaticShape>>& shapes) {
  ir::Graph& graph = model.graph;
  const std::unordered_map<std::string, const Tensor*> constants = constant_initializers(model);
  const SoleReaders readers(graph);
  auto constant = [&](const std::string& name) -> const Tensor* {
    auto it = name.empty() ? constants.end() : constants.find(name);
    return it == constants.end() ? nullptr : it->second;
  };
  FreshNames names(graph);
  std::vector<ir::NamedTensor> folded;
  std::vector<bool> doomed(graph.nodes.size(), false);
  for (size_t bi = 0; bi < graph.nodes.size(); ++bi) {
    ir::Node& bn = graph.nodes[bi];
    if (doomed[bi] || !inference_batchnorm(bn)) continue;
    std::optional<size_t> next = readers.of(bn.outputs[0]);
    if (!next || doomed[*next]) continue;
    const ir::Node& op = graph.nodes[*next];
    const bool multiply = is_onnx_op(op, "Mul");
    if ((!multiply && !is_onnx_op(op, "Add")) || op.inputs.size() != 2 || op.outputs.size() != 1 ||
        op.outputs[0].empty())
      continue;
    if (op.find_attribute("broadcast") != nullptr || op.find_attribute("axis") != nullptr) continue;
    const Tensor* k = constant(op.inputs[0] == bn.outputs[0] ? op.inputs[1] : op.inputs[0]);
    const Tensor* scale = constant(bn.inputs[1]);
    const Tensor* b = constant(bn.inputs[2]);
    if (k == nullptr || scale == nullptr || b == nullptr) continue;
    // The Mul / Add computes in x's type, which is k's; BN's scale and B must share it (from opset
    // 15 they may differ from x) for the folded values to round alike.
    const DataType type = k->dtype();
    if ((type != DataType::Float && type != DataType::Double) || scale->dtype() != type || b->dtype() != type) continue;
    const int64_t channels = scale->size();
    if (channels == 0 || b->size() != channels) continue;  // the kernel rejects it: it keeps rejecting it
    std::optional<size_t> rank;
    if (k->rank() > 1 || k->size() != 1) {
      if (!shapes) shapes = static_shapes(model);
      auto x_shape = shapes->find(bn.inputs[0]);
      if (x_shape != shapes->end()) rank = x_shape->second.size();
    }
    const std::optional<int64_t> count = per_channel_count(*k, rank, channels);
    if (!count) continue;
    // (x - mean) * 0 * inf is NaN where x == mean, which the unfolded (B * inf) need not be.
    if (multiply && !(type == DataType::Float ? all_finite<float>(*k) : all_finite<double>(*k))) continue;

    Tensor scale_out = multiply ? Tensor(type, scale->shape()) : Tensor(), b_out(type, b->shape());
    if (type == DataType::Float) {
      fold<float>(*scale, *b, *k, *count, multiply, scale_out, b_out);
    } else {
      fold<double>(*scale, *b, *k, *count, multiply, scale_out, b_out);
    }
    // New names: the old parameters may be shared with other nodes; unread ones go with the
    // dead-node pass.
    if (multiply) {
      const std::string scale_name = names.make(bn.inputs[1] + "_scaled");
      folded.push_back({scale_name, std::move(scale_out)});
      bn.inputs[1] = scale_name;
    }
    const std::string b_name = names.make(bn.inputs[2] + (multiply ? "_scaled" : "_shifted"));
    folded.push_back({b_name, std::move(b_out)});
    bn.inputs[2] = b_name;
    bn.outputs[0] = op.outputs[0];  // BN now writes what the Mul / Add wrote
    doomed[*next] = true;
  }
  for (ir::NamedTensor& t : folded) graph.initializers.push_back(std::move(t));
  return remove_nodes(graph, doomed);
}

}  // namespace

int fold_affine_into_batchnorm(ir::Model& model) {
  if (!execution_order(model.graph)) return 0;
  // Before opset 7 Mul / Add broadcast only with 'broadcast' set; without it the shapes must match.
  if (model.opset("") < 7) return 0;
  // Shapes once: folding renames a BN output to the Mul / Add output, whose shape is the same.
  std::optional<std::unordered_map<std::string, StaticShape>> shapes;
  int total = 0;
  for (int made = fold_once(model, shapes); made > 0; made = fold_once(model, shapes)) total += made;
  return total;
}

}  // namespace onyxrt::optimizer
