// The GELU subgraphs exporters emit before opset 20 (torch's nn.GELU, Hugging Face's NewGELU):
//   Erf(x / sqrt 2 | x * (1 / sqrt 2)) -> Add(·, 1) -> times x and 0.5     =>  com.microsoft Gelu(x)
//   Tanh(sqrt(2 / pi) * (x + 0.044715 * (Pow(x, 3) | x * x * x))) -> Add(·, 1) -> times x and 0.5
//                                                                          =>  com.microsoft FastGelu(x)
// "times x and 0.5" is any of (x * s) * 0.5, (x * 0.5) * s, x * (s * 0.5). When x = Add(MatMul(A, W),
// b) with W a constant matrix and b a constant row that only the pattern reads, the Add joins the
// fused node: BiasGelu(MatMul, b) / FastGelu(MatMul, b), onnxruntime's contrib ops (the same
// semantics, so onnxruntime loads the optimized model). Only float32: the CPU kernels of those
// contrib ops in onnxruntime are float32 only. Every intermediate must have the pattern's node as
// its only reader; the constants must be scalars of the expected values.
#include <cmath>
#include <optional>
#include <unordered_set>

#include "optimizer/element_types.h"
#include "optimizer/graph_queries.h"
#include "optimizer/rules.h"

namespace onyxrt::optimizer {
namespace {

constexpr const char* kMsDomain = "com.microsoft";

class GeluMatcher {
 public:
  explicit GeluMatcher(ir::Model& model)
      : graph_(model.graph),
        constants_(constant_initializers(model)),
        readers_(graph_),
        producer_(producers(graph_)),
        reads_(read_counts(graph_)) {}

  // A matched pattern: x (or MatMul output + bias), the nodes it replaces, the last of them.
  struct Match {
    std::string op_type;  // Gelu, FastGelu or BiasGelu
    std::vector<std::string> inputs;
    std::vector<size_t> nodes;
    size_t last = 0;
  };

  std::optional<Match> erf_form(size_t erf) {
    const ir::Node& e = graph_.nodes[erf];
    if (e.inputs.size() != 1 || e.outputs.size() != 1) return std::nullopt;
    std::optional<size_t> scaled = sole_producer(e.inputs[0], erf);
    if (!scaled) return std::nullopt;
    const ir::Node& s = graph_.nodes[*scaled];
    std::optional<std::string> x;
    if (is_onnx_op(s, "Div") && s.inputs.size() == 2 && is_scalar(s.inputs[1], 1.4142135623730951)) {
      x = s.inputs[0];
    } else {
      x = operand_beside(s, "Mul", 0.7071067811865476);
    }
    if (!x) return std::nullopt;
    return finish("Gelu", *x, {*scaled, erf}, e.outputs[0]);
  }

  std::optional<Match> tanh_form(size_t tanh) {
    const ir::Node& t = graph_.nodes[tanh];
    if (t.inputs.size() != 1 || t.outputs.size() != 1) return std::nullopt;
    std::optional<size_t> scale = sole_producer(t.inputs[0], tanh);  // sqrt(2 / pi) * inner
    if (!scale) return std::nullopt;
    std::optional<std::string> inner = operand_beside(graph_.nodes[*scale], "Mul", 0.7978845608028654);
    if (!inner) return std::nullopt;
    std::optional<size_t> sum = sole_producer(*inner, *scale);  // x + 0.044715 x^3
    if (!sum || !is_binary_onnx_op(graph_.nodes[*sum], "Add")) return std::nullopt;
    const ir::Node& add = graph_.nodes[*sum];
    for (int side = 0; side < 2; ++side) {
      const std::string& x = add.inputs[side];
      std::optional<size_t> term = sole_producer(add.inputs[1 - side], *sum);
      if (!term) continue;
      std::optional<std::string> cube = operand_beside(graph_.nodes[*term], "Mul", 0.044715);
      if (!cube) continue;
      std::optional<std::vector<size_t>> cube_nodes = cube_of(x, *cube, *term);
      if (!cube_nodes) continue;
      std::vector<size_t> nodes = *cube_nodes;
      nodes.insert(nodes.end(), {*term, *sum, *scale, tanh});
      return finish("FastGelu", x, nodes, t.outputs[0]);
    }
    return std::nullopt;
  }

 private:
  std::optional<size_t> sole_producer(const std::string& value, size_t reader) const {
    return optimizer::sole_producer(producer_, readers_, value, reader);
  }

