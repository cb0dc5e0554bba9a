// Reshape(x, Concat(Unsqueeze(Gather(Shape(x), i)), c, Unsqueeze(s), ...))  =>  Reshape(x, [..0.., c, -1])
// Reshape(Transpose(y, perm), Concat(Unsqueeze(Gather(Shape(y), perm[i])), ...))  =>  the same
//   The shape exporters compute at run time from x's own dims (onnxruntime's ReshapeFusion):
//   a piece copying x's dim at its own position becomes 0 ("copy", allowzero = 0), constant pieces
//   keep their values, and one scalar piece nothing else pins down becomes -1 (the element count
//   fixes it). The shape is then a constant and the chain that computed it dies.
//   One difference: for an x with no elements, -1 cannot be inferred and the Reshape fails.
#include <optional>

#include "optimizer/bypass.h"
#include "optimizer/graph_queries.h"
#include "optimizer/rules.h"

namespace onyxrt::optimizer {
namespace {

constexpr int kMaxScalarDepth = 8;

class ShapePieces {
 public:
  ShapePieces(const ir::Model& model, const ir::Graph& graph) : opset_(model.opset("")) {
    constants_ = constant_initializers(model);
    for (size_t i = 0; i < graph.nodes.size(); ++i)
      for (const std::string& out : graph.nodes[i].outputs)
        if (!out.empty()) producer_[out] = &graph.nodes[i];
  }

  // The constant shape Reshape(data, shape) computes, or nothing.
  std::optional<std::vector<int64_t>> resolve(const std::string& data, const std::string& shape) const {
    const ir::Node* concat = op(shape, "Concat");
    std::optional<int64_t> axis = concat ? int_attribute(*concat, "axis", 0) : std::nullopt;
    if (!axis || (*axis != 0 && *axis != -1)) return std::nullopt;  // pieces of a 1-D shape
    std::vector<int64_t> dims;
    bool inferred = false;
    for (const std::string& piece : concat->inputs) {
      if (std::optional<std::vector<int64_t>> values = constant_ints(piece)) {
        for (int64_t v : *values) {
          if (v == -1) {
            if (inferred) return std::nullopt;
            inferred = true;
          }
          dims.push_back(v);
        }
        continue;
      }
      const ir::Node* unsqueeze = op(piece, "Unsqueeze");
      if (unsqueeze == nullptr || !unsqueezes_at_0(*unsqueeze) || !is_scalar(unsqueeze->inputs[0], 0))
        return std::nullopt;
      if (copies_dim(unsqueeze->inputs[0], data, static_cast<int64_t>(dims.size()))) {
        dims.push_back(0);
      } else {
        if (inferred) return std::nullopt;
        inferred = true;
        dims.push_back(-1);
      }
    }
    return dims;
  }

 private:
  const ir::Node* op(const std::string& value, const char* op_type) const {
    auto it = producer_.find(value);
    if (it == producer_.end() || !it->second->domain.empty() || it->second->op_type != op_type ||
        it->second->inputs.empty())
      return nullptr;
    return it->second;
  }

  const Tensor* constant(const std::string& name) const {
    auto it = constants_.find(name);
    return it == constants_.end() ? nullptr : it->second;
  }

  std::optional<std::vector<int64_t>> constant_ints(const std::string& name) const {
    return int64_values(constant(name));
  }

  bool unsqueezes_at_0(const ir::Node& node) const {
    std::optional<std::vector<int64_t>> axes;
    if (opset_ < 13)
      axes = ints_attribute(node, "axes");
    else if (node.inputs.size() == 2)
      axes = constant_ints(node.inputs[1]);
    return axes && axes->size() == 1 && (axes->front() == 0 || axes->front() == -1);
  }

