// FunctionProto -> ir::Function, and the small messages models and functions share.
#include "format/decoders.h"
#include "format/proto_fields.h"

namespace onyxrt::format {
namespace {

using namespace proto_fields::function;

}  // namespace

std::pair<std::string, std::string> decode_string_entry(WireReader r) {
  std::pair<std::string, std::string> entry;
  while (r.next()) {
    switch (r.field()) {
      case kKey: entry.first = r.read_string("key"); break;
      case kValue: entry.second = r.read_string("value"); break;
      default: r.skip(); break;
    }
  }
  return entry;
}

ir::OpsetImport decode_opset_import(WireReader r) {
  ir::OpsetImport opset;
  while (r.next()) {
    switch (r.field()) {
      case kOpsetDomain: opset.domain = ir::canonical_domain(r.read_string("domain")); break;
      case kOpsetVersion: opset.version = r.read_int64("version"); break;
      default: r.skip(); break;
    }
  }
  return opset;
}

ir::Function decode_function(WireReader r, DecodeContext& ctx) {
  ir::Function function;
  try {
    while (r.next()) {
      switch (r.field()) {
        case kName: function.name = r.read_string("name"); break;
        case kInput: function.inputs.push_back(r.read_string("input")); break;
        case kOutput: function.outputs.push_back(r.read_string("output")); break;
        case kAttribute: function.attribute_names.push_back(r.read_string("attribute")); break;
        case kAttributeProto:
          function.attribute_defaults.push_back(
              decode_attribute(r.read_message("attribute_proto", "AttributeProto"), ctx));
          break;
        case kNode:
          function.nodes.push_back(decode_node(r.read_message("node", "NodeProto"), ctx, function.nodes.size()));
          break;
        case kDocString: function.doc_string = r.read_string("doc_string"); break;
        case kOpsetImport:
          function.opset_imports.push_back(decode_opset_import(r.read_message("opset_import", "OperatorSetIdProto")));
          break;
        case kDomain: function.domain = ir::canonical_domain(r.read_string("domain")); break;
        case kOverload: function.overload = r.read_string("overload"); break;
        default: r.skip(); break;  // value_info, metadata_props
      }
    }
  } catch (const Error& e) {
    rethrow_within(e, "function '", function.domain, function.domain.empty() ? "" : ".", function.name, "'");
  }
  return function;
}

}  // namespace onyxrt::format