  // A float32 constant scalar (rank 0, or one element of rank 1) within rounding of `value`.
  bool is_scalar(const std::string& name, double value) const {
    auto it = constants_.find(name);
    if (it == constants_.end()) return false;
    const Tensor& t = *it->second;
    if (t.dtype() != DataType::Float || t.size() != 1 || t.rank() > 1) return false;
    return std::fabs(static_cast<double>(t.data<float>()[0]) - value) <= 1e-6 * std::fabs(value);
  }

  // Op(v, c) or Op(c, v) with c the scalar `value`: v.
  std::optional<std::string> operand_beside(const ir::Node& node, const char* op_type, double value) const {
    if (!is_binary_onnx_op(node, op_type)) return std::nullopt;
    if (is_scalar(node.inputs[1], value)) return node.inputs[0];
    if (is_scalar(node.inputs[0], value)) return node.inputs[1];
    return std::nullopt;
  }

  // x^3 as Pow(x, 3), x * (x * x) or (x * x) * x, read only by `reader`: its nodes.
  std::optional<std::vector<size_t>> cube_of(const std::string& x, const std::string& cube, size_t reader) const {
    std::optional<size_t> p = sole_producer(cube, reader);
    if (!p) return std::nullopt;
    const ir::Node& node = graph_.nodes[*p];
    if (is_binary_onnx_op(node, "Pow") && node.inputs[0] == x) {
      auto it = constants_.find(node.inputs[1]);
      if (it == constants_.end() || it->second->size() != 1 || it->second->rank() > 1) return std::nullopt;
      const Tensor& e = *it->second;
      const double exponent = e.dtype() == DataType::Float    ? e.data<float>()[0]
                              : e.dtype() == DataType::Double ? e.data<double>()[0]
                              : e.dtype() == DataType::Int64  ? static_cast<double>(e.data<int64_t>()[0])
                              : e.dtype() == DataType::Int32  ? static_cast<double>(e.data<int32_t>()[0])
                                                              : 0.0;
      if (exponent != 3.0) return std::nullopt;
      return std::vector<size_t>{*p};
    }
    if (!is_binary_onnx_op(node, "Mul")) return std::nullopt;
    for (int side = 0; side < 2; ++side) {
      if (node.inputs[side] != x) continue;
      std::optional<size_t> square = sole_producer(node.inputs[1 - side], *p);
      if (square && is_binary_onnx_op(graph_.nodes[*square], "Mul") && graph_.nodes[*square].inputs[0] == x &&
          graph_.nodes[*square].inputs[1] == x)
        return std::vector<size_t>{*square, *p};
    }
    return std::nullopt;
  }

  // From the Erf / Tanh output: Add(·, 1), then the product with x and 0.5 in any grouping.
  std::optional<Match> finish(const char* op_type, const std::string& x, std::vector<size_t> nodes,
                              const std::string& activation) {
    std::optional<size_t> plus_one = readers_.of(activation);
    if (!plus_one) return std::nullopt;
    std::optional<std::string> sum = operand_beside(graph_.nodes[*plus_one], "Add", 1.0);
    if (!sum || *sum != activation) return std::nullopt;
    nodes.push_back(*plus_one);
    const std::string s = graph_.nodes[*plus_one].outputs[0];
    std::optional<size_t> first = readers_.of(s);
    if (!first || !is_binary_onnx_op(graph_.nodes[*first], "Mul")) return std::nullopt;
    const ir::Node& m = graph_.nodes[*first];
    const std::string& other = m.inputs[0] == s ? m.inputs[1] : m.inputs[0];
    std::optional<size_t> last;
    if (other == x) {  // (x * s) * 0.5
      last = readers_.of(m.outputs[0]);
      if (!last || operand_beside(graph_.nodes[*last], "Mul", 0.5) != m.outputs[0]) return std::nullopt;
      nodes.push_back(*first);
    } else if (is_scalar(other, 0.5)) {  // x * (s * 0.5)
      last = readers_.of(m.outputs[0]);
      if (!last || !is_binary_onnx_op(graph_.nodes[*last], "Mul")) return std::nullopt;
      const ir::Node& l = graph_.nodes[*last];
      if (!((l.inputs[0] == x && l.inputs[1] == m.outputs[0]) || (l.inputs[1] == x && l.inputs[0] == m.outputs[0])))
        return std::nullopt;
      nodes.push_back(*first);
    } else {  // (x * 0.5) * s: `other` is x * 0.5, read only here
      std::optional<size_t> half = sole_producer(other, *first);
      if (!half || operand_beside(graph_.nodes[*half], "Mul", 0.5) != x) return std::nullopt;
      nodes.push_back(*half);
      last = first;
    }
    for (size_t n : nodes)
      if (claimed_.count(n) != 0) return std::nullopt;
    Match match{op_type, {x}, nodes, *last};
    absorb_bias(match);
    for (size_t n : match.nodes) claimed_.insert(n);
    claimed_.insert(match.last);
    return match;
  }

