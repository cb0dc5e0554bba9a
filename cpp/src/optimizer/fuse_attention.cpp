// Multi-head attention as torch and Hugging Face exports write it, with H heads:
//   Q' = Transpose(Reshape(Q, [0, 0, H, -1]), perm [0, 2, 1, 3])        (V' alike)
//   K' = Transpose(Reshape(K, [0, 0, H, -1]), perm [0, 2, 3, 1])
//   S = MatMul(Q', K') [/ c | * c]
//   P = Softmax(S | S + bias | Where(keep, S, fill), axis -1)
//   Y = Reshape(Transpose(MatMul(P, V'), perm [0, 2, 1, 3]), [0, 0, -1])
// =>  ai.onyxrt MultiHeadAttention(Q, K, V), BiasedMultiHeadAttention(Q, K, V, bias) or
//     MaskedMultiHeadAttention(Q, K, V, keep) with masked_value = fill (a float scalar constant),
//     q_num_heads = kv_num_heads = H and scale = 1 / c, c or 1.
// Their kernel (ops/nn/attention.cpp) scores a block of query rows at a time, never the whole
// (batch, heads, queries, keys) tensor, and reads Q, K, V and writes Y in their 3-D layouts, so
// the four transposes go too. The model this writes declares the ops it uses as model-local functions
// made of the chain's own operators: onnxruntime loads it, and onyxrt inlines them and fuses
// again. Float32 Q, K and V, opset 13 on (the functions' Unsqueeze takes its axes as an input).
// Every value from the first MatMul to Y must be read by the pattern alone; the head splits may
// have other readers (they stay, dead code elimination drops the rest).
#include <optional>
#include <unordered_set>

#include "optimizer/bypass.h"
#include "optimizer/element_types.h"
#include "optimizer/graph_queries.h"
#include "optimizer/rules.h"

namespace onyxrt::optimizer {
namespace {

constexpr const char* kDomain = "ai.onyxrt";
constexpr const char* kPlainOp = "MultiHeadAttention";
constexpr const char* kBiasedOp = "BiasedMultiHeadAttention";
constexpr const char* kMaskedOp = "MaskedMultiHeadAttention";
const std::vector<int64_t> kSplitPerm{0, 2, 1, 3};      // (batch, seq, heads, size) -> heads first
const std::vector<int64_t> kKeySplitPerm{0, 2, 3, 1};   // K' is K^T per head

class AttentionMatcher {
 public:
  explicit AttentionMatcher(ir::Model& model)
      : graph_(model.graph), constants_(constant_initializers(model)), readers_(graph_), producer_(producers(graph_)) {}

  struct Match {
    std::vector<std::string> inputs;  // Q, K, V [, bias] in their 3-D form
    const char* op_type = kPlainOp;
    int64_t heads = 0;
    float scale = 1.0f;
    float masked_value = 0.0f;  // MaskedMultiHeadAttention's fill
    std::vector<size_t> nodes;  // replaced; the last is the final Reshape
  };

