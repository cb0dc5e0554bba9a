// TypeProto and ValueInfoProto -> TypeInfo / ValueInfo.
#include <memory>

#include "format/decoders.h"
#include "format/proto_fields.h"

namespace onyxrt::format {
namespace {

using namespace proto_fields::type;

// TypeProto.Tensor and TypeProto.SparseTensor.
// TypeProto.Sequence and TypeProto.Optional: one field, the element type.

// 0 (undefined) is allowed: value_info often leaves the element type open.
DataType element_type(int32_t code, const char* message) {
  if (code != 0 && !data_type_is_valid(code))
    fail(ErrorCode::InvalidGraph, message, ".elem_type ", code, " is not a supported element type");
  return static_cast<DataType>(code);
}

Dim decode_dim(WireReader r) {
  Dim dim;
  while (r.next()) {
    switch (r.field()) {
      // A negative dim_value is read as unknown: some exporters write -1 for "dynamic".
      case kDimValue: {
        int64_t value = r.read_int64("dim_value");
        dim.value = value >= 0 ? value : -1;
        dim.param.clear();
        break;
      }
      case kDimParam:
        dim.param = r.read_string("dim_param");
        dim.value = -1;
        break;
      default: r.skip(); break;  // denotation
    }
  }
  return dim;
}

void decode_shape(WireReader r, TypeInfo& type) {
  type.has_shape = true;
  while (r.next()) {
    if (r.field() == kDim)
      type.dims.push_back(decode_dim(r.read_message("dim", "TensorShapeProto.Dimension")));
    else
      r.skip();
  }
}

// TypeProto.Tensor / TypeProto.SparseTensor.
void decode_tensor_type(WireReader r, TypeInfo& type, const char* message) {
  while (r.next()) {
    switch (r.field()) {
      case kElemType: type.elem_type = element_type(r.read_int32("elem_type"), message); break;
      case kShape: decode_shape(r.read_message("shape", "TensorShapeProto"), type); break;
      default: r.skip(); break;
    }
  }
}

// TypeProto.Sequence / TypeProto.Optional.
std::shared_ptr<TypeInfo> decode_element_type(WireReader r, int depth) {
  auto inner = std::make_shared<TypeInfo>();
  while (r.next()) {
    if (r.field() == kInnerElemType)
      *inner = decode_type(r.read_message("elem_type", "TypeProto"), depth + 1);
    else
      r.skip();
  }
  return inner;
}

void decode_map_type(WireReader r, TypeInfo& type, int depth) {
  type.inner = std::make_shared<TypeInfo>();
  while (r.next()) {
    switch (r.field()) {
      case kMapKeyType: type.map_key_type = element_type(r.read_int32("key_type"), "TypeProto.Map"); break;
      case kMapValueType: *type.inner = decode_type(r.read_message("value_type", "TypeProto"), depth + 1); break;
      default: r.skip(); break;
    }
  }
}

}  // namespace

TypeInfo decode_type(WireReader r, int depth) {
  if (depth > kMaxTypeDepth) fail(ErrorCode::InvalidGraph, "TypeProto nested deeper than ", kMaxTypeDepth, " levels");
  TypeInfo type;
  // The value is a oneof: like protobuf, the last member on the wire wins.
  while (r.next()) {
    switch (r.field()) {
      case kTensorType:
        type = TypeInfo{};
        type.kind = TypeInfo::Kind::Tensor;
        decode_tensor_type(r.read_message("tensor_type", "TypeProto.Tensor"), type, "TypeProto.Tensor");
        break;
      case kSparseTensorType:
        type = TypeInfo{};
        type.kind = TypeInfo::Kind::SparseTensor;
        decode_tensor_type(r.read_message("sparse_tensor_type", "TypeProto.SparseTensor"), type,
                           "TypeProto.SparseTensor");
        break;
      case kSequenceType:
        type = TypeInfo{};
        type.kind = TypeInfo::Kind::Sequence;
        type.inner = decode_element_type(r.read_message("sequence_type", "TypeProto.Sequence"), depth);
        break;
      case kOptionalType:
        type = TypeInfo{};
        type.kind = TypeInfo::Kind::Optional;
        type.inner = decode_element_type(r.read_message("optional_type", "TypeProto.Optional"), depth);
        break;
      case kMapType:
        type = TypeInfo{};
        type.kind = TypeInfo::Kind::Map;
        decode_map_type(r.read_message("map_type", "TypeProto.Map"), type, depth);
        break;
      case kOpaqueType:  // no IR kind for opaque types: left Unknown
        r.skip();
        type = TypeInfo{};
        break;
      default: r.skip(); break;  // denotation
    }
  }
  return type;
}

ValueInfo decode_value_info(WireReader r) {
  ValueInfo info;
  try {
    while (r.next()) {
      switch (r.field()) {
        case kValueName: info.name = r.read_string("name"); break;
        case kValueType: info.type = decode_type(r.read_message("type", "TypeProto"), 1); break;
        case kValueDoc: info.doc_string = r.read_string("doc_string"); break;
        default: r.skip(); break;  // metadata_props
      }
    }
  } catch (const Error& e) {
    rethrow_within(e, "value '", info.name, "'");
  }
  return info;
}

}  // namespace onyxrt::format
