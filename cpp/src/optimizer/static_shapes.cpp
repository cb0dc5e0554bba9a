#include "optimizer/static_shapes.h"

#include <algorithm>
#include <optional>
#include <unordered_set>

#include "optimizer/graph_queries.h"

namespace onyxrt::optimizer {
namespace {

// Output 0 has input 0's shape.
const std::unordered_set<std::string> kSameShape = {
    "Relu", "LeakyRelu", "Sigmoid", "Tanh", "HardSigmoid", "Clip", "Identity", "Dropout", "BatchNormalization",
    "Neg", "Abs", "Exp", "Log", "Sqrt", "Elu", "Selu", "Softplus", "Softsign", "HardSwish", "Erf", "Cast",
    "LRN", "InstanceNormalization", "Softmax", "LogSoftmax"};
// Output 0 is the multidirectional broadcast of the inputs.
const std::unordered_set<std::string> kBroadcast = {"Add", "Sub", "Mul", "Div", "Sum", "Max", "Min", "Mean", "Pow"};

class Shapes {
 public:
  Dim fresh() { return Dim{-1, "?" + std::to_string(next_++)}; }
  Dim fixed(int64_t v) const { return Dim{v, ""}; }

  static bool same(const Dim& a, const Dim& b) {
    return a.is_fixed() ? b.is_fixed() && a.value == b.value : !b.is_fixed() && a.param == b.param;
  }

  std::optional<StaticShape> broadcast(const std::vector<const StaticShape*>& in) {
    size_t rank = 0;
    for (const StaticShape* s : in) rank = std::max(rank, s->size());
    StaticShape out(rank);
    for (size_t d = 0; d < rank; ++d) {
      std::optional<Dim> dim;
      bool unknown = false;
      for (const StaticShape* s : in) {
        if (d + s->size() < rank) continue;  // a missing leading axis broadcasts like 1
        const Dim& x = (*s)[d + s->size() - rank];
        if (x.is_fixed() && x.value == 1) continue;
        if (!dim) {
          dim = x;
        } else if (!same(*dim, x)) {
          if (dim->is_fixed() && x.is_fixed()) return std::nullopt;  // cannot broadcast: the kernel reports it
          if (x.is_fixed()) {
            dim = x, unknown = false;  // a symbol meeting a size > 1 is 1 or that size
          } else if (!dim->is_fixed()) {
            unknown = true;  // two symbols: either may be 1
          }
        }
      }
      out[d] = unknown ? fresh() : dim ? *dim : fixed(1);
    }
    return out;
  }

  // A sliding window's output size along one axis, or a fresh symbol when not computable here.
  Dim window(const Dim& in, int64_t kernel, int64_t stride, int64_t dilation, int64_t pad_sum,
             const std::string& auto_pad, bool ceil_mode) {
    if (!in.is_fixed() || kernel < 1 || stride < 1 || dilation < 1 || pad_sum < 0) return fresh();
    const int64_t extent = (kernel - 1) * dilation + 1;
    if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") return fixed((in.value + stride - 1) / stride);
    const int64_t span = auto_pad == "VALID" ? in.value - extent : in.value + pad_sum - extent;
    if (span < 0) return fresh();
    // ceil_mode drops a last window that would start in the end padding: only the exact case here.
    if (ceil_mode && span % stride != 0) return fresh();
    return fixed(span / stride + 1);
  }