  std::optional<Match> from_softmax(size_t softmax) {
    const ir::Node& sm = graph_.nodes[softmax];
    if (sm.inputs.size() != 1 || sm.outputs.size() != 1) return std::nullopt;
    const std::optional<int64_t> axis = int_attribute(sm, "axis", -1);
    if (!axis || (*axis != -1 && *axis != 3)) return std::nullopt;
    Match m;
    m.nodes.push_back(softmax);
    std::optional<size_t> scores = scaled_product(sm.inputs[0], softmax, m);
    std::optional<size_t> masking = scores ? std::nullopt : sole_producer(sm.inputs[0], softmax);
    if (masking && is_onnx_op(graph_.nodes[*masking], "Where")) {  // Where(keep, scaled product, fill)
      const ir::Node& w = graph_.nodes[*masking];
      std::optional<float> fill = w.inputs.size() == 3 ? scalar(w.inputs[2]) : std::nullopt;
      if (!fill || w.outputs.size() != 1 || w.inputs[0] == w.inputs[1]) return std::nullopt;
      scores = scaled_product(w.inputs[1], *masking, m);
      if (!scores) return std::nullopt;
      m.nodes.push_back(*masking);
      m.inputs.push_back(w.inputs[0]);
      m.op_type = kMaskedOp;
      m.masked_value = *fill;
    } else if (!scores) {  // Add(scaled product, bias) in either order
      if (!masking || !is_binary_onnx_op(graph_.nodes[*masking], "Add")) return std::nullopt;
      const ir::Node& a = graph_.nodes[*masking];
      for (int side = 0; side < 2 && !scores; ++side) {
        if (a.inputs[side] == a.inputs[1 - side]) break;
        Match tried = m;
        scores = scaled_product(a.inputs[side], *masking, tried);
        if (scores) {
          m = std::move(tried);
          m.nodes.push_back(*masking);
          m.inputs.push_back(a.inputs[1 - side]);  // the bias, placed after Q, K, V below
          m.op_type = kBiasedOp;
        }
      }
      if (!scores) return std::nullopt;
    }
    const ir::Node& qk = graph_.nodes[*scores];
    std::optional<std::pair<std::string, int64_t>> q = head_split(qk.inputs[0], kSplitPerm);
    std::optional<std::pair<std::string, int64_t>> k = head_split(qk.inputs[1], kKeySplitPerm);
    if (!q || !k || k->second != q->second) return std::nullopt;

    std::optional<size_t> pv = readers_.of(sm.outputs[0]);
    if (!pv || !is_binary_onnx_op(graph_.nodes[*pv], "MatMul") || graph_.nodes[*pv].inputs[0] != sm.outputs[0])
      return std::nullopt;
    std::optional<std::pair<std::string, int64_t>> v = head_split(graph_.nodes[*pv].inputs[1], kSplitPerm);
    if (!v || v->second != q->second) return std::nullopt;
    std::optional<size_t> merge = readers_.of(graph_.nodes[*pv].outputs[0]);
    if (!merge || !is_transpose(graph_.nodes[*merge], kSplitPerm)) return std::nullopt;
    std::optional<size_t> flatten = readers_.of(graph_.nodes[*merge].outputs[0]);
    if (!flatten || reshape_target(graph_.nodes[*flatten]) != std::vector<int64_t>{0, 0, -1}) return std::nullopt;

    m.nodes.insert(m.nodes.end(), {*pv, *merge, *flatten});
    for (size_t n : m.nodes)
      if (claimed_.count(n) != 0) return std::nullopt;
    claimed_.insert(m.nodes.begin(), m.nodes.end());
    m.inputs.insert(m.inputs.begin(), {q->first, k->first, v->first});
    m.heads = q->second;
    return m;
  }

 private:
  std::optional<size_t> sole_producer(const std::string& value, size_t reader) const {
    return optimizer::sole_producer(producer_, readers_, value, reader);
  }

  static bool is_transpose(const ir::Node& node, const std::vector<int64_t>& perm) {
    return is_onnx_op(node, "Transpose") && node.inputs.size() == 1 && node.outputs.size() == 1 &&
           ints_attribute(node, "perm") == perm;
  }

  // Reshape(x, shape) with allowzero 0 (zeros copy x's dims) and a constant 1-D int64 shape: its values.
  std::optional<std::vector<int64_t>> reshape_target(const ir::Node& node) const {
    if (!is_binary_onnx_op(node, "Reshape") || int_attribute(node, "allowzero", 0) != 0) return std::nullopt;
    auto it = constants_.find(node.inputs[1]);
    if (it == constants_.end() || it->second->dtype() != DataType::Int64 || it->second->rank() != 1)
      return std::nullopt;
    const Tensor& t = *it->second;
    return std::vector<int64_t>(t.data<int64_t>(), t.data<int64_t>() + t.size());
  }

  // Transpose(Reshape(x, [0, 0, H, -1]), perm): x and H.
  std::optional<std::pair<std::string, int64_t>> head_split(const std::string& value,
                                                            const std::vector<int64_t>& perm) const {
    auto t = producer_.find(value);
    if (t == producer_.end() || !is_transpose(graph_.nodes[t->second], perm)) return std::nullopt;
    auto r = producer_.find(graph_.nodes[t->second].inputs[0]);
    if (r == producer_.end()) return std::nullopt;
    const ir::Node& reshape = graph_.nodes[r->second];
    const std::optional<std::vector<int64_t>> shape = reshape_target(reshape);
    if (!shape || shape->size() != 4 || (*shape)[2] <= 0 || *shape != std::vector<int64_t>{0, 0, (*shape)[2], -1})
      return std::nullopt;
    return std::make_pair(reshape.inputs[0], (*shape)[2]);
  }

  // A float32 scalar constant (rank 0, or one element of rank 1), or nothing.
  std::optional<float> scalar(const std::string& name) const {
    auto it = constants_.find(name);
    if (it == constants_.end()) return std::nullopt;
    const Tensor& t = *it->second;
    if (t.dtype() != DataType::Float || t.size() != 1 || t.rank() > 1) return std::nullopt;
    return t.data<float>()[0];
  }

