// ir::Attribute -> AttributeProto.
#include "format/encoders.h"
#include "format/proto_fields.h"

namespace onyxrt::format {
namespace {

using namespace proto_fields::attribute;

}  // namespace

WireWriter encode_attribute(const ir::Attribute& a) {
  WireWriter w;
  w.string(kName, a.name);
  if (!a.ref_attr_name.empty()) w.string(kRefAttrName, a.ref_attr_name);
  if (!a.doc_string.empty()) w.string(kDocString, a.doc_string);
  if (a.type != ir::AttrType::Undefined) w.varint(kType, static_cast<int64_t>(a.type));
  // A reference to the caller's attribute (inside a function body) carries no value.
  if (!a.ref_attr_name.empty()) return w;
  switch (a.type) {
    case ir::AttrType::Undefined: break;
    case ir::AttrType::Float: w.float32(kF, a.f); break;
    case ir::AttrType::Int: w.varint(kI, a.i); break;
    case ir::AttrType::String: w.string(kS, a.s); break;
    case ir::AttrType::Tensor: w.message(kT, encode_tensor(a.t, "")); break;
    case ir::AttrType::Graph:
      if (a.g) w.message(kG, encode_graph(*a.g));
      break;
    case ir::AttrType::SparseTensor: w.message(kSparseTensor, encode_sparse_tensor(a.sparse_tensor, "")); break;
    case ir::AttrType::TypeProto: w.message(kTp, encode_type(a.type_proto)); break;
    case ir::AttrType::Floats: w.packed_floats(kFloats, a.floats); break;
    case ir::AttrType::Ints: w.packed_varints(kInts, a.ints); break;
    case ir::AttrType::Strings:
      for (const std::string& s : a.strings) w.string(kStrings, s);
      break;
    case ir::AttrType::Tensors:
      for (const Tensor& t : a.tensors) w.message(kTensors, encode_tensor(t, ""));
      break;
    case ir::AttrType::Graphs:
      for (const auto& g : a.graphs)
        if (g) w.message(kGraphs, encode_graph(*g));
      break;
    case ir::AttrType::SparseTensors:
      for (const ir::SparseTensor& s : a.sparse_tensors) w.message(kSparseTensors, encode_sparse_tensor(s, ""));
      break;
    case ir::AttrType::TypeProtos:
      for (const TypeInfo& t : a.type_protos) w.message(kTypeProtos, encode_type(t));
      break;
  }
  return w;
}

}  // namespace onyxrt::format