 private:
  int next_ = 0;
};

const ir::Attribute* attr(const ir::Node& node, const char* name) { return node.find_attribute(name); }

std::vector<int64_t> ints_or(const ir::Node& node, const char* name, size_t count, int64_t fallback) {
  const ir::Attribute* a = attr(node, name);
  if (a == nullptr || a->type != ir::AttrType::Ints) return std::vector<int64_t>(count, fallback);
  return a->ints;
}

// Conv, FusedConv and the pools: [N, channels, window dims...]. kernel: the window's dims.
std::optional<StaticShape> window_shape(Shapes& shapes, const ir::Node& node, const StaticShape& x, Dim channels,
                                        const std::vector<int64_t>& kernel) {
  const size_t spatial = kernel.size();
  if (x.size() != spatial + 2) return std::nullopt;
  const std::vector<int64_t> strides = ints_or(node, "strides", spatial, 1);
  const std::vector<int64_t> dilations = ints_or(node, "dilations", spatial, 1);
  const std::vector<int64_t> pads = ints_or(node, "pads", 2 * spatial, 0);
  if (strides.size() != spatial || dilations.size() != spatial || pads.size() != 2 * spatial) return std::nullopt;
  const ir::Attribute* auto_pad = attr(node, "auto_pad");
  const ir::Attribute* ceil_mode = attr(node, "ceil_mode");
  const std::string pad_mode = auto_pad != nullptr ? auto_pad->s : "NOTSET";
  StaticShape out{x[0], channels};
  for (size_t d = 0; d < spatial; ++d)
    out.push_back(shapes.window(x[d + 2], kernel[d], strides[d], dilations[d], pads[d] + pads[d + spatial], pad_mode,
                                ceil_mode != nullptr && ceil_mode->i != 0));
  return out;
}

std::optional<StaticShape> infer(Shapes& shapes, const ir::Node& node,
                                 const std::vector<const StaticShape*>& in) {
  const std::string& op = node.op_type;
  const bool onnx = node.domain.empty();
  const bool conv = (onnx && op == "Conv") || (node.domain == "com.microsoft" && op == "FusedConv");
  if (!onnx && !conv) return std::nullopt;
  if (kSameShape.count(op)) return in[0] ? std::optional<StaticShape>(*in[0]) : std::nullopt;
  if (kBroadcast.count(op)) {
    // Before opset 7 'broadcast' / 'axis' align the second operand elsewhere: not followed here.
    if (attr(node, "broadcast") != nullptr || attr(node, "axis") != nullptr) return std::nullopt;
    for (const StaticShape* s : in)
      if (s == nullptr) return std::nullopt;
    return in.empty() ? std::nullopt : shapes.broadcast(in);
  }
  if (conv) {
    if (in.size() < 2 || in[0] == nullptr || in[1] == nullptr || in[1]->size() < 3) return std::nullopt;
    const StaticShape& w = *in[1];
    std::vector<int64_t> kernel;
    for (size_t d = 2; d < w.size(); ++d) kernel.push_back(w[d].is_fixed() ? w[d].value : -1);
    return window_shape(shapes, node, *in[0], w[0], kernel);
  }
  if (op == "MaxPool" || op == "AveragePool" || op == "LpPool") {
    if (in[0] == nullptr || in[0]->size() < 3) return std::nullopt;
    const ir::Attribute* k = attr(node, "kernel_shape");
    if (k == nullptr || k->type != ir::AttrType::Ints) return std::nullopt;
    return window_shape(shapes, node, *in[0], (*in[0])[1], k->ints);
  }
  if (op == "GlobalAveragePool" || op == "GlobalMaxPool" || op == "GlobalLpPool") {
    if (in[0] == nullptr || in[0]->size() < 3) return std::nullopt;
    StaticShape out{(*in[0])[0], (*in[0])[1]};
    out.resize(in[0]->size(), shapes.fixed(1));
    return out;
  }
  if (op == "Concat") {
    const ir::Attribute* axis_attr = attr(node, "axis");
    if (in.empty() || in[0] == nullptr || axis_attr == nullptr) return std::nullopt;
    const int64_t rank = static_cast<int64_t>(in[0]->size());
    const int64_t axis = axis_attr->i < 0 ? axis_attr->i + rank : axis_attr->i;
    if (axis < 0 || axis >= rank) return std::nullopt;
    StaticShape out = *in[0];
    int64_t total = 0;
    for (const StaticShape* s : in) {
      if (s == nullptr || static_cast<int64_t>(s->size()) != rank) return std::nullopt;
      const Dim& d = (*s)[static_cast<size_t>(axis)];
      total = d.is_fixed() && total >= 0 ? total + d.value : -1;
    }
    out[static_cast<size_t>(axis)] = total >= 0 ? shapes.fixed(total) : shapes.fresh();
    return out;
  }
  return std::nullopt;
}

}  // namespace

bool same_static_shape(const StaticShape& a, const StaticShape& b) {
  if (a.size() != b.size()) return false;
  for (size_t d = 0; d < a.size(); ++d)
    if (!Shapes::same(a[d], b[d])) return false;
  return true;
}

std::unordered_map<std::string, StaticShape> static_shapes(const ir::Model& model) {
  const ir::Graph& graph = model.graph;
  std::unordered_map<std::string, StaticShape> known;
  Shapes shapes;
  for (const ir::NamedTensor& t : graph.initializers) {
    StaticShape s;
    for (int64_t d : t.tensor.shape()) s.push_back(shapes.fixed(d));
    known[t.name] = std::move(s);
  }
  // Declared inputs win over initializers of the same name: a feed may replace those.
  for (const ValueInfo& in : graph.inputs) {
    if (in.type.kind != TypeInfo::Kind::Tensor || !in.type.has_shape) {
      known.erase(in.name);
      continue;
    }
    StaticShape s;
    for (const Dim& d : in.type.dims)
      s.push_back(d.is_fixed() ? d : d.param.empty() ? shapes.fresh() : Dim{-1, d.param + "@" + in.name});
    known[in.name] = std::move(s);
  }
  const std::optional<std::vector<size_t>> order = execution_order(graph);
  if (!order) return known;
  for (size_t i : *order) {
    const ir::Node& node = graph.nodes[i];
    if (node.outputs.empty() || node.outputs[0].empty()) continue;
    std::vector<const StaticShape*> in;
    for (const std::string& name : node.inputs) {
      auto it = name.empty() ? known.end() : known.find(name);
      in.push_back(it == known.end() ? nullptr : &it->second);
    }
    if (in.empty()) continue;
    std::optional<StaticShape> out = infer(shapes, node, in);
    if (out) known[node.outputs[0]] = std::move(*out);
  }
  return known;
}

}  // namespace onyxrt::optimizer