  // `value` = MatMul(Q', K') [/ c | * c], read only by `reader`: the MatMul's index; the nodes
  // join m, the scale goes into m.scale.
  std::optional<size_t> scaled_product(const std::string& value, size_t reader, Match& m) const {
    std::optional<size_t> p = sole_producer(value, reader);
    if (!p) return std::nullopt;
    const ir::Node& node = graph_.nodes[*p];
    if (is_binary_onnx_op(node, "MatMul")) {
      m.nodes.push_back(*p);
      return p;
    }
    std::optional<std::string> product;
    std::optional<float> c;
    if (is_binary_onnx_op(node, "Div") && (c = scalar(node.inputs[1])) && *c != 0.0f) {
      product = node.inputs[0];
      c = 1.0f / *c;
    } else if (is_binary_onnx_op(node, "Mul")) {
      for (int side = 0; side < 2 && !product; ++side)
        if ((c = scalar(node.inputs[1 - side]))) product = node.inputs[side];
    }
    if (!product) return std::nullopt;
    std::optional<size_t> mm = sole_producer(*product, *p);
    if (!mm || !is_binary_onnx_op(graph_.nodes[*mm], "MatMul")) return std::nullopt;
    m.scale = *c;
    m.nodes.insert(m.nodes.end(), {*mm, *p});
    return mm;
  }

