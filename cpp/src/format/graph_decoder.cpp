// GraphProto and NodeProto -> ir::Graph / ir::Node.
#include "format/decoders.h"
#include "format/proto_fields.h"

namespace onyxrt::format {
namespace {

using namespace proto_fields::graph;

// Writers put GraphProto.name (field 2) after the nodes (field 1); reading it first lets every
// error inside the graph name it. Skipping fields is cheap: no payload is decoded. A malformed
// graph stops the peek quietly: the full decode reports it, naming the field.
std::string peek_graph_name(WireReader r) {
  std::string name;
  try {
    while (r.next()) {
      if (r.field() == kGraphName)
        name = r.read_string("name");
      else
        r.skip();
    }
  } catch (const Error&) {
  }
  return name;
}

// Counts graph nesting for the duration of one decode_graph call.
class GraphDepthGuard {
 public:
  explicit GraphDepthGuard(int& depth) : depth_(depth) { ++depth_; }
  ~GraphDepthGuard() { --depth_; }
  GraphDepthGuard(const GraphDepthGuard&) = delete;
  GraphDepthGuard& operator=(const GraphDepthGuard&) = delete;

 private:
  int& depth_;
};

std::string describe_node(const ir::Node& node, size_t index) {
  std::string text = node.name.empty() ? "node #" + std::to_string(index) : "node '" + node.name + "'";
  if (!node.op_type.empty()) text += " (" + node.op_type + ")";
  return text;
}

}  // namespace

ir::Graph decode_graph(WireReader r, DecodeContext& ctx) {
  ir::Graph graph;
  graph.name = peek_graph_name(r);
  const std::string what = "graph '" + graph.name + "'";
  if (ctx.graph_depth >= kMaxGraphDepth)
    fail(ErrorCode::InvalidGraph, what, " is nested more than ", kMaxGraphDepth, " graphs deep");
  GraphDepthGuard depth(ctx.graph_depth);
  try {
    while (r.next()) {
      switch (r.field()) {
        case kNode:
          graph.nodes.push_back(decode_node(r.read_message("node", "NodeProto"), ctx, graph.nodes.size()));
          break;
        case kGraphName: r.skip(); break;  // already read
        case kInitializer: {
          size_t index = graph.initializers.size();
          try {
            ir::NamedTensor named;
            named.tensor = decode_tensor(r.read_message("initializer", "TensorProto"), ctx, &named.name);
            graph.initializers.push_back(std::move(named));
          } catch (const Error& e) {
            rethrow_within(e, "initializer #", index);
          }
          break;
        }
        case kSparseInitializer: {
          size_t index = graph.sparse_initializers.size();
          try {
            ir::NamedSparseTensor named;
            named.tensor =
                decode_sparse_tensor(r.read_message("sparse_initializer", "SparseTensorProto"), ctx, &named.name);
            graph.sparse_initializers.push_back(std::move(named));
          } catch (const Error& e) {
            rethrow_within(e, "sparse initializer #", index);
          }
          break;
        }
        case kGraphDoc: graph.doc_string = r.read_string("doc_string"); break;
        case kInput: graph.inputs.push_back(decode_value_info(r.read_message("input", "ValueInfoProto"))); break;
        case kOutput: graph.outputs.push_back(decode_value_info(r.read_message("output", "ValueInfoProto"))); break;
        case kValueInfo:
          graph.value_info.push_back(decode_value_info(r.read_message("value_info", "ValueInfoProto")));
          break;
        default: r.skip(); break;  // quantization_annotation, metadata_props
      }
    }
  } catch (const Error& e) {
    rethrow_within(e, what);
  }
  return graph;
}

ir::Node decode_node(WireReader r, DecodeContext& ctx, size_t index) {
  ir::Node node;
  try {
    while (r.next()) {
      switch (r.field()) {
        case kNodeInput: node.inputs.push_back(r.read_string("input")); break;
        case kNodeOutput: node.outputs.push_back(r.read_string("output")); break;
        case kNodeName: node.name = r.read_string("name"); break;
        case kOpType: node.op_type = r.read_string("op_type"); break;
        case kAttribute:
          node.attributes.push_back(decode_attribute(r.read_message("attribute", "AttributeProto"), ctx));
          break;
        case kNodeDoc: node.doc_string = r.read_string("doc_string"); break;
        case kNodeDomain: node.domain = ir::canonical_domain(r.read_string("domain")); break;
        default: r.skip(); break;  // overload, metadata_props, device_configurations
      }
    }
  } catch (const Error& e) {
    rethrow_within(e, describe_node(node, index));
  }
  return node;
}

}  // namespace onyxrt::format