  // Whether `value` is a rank-0 tensor whatever the feeds.
  bool is_scalar(const std::string& value, int depth) const {
    if (depth > kMaxScalarDepth) return false;
    if (const Tensor* t = constant(value)) return t->rank() == 0;
    auto it = producer_.find(value);
    if (it == producer_.end() || !it->second->domain.empty()) return false;
    const ir::Node& node = *it->second;
    const std::string& type = node.op_type;
    if (type == "Gather" && node.inputs.size() == 2) {
      // A scalar index into a 1-D tensor (a Shape, or a 1-D constant).
      const Tensor* index = constant(node.inputs[1]);
      const Tensor* data = constant(node.inputs[0]);
      const bool one_d = data != nullptr ? data->rank() == 1 : op(node.inputs[0], "Shape") != nullptr;
      return index != nullptr && index->rank() == 0 && one_d;
    }
    if ((type == "Div" || type == "Mul" || type == "Add" || type == "Sub") && node.inputs.size() == 2)
      return is_scalar(node.inputs[0], depth + 1) && is_scalar(node.inputs[1], depth + 1);
    if (type == "Cast" && node.inputs.size() == 1) return is_scalar(node.inputs[0], depth + 1);
    return false;
  }

  // Whether scalar `value` is Gather(Shape(data), position): data's own dim at that position.
  bool copies_dim(const std::string& value, const std::string& data, int64_t position) const {
    const ir::Node* gather = op(value, "Gather");
    if (gather == nullptr || gather->inputs.size() != 2) return false;
    std::optional<int64_t> axis = int_attribute(*gather, "axis", 0);
    std::optional<std::vector<int64_t>> index = constant_ints(gather->inputs[1]);
    const ir::Node* shape = op(gather->inputs[0], "Shape");
    if (!axis || *axis != 0 || !index || index->size() != 1 || shape == nullptr) return false;
    // Shape's start / end (opset 15) select a range: only the whole shape indexes dims directly.
    std::optional<int64_t> start = int_attribute(*shape, "start", 0);
    if (!start || *start != 0 || shape->find_attribute("end") != nullptr) return false;
    if (shape->inputs[0] == data) return index->front() == position;
    // data = Transpose(y, perm) with the dims read from y (how exporters merge attention heads):
    // data's dim `position` is y's dim perm[position].
    const ir::Node* transpose = op(data, "Transpose");
    if (transpose == nullptr || transpose->inputs[0] != shape->inputs[0]) return false;
    std::optional<std::vector<int64_t>> perm = ints_attribute(*transpose, "perm");
    return perm && position < static_cast<int64_t>(perm->size()) && (*perm)[position] == index->front();
  }

  int64_t opset_;
  std::unordered_map<std::string, const Tensor*> constants_;
  std::unordered_map<std::string, const ir::Node*> producer_;
};

}  // namespace

int resolve_reshape_shapes(ir::Model& model) {
  ir::Graph& graph = model.graph;
  if (model.opset("") < 5 || !execution_order(graph)) return 0;  // Reshape reads its shape since opset 5
  std::vector<std::pair<size_t, std::vector<int64_t>>> resolved;
  {
    const ShapePieces pieces(model, graph);
    for (size_t i = 0; i < graph.nodes.size(); ++i) {
      const ir::Node& node = graph.nodes[i];
      if (!node.domain.empty() || node.op_type != "Reshape" || node.inputs.size() != 2 || node.inputs[0].empty())
        continue;
      std::optional<int64_t> allowzero = int_attribute(node, "allowzero", 0);
      if (!allowzero || *allowzero != 0) continue;  // 0 must mean "copy"
      if (std::optional<std::vector<int64_t>> dims = pieces.resolve(node.inputs[0], node.inputs[1]))
        resolved.emplace_back(i, std::move(*dims));
    }
  }
  FreshNames names(graph);
  for (auto& [index, dims] : resolved) {
    ir::Node& node = graph.nodes[index];
    Tensor shape(DataType::Int64, {static_cast<int64_t>(dims.size())});
    for (size_t k = 0; k < dims.size(); ++k) shape.data<int64_t>()[k] = dims[k];
    const std::string name = names.make(node.inputs[1] + "_resolved");
    graph.initializers.push_back({name, std::move(shape)});
    node.inputs[1] = name;
  }
  return static_cast<int>(resolved.size());
}

}  // namespace onyxrt::optimizer