  ir::Graph& graph_;
  std::unordered_map<std::string, const Tensor*> constants_;
  SoleReaders readers_;
  std::unordered_map<std::string, size_t> producer_;
  std::unordered_set<size_t> claimed_;
};

ir::Attribute int_attr(const char* name, int64_t value) {
  ir::Attribute a;
  a.name = name, a.type = ir::AttrType::Int, a.i = value;
  return a;
}
ir::Attribute float_attr(const char* name, float value) {
  ir::Attribute a;
  a.name = name, a.type = ir::AttrType::Float, a.f = value;
  return a;
}
ir::Attribute ints_attr(const char* name, std::vector<int64_t> values) {
  ir::Attribute a;
  a.name = name, a.type = ir::AttrType::Ints, a.ints = std::move(values);
  return a;
}
ir::Attribute ref_attr(const char* name, ir::AttrType type, const char* caller_attribute) {
  ir::Attribute a;
  a.name = name, a.type = type, a.ref_attr_name = caller_attribute;
  return a;
}

ir::Node make_node(const char* op_type, std::vector<std::string> inputs, std::vector<std::string> outputs,
                   std::vector<ir::Attribute> attributes = {}) {
  ir::Node n;
  n.op_type = op_type;
  n.inputs = std::move(inputs);
  n.outputs = std::move(outputs);
  n.attributes = std::move(attributes);
  return n;
}

// The op as the chain it replaces, for the written model (a model-local function).
ir::Function attention_function(const std::string& op_type, int64_t onnx_opset) {
  const bool biased = op_type == kBiasedOp, masked = op_type == kMaskedOp;
  ir::Function f;
  f.name = op_type;
  f.domain = kDomain;
  f.inputs = {"Q", "K", "V"};
  if (biased) f.inputs.push_back("bias");
  if (masked) f.inputs.push_back("keep");
  f.outputs = {"Y"};
  f.attribute_names = {"q_num_heads", "kv_num_heads", "scale"};
  if (masked) f.attribute_names.push_back("masked_value");
  f.opset_imports = {{"", onnx_opset}};
  f.doc_string = "softmax(Q K^T * scale [+ bias | where keep, else masked_value]) V per head; Q, K, V and Y are "
                 "(batch, sequence, heads x size)";
  std::vector<ir::Node>& b = f.nodes;
  b.push_back(make_node("Constant", {}, {"heads"}, {ref_attr("value_int", ir::AttrType::Int, "q_num_heads")}));
  b.push_back(make_node("Constant", {}, {"scale_value"}, {ref_attr("value_float", ir::AttrType::Float, "scale")}));
  b.push_back(make_node("Constant", {}, {"zeros"}, {ints_attr("value_ints", {0, 0})}));
  b.push_back(make_node("Constant", {}, {"rest"}, {ints_attr("value_ints", {-1})}));
  b.push_back(make_node("Constant", {}, {"first_axis"}, {ints_attr("value_ints", {0})}));
  b.push_back(make_node("Unsqueeze", {"heads", "first_axis"}, {"heads_1d"}));
  b.push_back(make_node("Concat", {"zeros", "heads_1d", "rest"}, {"split_shape"}, {int_attr("axis", 0)}));
  b.push_back(make_node("Concat", {"zeros", "rest"}, {"merge_shape"}, {int_attr("axis", 0)}));
  b.push_back(make_node("Reshape", {"Q", "split_shape"}, {"q_split"}));
  b.push_back(make_node("Transpose", {"q_split"}, {"q_heads"}, {ints_attr("perm", kSplitPerm)}));
  b.push_back(make_node("Reshape", {"K", "split_shape"}, {"k_split"}));
  b.push_back(make_node("Transpose", {"k_split"}, {"k_heads_t"}, {ints_attr("perm", kKeySplitPerm)}));
  b.push_back(make_node("Reshape", {"V", "split_shape"}, {"v_split"}));
  b.push_back(make_node("Transpose", {"v_split"}, {"v_heads"}, {ints_attr("perm", kSplitPerm)}));
  b.push_back(make_node("MatMul", {"q_heads", "k_heads_t"}, {"scores"}));
  b.push_back(make_node("Mul", {"scores", "scale_value"}, {"scaled"}));
  if (biased) b.push_back(make_node("Add", {"scaled", "bias"}, {"masked"}));
  if (masked) {
    b.push_back(make_node("Constant", {}, {"fill"}, {ref_attr("value_float", ir::AttrType::Float, "masked_value")}));
    b.push_back(make_node("Where", {"keep", "scaled", "fill"}, {"masked"}));
  }
  b.push_back(make_node("Softmax", {biased || masked ? "masked" : "scaled"}, {"probabilities"}, {int_attr("axis", -1)}));
  b.push_back(make_node("MatMul", {"probabilities", "v_heads"}, {"context"}));
  b.push_back(make_node("Transpose", {"context"}, {"context_t"}, {ints_attr("perm", kSplitPerm)}));
  b.push_back(make_node("Reshape", {"context_t", "merge_shape"}, {"Y"}));
  return f;
}

bool declares_function(const ir::Model& model, const std::string& name) {
  for (const ir::Function& f : model.functions)
    if (f.domain == kDomain && f.name == name) return true;
  return false;
}

}  // namespace

int fuse_attention(ir::Model& model) {
  ir::Graph& graph = model.graph;
  const int64_t onnx_opset = model.opset("");
  if (onnx_opset < 13) return 0;
  const std::optional<std::vector<size_t>> order = execution_order(graph);
  if (!order) return 0;
  const std::unordered_map<std::string, DataType> types = element_types(model, *order);
  auto is_float = [&](const std::string& name) {
    auto it = types.find(name);
    return it != types.end() && it->second == DataType::Float;
  };
  AttentionMatcher matcher(model);
  std::vector<AttentionMatcher::Match> matches;
  for (size_t i : *order) {
    if (!is_onnx_op(graph.nodes[i], "Softmax")) continue;
    std::optional<AttentionMatcher::Match> m = matcher.from_softmax(i);
    if (m && is_float(m->inputs[0]) && is_float(m->inputs[1]) && is_float(m->inputs[2]))
      matches.push_back(std::move(*m));
  }
  if (matches.empty()) return 0;

  std::vector<bool> doomed(graph.nodes.size(), false);
  std::unordered_set<std::string> used;
  for (const AttentionMatcher::Match& m : matches) {
    ir::Node& last = graph.nodes[m.nodes.back()];  // the final Reshape: every input is written before it
    ir::Node fused = make_node(m.op_type, m.inputs, {last.outputs[0]},
                               {int_attr("q_num_heads", m.heads), int_attr("kv_num_heads", m.heads),
                                float_attr("scale", m.scale)});
    if (m.op_type == std::string(kMaskedOp)) fused.attributes.push_back(float_attr("masked_value", m.masked_value));
    fused.name = last.name;
    fused.domain = kDomain;
    for (size_t n : m.nodes)
      if (n != m.nodes.back()) doomed[n] = true;
    last = std::move(fused);
    used.insert(m.op_type);
  }
  if (model.opset(kDomain) < 0) model.opset_imports.push_back({kDomain, 1});
  for (const char* op_type : {kPlainOp, kBiasedOp, kMaskedOp})
    if (used.count(op_type) != 0 && !declares_function(model, op_type))
      model.functions.push_back(attention_function(op_type, onnx_opset));
  remove_nodes(graph, doomed);
  return static_cast<int>(matches.size());
}

}  // namespace onyxrt::optimizer
