// ir::Function -> FunctionProto, and the small messages models and functions share.
#include "format/encoders.h"
#include "format/proto_fields.h"

namespace onyxrt::format {
namespace {

using namespace proto_fields::function;

}  // namespace

WireWriter encode_string_entry(const std::string& key, const std::string& value) {
  WireWriter w;
  w.string(kKey, key);
  w.string(kValue, value);
  return w;
}

WireWriter encode_opset_import(const ir::OpsetImport& opset) {
  WireWriter w;
  w.string(kOpsetDomain, opset.domain);  // "" is ai.onnx, as the IR spells it
  w.varint(kOpsetVersion, opset.version);
  return w;
}

WireWriter encode_function(const ir::Function& function) {
  WireWriter w;
  w.string(kName, function.name);
  for (const std::string& in : function.inputs) w.string(kInput, in);
  for (const std::string& out : function.outputs) w.string(kOutput, out);
  for (const std::string& a : function.attribute_names) w.string(kAttribute, a);
  for (const ir::Node& node : function.nodes) w.message(kNode, encode_node(node));
  if (!function.doc_string.empty()) w.string(kDocString, function.doc_string);
  for (const ir::OpsetImport& o : function.opset_imports) w.message(kOpsetImport, encode_opset_import(o));
  w.string(kDomain, function.domain);
  for (const ir::Attribute& a : function.attribute_defaults) w.message(kAttributeProto, encode_attribute(a));
  if (!function.overload.empty()) w.string(kOverload, function.overload);
  return w;
}

}  // namespace onyxrt::format
