// MatMul(A, B) -> Add(·, c), A 2-D, B a constant float matrix, c a constant row ([N], [1, N], [1]
// or a scalar)  =>  Gemm(A, B, c)
// Gemm packs B once and adds c in its GEMM's epilogue. A of another rank is left alone: Gemm is
// 2-D only, and onnxruntime has no contrib op for a batched MatMul with a bias.
#include <optional>

#include "optimizer/graph_queries.h"
#include "optimizer/rules.h"
#include "optimizer/static_shapes.h"

namespace onyxrt::optimizer {
namespace {

// c broadcasts along the rows of an M x N product without growing it.
bool is_row_bias(const Tensor& c, int64_t n) {
  if (c.rank() > 2 || (c.rank() == 2 && c.dim(0) != 1)) return false;
  return c.rank() == 0 || c.dim(c.rank() - 1) == n || c.dim(c.rank() - 1) == 1;
}

}  // namespace

int fuse_matmul_add(ir::Model& model) {
  ir::Graph& graph = model.graph;
  // Gemm broadcasts C without the 'broadcast' attribute from opset 7.
  if (model.opset("") < 7 || !execution_order(graph)) return 0;
  const std::unordered_map<std::string, const Tensor*> constants = constant_initializers(model);
  const SoleReaders readers(graph);
  std::optional<std::unordered_map<std::string, StaticShape>> shapes;
  auto constant = [&](const std::string& name) -> const Tensor* {
    auto it = name.empty() ? constants.end() : constants.find(name);
    return it == constants.end() ? nullptr : it->second;
  };
  std::vector<bool> doomed(graph.nodes.size(), false);
  int fused = 0;
  for (size_t mi = 0; mi < graph.nodes.size(); ++mi) {
    const ir::Node& matmul = graph.nodes[mi];
    if (!is_onnx_op(matmul, "MatMul") || matmul.inputs.size() != 2 || matmul.outputs.size() != 1) continue;
    const Tensor* b = constant(matmul.inputs[1]);
    if (b == nullptr || b->dtype() != DataType::Float || b->rank() != 2) continue;
    std::optional<size_t> next = readers.of(matmul.outputs[0]);
    if (!next || doomed[*next]) continue;
    const ir::Node& add = graph.nodes[*next];
    if (!is_onnx_op(add, "Add") || add.inputs.size() != 2 || add.outputs.size() != 1 || add.inputs[0] == add.inputs[1])
      continue;
    const Tensor* c = constant(add.inputs[0] == matmul.outputs[0] ? add.inputs[1] : add.inputs[0]);
    if (c == nullptr || c->dtype() != DataType::Float || !is_row_bias(*c, b->dim(1))) continue;
    if (!shapes) shapes = static_shapes(model);
    auto a_shape = shapes->find(matmul.inputs[0]);
    if (a_shape == shapes->end() || a_shape->second.size() != 2) continue;

    ir::Node gemm;
    gemm.name = matmul.name;
    gemm.op_type = "Gemm";
    gemm.inputs = {matmul.inputs[0], matmul.inputs[1], add.inputs[0] == matmul.outputs[0] ? add.inputs[1] : add.inputs[0]};
    gemm.outputs = {add.outputs[0]};
    doomed[mi] = true;
    graph.nodes[*next] = std::move(gemm);  // in the Add's place: c and A are both written before it
    ++fused;
  }
  remove_nodes(graph, doomed);
  return fused;
}

}  // namespace onyxrt::optimizer