  // x = Add(MatMul(A, W), b), W a constant matrix [K, N], b a constant float row [N], x read only
  // by the pattern: the Add joins the fused node as its bias input.
  void absorb_bias(Match& match) {
    auto it = producer_.find(match.inputs[0]);
    if (it == producer_.end() || claimed_.count(it->second) != 0) return;
    const ir::Node& add = graph_.nodes[it->second];
    if (!is_binary_onnx_op(add, "Add")) return;
    int pattern_reads = 0;
    for (size_t n : match.nodes)
      for (const std::string& in : graph_.nodes[n].inputs) pattern_reads += in == match.inputs[0];
    for (const std::string& in : graph_.nodes[match.last].inputs) pattern_reads += in == match.inputs[0];
    if (reads_.at(match.inputs[0]) != pattern_reads) return;
    for (int side = 0; side < 2; ++side) {
      auto bias = constants_.find(add.inputs[1 - side]);
      auto matmul = producer_.find(add.inputs[side]);
      if (bias == constants_.end() || matmul == producer_.end()) continue;
      const ir::Node& mm = graph_.nodes[matmul->second];
      if (!is_binary_onnx_op(mm, "MatMul")) continue;
      auto w = constants_.find(mm.inputs[1]);
      const Tensor& b = *bias->second;
      if (w == constants_.end() || w->second->rank() != 2 || b.dtype() != DataType::Float || b.rank() != 1 ||
          b.dim(0) != w->second->dim(1))
        continue;
      match.op_type = match.op_type == "Gelu" ? "BiasGelu" : match.op_type;
      match.inputs = {add.inputs[side], add.inputs[1 - side]};
      match.nodes.push_back(it->second);
      return;
    }
  }

  ir::Graph& graph_;
  std::unordered_map<std::string, const Tensor*> constants_;
  SoleReaders readers_;
  std::unordered_map<std::string, size_t> producer_;
  std::unordered_map<std::string, int> reads_;
  std::unordered_set<size_t> claimed_;
};

}  // namespace

int fuse_gelu(ir::Model& model) {
  ir::Graph& graph = model.graph;
  const std::optional<std::vector<size_t>> order = execution_order(graph);
  if (!order) return 0;
  const std::unordered_map<std::string, DataType> types = element_types(model, *order);
  GeluMatcher matcher(model);
  std::vector<GeluMatcher::Match> matches;
  for (size_t i : *order) {
    const ir::Node& node = graph.nodes[i];
    std::optional<GeluMatcher::Match> m;
    if (is_onnx_op(node, "Erf")) m = matcher.erf_form(i);
    if (is_onnx_op(node, "Tanh")) m = matcher.tanh_form(i);
    if (!m) continue;
    // The constants make x float32 in a valid model; a known other type is a malformed one,
    // left for the kernels to report.
    auto type = types.find(m->inputs[0]);
    if (type != types.end() && type->second != DataType::Float) continue;
    matches.push_back(std::move(*m));
  }
  if (matches.empty()) return 0;

  std::vector<bool> doomed(graph.nodes.size(), false);
  for (const GeluMatcher::Match& m : matches) {
    ir::Node& last = graph.nodes[m.last];
    ir::Node fused;
    fused.name = last.name;
    fused.op_type = m.op_type;
    fused.domain = kMsDomain;
    fused.inputs = m.inputs;
    fused.outputs = {last.outputs[0]};
    for (size_t n : m.nodes)
      if (n != m.last) doomed[n] = true;
    last = std::move(fused);
  }
  if (model.opset(kMsDomain) < 0) model.opset_imports.push_back({kMsDomain, 1});
  remove_nodes(graph, doomed);
  return static_cast<int>(matches.size());
}

}  // namespace onyxrt::optimizer
