#include "optimizer/element_types.h"

#include <unordered_set>

namespace onyxrt::optimizer {
namespace {

// Ops of the ai.onnx domain whose every output has the element type of their first input.
const std::unordered_set<std::string>& keeps_first_input_type() {
  static const std::unordered_set<std::string> ops = {
      "Identity", "Neg", "Abs", "Relu", "Sigmoid", "Tanh", "Exp", "Log", "Sqrt", "Reciprocal", "Floor", "Ceil",
      "Round", "Sign", "Erf", "Softmax", "LogSoftmax", "Add", "Sub", "Mul", "Div", "Pow", "Mod", "Max", "Min", "Sum",
      "Mean", "MatMul", "Gemm", "Reshape", "Transpose", "Squeeze", "Unsqueeze", "Flatten", "Expand", "Tile", "Slice",
      "Gather", "GatherElements", "GatherND", "Concat", "Split", "Pad", "Clip", "ReduceSum", "ReduceMean",
      "ReduceMax", "ReduceMin", "ReduceProd", "LeakyRelu", "Gelu", "HardSigmoid", "HardSwish", "Elu", "Selu",
      "Softplus", "Conv", "AveragePool", "GlobalAveragePool", "GlobalMaxPool", "CumSum", "DepthToSpace",
      "SpaceToDepth"};
  return ops;
}

// Ops whose first output alone has their first input's type (the others are masks, indices or
// statistics).
const std::unordered_set<std::string>& keeps_first_input_type_in_output_0() {
  static const std::unordered_set<std::string> ops = {"Dropout", "LayerNormalization", "BatchNormalization",
                                                       "MaxPool", "TopK"};
  return ops;
}

const std::unordered_set<std::string>& makes_bool() {
  static const std::unordered_set<std::string> ops = {"Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual",
                                                      "And", "Or", "Xor", "Not", "IsNaN", "IsInf"};
  return ops;
}

const std::unordered_set<std::string>& makes_int64() {
  static const std::unordered_set<std::string> ops = {"Shape", "Size", "NonZero", "ArgMax", "ArgMin"};
  return ops;
}

DataType constant_type(const ir::Node& node) {
  for (const ir::Attribute& a : node.attributes) {
    if (a.name == "value" && a.type == ir::AttrType::Tensor) return a.t.dtype();
    if (a.name == "sparse_value" && a.type == ir::AttrType::SparseTensor) return a.sparse_tensor.values.dtype();
    if (a.name == "value_float" || a.name == "value_floats") return DataType::Float;
    if (a.name == "value_int" || a.name == "value_ints") return DataType::Int64;
    if (a.name == "value_string" || a.name == "value_strings") return DataType::String;
  }
  return DataType::Undefined;
}

}  // namespace

std::unordered_map<std::string, DataType> element_types(const ir::Model& model, const std::vector<size_t>& order) {
  const ir::Graph& graph = model.graph;
  std::unordered_map<std::string, DataType> types;
  for (const ValueInfo& in : graph.inputs)
    if (in.type.kind == TypeInfo::Kind::Tensor && in.type.elem_type != DataType::Undefined)
      types[in.name] = in.type.elem_type;
  for (const ir::NamedTensor& t : graph.initializers) types[t.name] = t.tensor.dtype();

  auto type_of = [&](const ir::Node& node, size_t input) {
    if (input >= node.inputs.size()) return DataType::Undefined;
    auto it = types.find(node.inputs[input]);
    return it == types.end() ? DataType::Undefined : it->second;
  };
  for (size_t index : order) {
    const ir::Node& node = graph.nodes[index];
    if (!node.domain.empty() || node.outputs.empty()) continue;
    const std::string& op = node.op_type;
    DataType first = DataType::Undefined;  // the type of output 0
    bool all_outputs = false;
    if (op == "Cast") {
      const ir::Attribute* to = node.find_attribute("to");
      if (to != nullptr && to->type == ir::AttrType::Int && data_type_is_valid(static_cast<int32_t>(to->i)))
        first = static_cast<DataType>(to->i);
    } else if (op == "CastLike") {
      first = type_of(node, 1);
    } else if (op == "Where") {
      first = type_of(node, 1);
    } else if (op == "Constant") {
      first = constant_type(node);
    } else if (op == "ConstantOfShape") {
      const ir::Attribute* value = node.find_attribute("value");
      first = value == nullptr ? DataType::Float
                               : (value->type == ir::AttrType::Tensor ? value->t.dtype() : DataType::Undefined);
    } else if (makes_bool().count(op)) {
      first = DataType::Bool;
    } else if (makes_int64().count(op)) {
      first = DataType::Int64;
    } else if (keeps_first_input_type().count(op)) {
      first = type_of(node, 0);
      all_outputs = true;
    } else if (keeps_first_input_type_in_output_0().count(op)) {
      first = type_of(node, 0);
    }
    if (first == DataType::Undefined) continue;
    for (size_t k = 0; k < (all_outputs ? node.outputs.size() : 1); ++k)
      if (!node.outputs[k].empty()) types[node.outputs[k]] = first;
  }
  return types;
}

}  // namespace onyxrt::optimizer
