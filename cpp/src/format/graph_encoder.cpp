// ir::Graph / ir::Node -> GraphProto and NodeProto.
#include <unordered_set>

#include "base/error.h"
#include "format/encoders.h"
#include "format/proto_fields.h"
#include "ir/topological_order.h"

namespace onyxrt::format {
namespace {

using namespace proto_fields::graph;

// A malformed graph (which a session refuses anyway) keeps its stored order.
std::vector<size_t> writing_order(const ir::Graph& graph) {
  std::unordered_set<std::string> available;
  for (const ValueInfo& in : graph.inputs) available.insert(in.name);
  for (const ir::NamedTensor& t : graph.initializers) available.insert(t.name);
  for (const ir::NamedSparseTensor& t : graph.sparse_initializers) available.insert(t.name);
  for (std::string& outer : ir::outer_scope_inputs(graph)) available.insert(std::move(outer));
  try {
    return ir::topological_order(graph, available);
  } catch (const Error&) {
    std::vector<size_t> stored(graph.nodes.size());
    for (size_t i = 0; i < stored.size(); ++i) stored[i] = i;
    return stored;
  }
}

ValueInfo initializer_as_input(const ir::NamedTensor& t) {
  ValueInfo info;
  info.name = t.name;
  info.type.kind = TypeInfo::Kind::Tensor;
  info.type.elem_type = t.tensor.dtype();
  info.type.has_shape = true;
  for (int64_t d : t.tensor.shape()) info.type.dims.push_back(Dim{d, ""});
  return info;
}

}  // namespace

WireWriter encode_graph(const ir::Graph& graph, const GraphEncoding& how) {
  WireWriter w;
  std::unordered_set<std::string> produced;
  for (size_t index : writing_order(graph)) {
    const ir::Node& node = graph.nodes[index];
    w.message(kNode, encode_node(node));
    produced.insert(node.outputs.begin(), node.outputs.end());
  }
  w.string(kGraphName, graph.name);
  for (const ir::NamedTensor& t : graph.initializers)
    w.message(kInitializer, encode_tensor(t.tensor, t.name, how.external));
  if (!graph.doc_string.empty()) w.string(kGraphDoc, graph.doc_string);

  std::unordered_set<std::string> interface;
  for (const ValueInfo& in : graph.inputs) {
    w.message(kInput, encode_value_info(in));
    interface.insert(in.name);
  }
  if (how.initializers_as_inputs)
    for (const ir::NamedTensor& t : graph.initializers)
      if (interface.insert(t.name).second) w.message(kInput, encode_value_info(initializer_as_input(t)));
  for (const ValueInfo& out : graph.outputs) {
    w.message(kOutput, encode_value_info(out));
    interface.insert(out.name);
  }
  // value_info of values the rewrites removed would describe nothing (or, for a reused name,
  // the wrong thing); inputs and outputs are declared above.
  for (const ValueInfo& v : graph.value_info)
    if (produced.count(v.name) && !interface.count(v.name)) w.message(kValueInfo, encode_value_info(v));
  for (const ir::NamedSparseTensor& t : graph.sparse_initializers)
    w.message(kSparseInitializer, encode_sparse_tensor(t.tensor, t.name));
  return w;
}

WireWriter encode_node(const ir::Node& node) {
  WireWriter w;
  for (const std::string& in : node.inputs) w.string(kNodeInput, in);
  for (const std::string& out : node.outputs) w.string(kNodeOutput, out);
  if (!node.name.empty()) w.string(kNodeName, node.name);
  w.string(kOpType, node.op_type);
  for (const ir::Attribute& a : node.attributes) w.message(kAttribute, encode_attribute(a));
  if (!node.doc_string.empty()) w.string(kNodeDoc, node.doc_string);
  if (!node.domain.empty()) w.string(kNodeDomain, node.domain);
  return w;
}

}  // namespace onyxrt::format
