// Cast(x: T, to=T) -> y                              =>  readers of y read x (also CastLike)
// Cast(x: A, to=B) -> Cast(to=A) -> y, B holds A   =>  readers of y read x
//   "B holds A": every A value converts to B exactly, so converting back returns it (int8 via
//   int32, float via double, float16 via float); double -> float -> double is not such a trip.
#include "onyxrt/data_type.hpp"
#include "optimizer/bypass.h"
#include "optimizer/element_types.h"
#include "optimizer/graph_queries.h"
#include "optimizer/rules.h"

namespace onyxrt::optimizer {
namespace {

bool is_integer(DataType t) {
  switch (t) {
    case DataType::Int8:
    case DataType::Int16:
    case DataType::Int32:
    case DataType::Int64:
    case DataType::UInt8:
    case DataType::UInt16:
    case DataType::UInt32:
    case DataType::UInt64: return true;
    default: return false;
  }
}

// Significant bits an integer type needs (magnitude), or a float type carries (with the
// implicit bit); 0 for types not considered here (strings, float8, 4-bit, complex).
int precision_bits(DataType t) {
  switch (t) {
    case DataType::Bool: return 1;
    case DataType::Int8: return 7;
    case DataType::UInt8: return 8;
    case DataType::Int16: return 15;
    case DataType::UInt16: return 16;
    case DataType::Int32: return 31;
    case DataType::UInt32: return 32;
    case DataType::Int64: return 63;
    case DataType::UInt64: return 64;
    case DataType::BFloat16: return 8;
    case DataType::Float16: return 11;
    case DataType::Float: return 24;
    case DataType::Double: return 53;
    default: return 0;
  }
}

bool is_signed_integer(DataType t) {
  return t == DataType::Int8 || t == DataType::Int16 || t == DataType::Int32 || t == DataType::Int64;
}

// Whether every value of `from` converts to `to` exactly (and so comes back unchanged).
bool holds_exactly(DataType to, DataType from) {
  if (to == from) return true;
  const int need = precision_bits(from), have = precision_bits(to);
  if (need == 0 || have == 0) return false;
  if (from == DataType::Bool) return true;  // 0 and 1 exist everywhere; back to bool: x != 0
  if (to == DataType::Bool) return false;
  if (is_integer(from)) {
    if (is_integer(to)) return is_signed_integer(to) || !is_signed_integer(from) ? have >= need : false;
    return have >= need;  // a float with that many significant bits has the range too
  }
  // A float: only a wider float of the same family keeps it (float16 and bfloat16 fit in float).
  if (is_integer(to)) return false;
  if (from == DataType::Float16 || from == DataType::BFloat16) return to == DataType::Float || to == DataType::Double;
  return from == DataType::Float && to == DataType::Double;
}

std::optional<DataType> cast_target(const ir::Node& node) {
  if (!node.domain.empty() || node.op_type != "Cast" || node.inputs.size() != 1 || node.outputs.size() != 1)
    return std::nullopt;
  const ir::Attribute* to = node.find_attribute("to");
  if (to == nullptr || to->type != ir::AttrType::Int || !data_type_is_valid(static_cast<int32_t>(to->i)))
    return std::nullopt;
  return static_cast<DataType>(to->i);
}

}  // namespace

int eliminate_cast_noop(ir::Model& model) {
  ir::Graph& graph = model.graph;
  std::optional<std::vector<size_t>> order = execution_order(graph);
  if (!order) return 0;
  const std::unordered_map<std::string, DataType> types = element_types(model, *order);
  std::unordered_map<std::string, size_t> producer;
  for (size_t i = 0; i < graph.nodes.size(); ++i)
    for (const std::string& out : graph.nodes[i].outputs)
      if (!out.empty()) producer[out] = i;
  auto type_of = [&](const std::string& name) {
    auto it = types.find(name);
    return it == types.end() ? DataType::Undefined : it->second;
  };

  Bypass bypass(graph);
  for (size_t index : *order) {
    const ir::Node& node = graph.nodes[index];
    if (node.outputs.size() != 1 || node.outputs[0].empty() || node.inputs.empty() || node.inputs[0].empty() ||
        !bypass.may_rename(node.outputs[0]))
      continue;
    const std::string& x = node.inputs[0];
    const DataType in = type_of(x);
    if (node.domain.empty() && node.op_type == "CastLike" && node.inputs.size() == 2) {
      if (in != DataType::Undefined && in == type_of(node.inputs[1])) bypass.alias(index, node.outputs[0], x);
      continue;
    }
    std::optional<DataType> to = cast_target(node);
    if (!to) continue;
    if (in == *to) {
      bypass.alias(index, node.outputs[0], x);
      continue;
    }
    // Cast back to what a lossless Cast started from: read where that one started.
    auto p = producer.find(x);
    if (p == producer.end()) continue;
    const ir::Node& first = graph.nodes[p->second];
    std::optional<DataType> middle = cast_target(first);
    if (!middle || *middle != in) continue;
    const std::string& origin = first.inputs[0];
    if (type_of(origin) == *to && holds_exactly(*middle, *to)) bypass.alias(index, node.outputs[0], origin);
  }
  return bypass.apply(graph);
}

}  // namespace onyxrt::optimizer
