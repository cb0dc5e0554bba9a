// AttributeProto -> ir::Attribute.
#include <memory>

#include "format/decoders.h"
#include "format/proto_fields.h"

namespace onyxrt::format {
namespace {

using namespace proto_fields::attribute;

bool is_known_attr_type(int32_t code) {
  return code >= 0 && code <= static_cast<int32_t>(ir::AttrType::TypeProtos);
}

// Old models (before AttributeProto.type existed) say the type only by which value field is set.
// Exactly one may be: anything else is ambiguous.
ir::AttrType infer_attr_type(const ir::Attribute& a, const bool (&singular_seen)[24]) {
  ir::AttrType found = ir::AttrType::Undefined;
  int kinds = 0;
  auto consider = [&](bool present, ir::AttrType type) {
    if (!present) return;
    if (kinds++ == 0) found = type;
  };
  consider(singular_seen[kF], ir::AttrType::Float);
  consider(singular_seen[kI], ir::AttrType::Int);
  consider(singular_seen[kS], ir::AttrType::String);
  consider(singular_seen[kT], ir::AttrType::Tensor);
  consider(singular_seen[kG], ir::AttrType::Graph);
  consider(singular_seen[kSparseTensor], ir::AttrType::SparseTensor);
  consider(singular_seen[kTp], ir::AttrType::TypeProto);
  consider(!a.floats.empty(), ir::AttrType::Floats);
  consider(!a.ints.empty(), ir::AttrType::Ints);
  consider(!a.strings.empty(), ir::AttrType::Strings);
  consider(!a.tensors.empty(), ir::AttrType::Tensors);
  consider(!a.graphs.empty(), ir::AttrType::Graphs);
  consider(!a.sparse_tensors.empty(), ir::AttrType::SparseTensors);
  consider(!a.type_protos.empty(), ir::AttrType::TypeProtos);
  if (kinds > 1) fail(ErrorCode::InvalidGraph, "has no type and values of ", kinds, " kinds");
  return found;
}

}  // namespace

ir::Attribute decode_attribute(WireReader r, DecodeContext& ctx) {
  ir::Attribute a;
  bool has_type = false;
  int32_t type_code = 0;
  bool singular_seen[24] = {};  // indexed by field number
  try {
    while (r.next()) {
      const uint32_t field = r.field();
      switch (field) {
        case kName: a.name = r.read_string("name"); break;
        case kF: a.f = r.read_float("f"); break;
        case kI: a.i = r.read_int64("i"); break;
        case kS: a.s = r.read_string("s"); break;
        case kT: a.t = decode_tensor(r.read_message("t", "TensorProto"), ctx, nullptr); break;
        case kG: a.g = std::make_shared<ir::Graph>(decode_graph(r.read_message("g", "GraphProto"), ctx)); break;
        case kSparseTensor:
          a.sparse_tensor = decode_sparse_tensor(r.read_message("sparse_tensor", "SparseTensorProto"), ctx, nullptr);
          break;
        case kTp: a.type_proto = decode_type(r.read_message("tp", "TypeProto"), 1); break;
        case kFloats: r.read_repeated("floats", a.floats); break;
        case kInts: r.read_repeated("ints", a.ints); break;
        case kStrings: a.strings.push_back(r.read_string("strings")); break;
        case kTensors:
          a.tensors.push_back(decode_tensor(r.read_message("tensors", "TensorProto"), ctx, nullptr));
          break;
        case kGraphs:
          a.graphs.push_back(std::make_shared<ir::Graph>(decode_graph(r.read_message("graphs", "GraphProto"), ctx)));
          break;
        case kSparseTensors:
          a.sparse_tensors.push_back(
              decode_sparse_tensor(r.read_message("sparse_tensors", "SparseTensorProto"), ctx, nullptr));
          break;
        case kTypeProtos: a.type_protos.push_back(decode_type(r.read_message("type_protos", "TypeProto"), 1)); break;
        case kDocString: a.doc_string = r.read_string("doc_string"); break;
        case kType:
          type_code = r.read_int32("type");
          has_type = true;
          break;
        case kRefAttrName: a.ref_attr_name = r.read_string("ref_attr_name"); break;
        default: r.skip(); break;
      }
      if (field < 24) singular_seen[field] = true;
    }
    if (has_type && !is_known_attr_type(type_code)) fail(ErrorCode::InvalidGraph, "has unknown type ", type_code);
    a.type = has_type ? static_cast<ir::AttrType>(type_code) : ir::AttrType::Undefined;
    if (a.type == ir::AttrType::Undefined) a.type = infer_attr_type(a, singular_seen);
    // A function body's attribute may only refer to the caller's (ref_attr_name) and carry no value.
    if (a.type == ir::AttrType::Undefined && a.ref_attr_name.empty())
      fail(ErrorCode::InvalidGraph, "has no type and no value");
    // Single-valued message types must carry their value, so that kernels can rely on it.
    if (a.ref_attr_name.empty()) {
      if (a.type == ir::AttrType::Tensor && !singular_seen[kT]) fail(ErrorCode::InvalidGraph, "is a TENSOR without t");
      if (a.type == ir::AttrType::Graph && !a.g) fail(ErrorCode::InvalidGraph, "is a GRAPH without g");
      if (a.type == ir::AttrType::SparseTensor && !singular_seen[kSparseTensor])
        fail(ErrorCode::InvalidGraph, "is a SPARSE_TENSOR without sparse_tensor");
    }
  } catch (const Error& e) {
    rethrow_within(e, "attribute '", a.name, "'");
  }
  return a;
}

}  // namespace onyxrt::format
