#include "base/error.h"
#include "runtime/session.h"

namespace onyxrt::runtime {
namespace {

std::string declared_shape_text(const TypeInfo& type) {
  std::string s = "{";
  for (size_t i = 0; i < type.dims.size(); ++i) {
    const Dim& d = type.dims[i];
    if (i) s += ",";
    s += d.is_fixed() ? std::to_string(d.value) : (d.param.empty() ? "?" : d.param);
  }
  return s + "}";
}

const char* value_kind_text(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::None: return "None";
    case Value::Kind::Tensor: return "a tensor";
    case Value::Kind::Sequence: return "a sequence";
    case Value::Kind::Map: return "a map";
  }
  return "?";
}

void check_tensor_feed(const ValueInfo& declared, const TypeInfo& type, const Tensor& t) {
  if (type.elem_type != DataType::Undefined && t.dtype() != type.elem_type)
    fail(ErrorCode::InvalidArgument, "input '", declared.name, "' has element type ", data_type_name(t.dtype()),
         " but the model expects tensor(", data_type_name(type.elem_type), ")");
  if (!type.has_shape) return;
  if (t.rank() != type.dims.size())
    fail(ErrorCode::InvalidArgument, "input '", declared.name, "' has rank ", t.rank(), " (shape ",
         shape_to_string(t.shape()), ") but the model expects rank ", type.dims.size(), " (shape ",
         declared_shape_text(type), ")");
  for (size_t i = 0; i < type.dims.size(); ++i) {
    if (type.dims[i].is_fixed() && type.dims[i].value != t.dim(i))
      fail(ErrorCode::InvalidArgument, "input '", declared.name, "' has shape ", shape_to_string(t.shape()),
           " but the model expects ", declared_shape_text(type), ": dimension ", i, " must be ", type.dims[i].value,
           ", got ", t.dim(i));
  }
}

}  // namespace

void check_feed(const ValueInfo& declared, const Value& feed) {
  const TypeInfo& type = declared.type;
  switch (type.kind) {
    case TypeInfo::Kind::Tensor:
      if (!feed.is_tensor())
        fail(ErrorCode::InvalidArgument, "input '", declared.name, "' must be a tensor, got ", value_kind_text(feed));
      check_tensor_feed(declared, type, feed.tensor());
      return;
    case TypeInfo::Kind::Sequence:
      if (!feed.is_sequence())
        fail(ErrorCode::InvalidArgument, "input '", declared.name, "' must be a sequence, got ", value_kind_text(feed));
      return;
    case TypeInfo::Kind::Map:
      if (!feed.is_map())
        fail(ErrorCode::InvalidArgument, "input '", declared.name, "' must be a map, got ", value_kind_text(feed));
      return;
    case TypeInfo::Kind::Optional:
      if (!feed.is_none() && type.inner) check_feed(ValueInfo{declared.name, *type.inner, {}}, feed);
      return;
    case TypeInfo::Kind::SparseTensor:
    case TypeInfo::Kind::Unknown:
      return;
  }
}

}  // namespace onyxrt::runtime
