// TypeInfo / ValueInfo -> TypeProto and ValueInfoProto.
#include "format/encoders.h"
#include "format/proto_fields.h"

namespace onyxrt::format {
namespace {

using namespace proto_fields::type;

WireWriter encode_tensor_type(const TypeInfo& type) {
  WireWriter w;
  if (type.elem_type != DataType::Undefined) w.varint(kElemType, static_cast<int64_t>(type.elem_type));
  if (type.has_shape) {
    WireWriter shape;
    for (const Dim& d : type.dims) {
      WireWriter dim;  // neither field: an unknown dimension
      if (d.is_fixed())
        dim.varint(kDimValue, d.value);
      else if (!d.param.empty())
        dim.string(kDimParam, d.param);
      shape.message(kDim, std::move(dim));
    }
    w.message(kShape, std::move(shape));
  }
  return w;
}

// TypeProto.Sequence / TypeProto.Optional: the element type, when known.
WireWriter encode_element_type(const TypeInfo& type) {
  WireWriter w;
  if (type.inner && type.inner->kind != TypeInfo::Kind::Unknown) w.message(kInnerElemType, encode_type(*type.inner));
  return w;
}

}  // namespace

WireWriter encode_type(const TypeInfo& type) {
  WireWriter w;
  switch (type.kind) {
    case TypeInfo::Kind::Tensor: w.message(kTensorType, encode_tensor_type(type)); break;
    case TypeInfo::Kind::SparseTensor: w.message(kSparseTensorType, encode_tensor_type(type)); break;
    case TypeInfo::Kind::Sequence: w.message(kSequenceType, encode_element_type(type)); break;
    case TypeInfo::Kind::Optional: w.message(kOptionalType, encode_element_type(type)); break;
    case TypeInfo::Kind::Map: {
      WireWriter map;
      map.varint(kMapKeyType, static_cast<int64_t>(type.map_key_type));
      if (type.inner) map.message(kMapValueType, encode_type(*type.inner));
      w.message(kMapType, std::move(map));
      break;
    }
    case TypeInfo::Kind::Unknown: break;  // opaque or absent: nothing to say
  }
  return w;
}

WireWriter encode_value_info(const ValueInfo& info) {
  WireWriter w;
  w.string(kValueName, info.name);
  if (info.type.kind != TypeInfo::Kind::Unknown) w.message(kValueType, encode_type(info.type));
  if (!info.doc_string.empty()) w.string(kValueDoc, info.doc_string);
  return w;
}

}  // namespace onyxrt::format
