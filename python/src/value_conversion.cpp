#include "value_conversion.h"

#include "numpy_types.h"
#include "tensor_conversion.h"

namespace onyxrt::python {
namespace {

// The dtype a non-array feed is converted to: the declared element type when numpy has one.
// Strings are left to numpy.asarray, which picks a str / bytes dtype itself.
py::object dtype_for(DataType declared) {
  if (declared == DataType::String) return py::none();
  return numpy_dtype_or_none(declared);
}

bool is_sequence_like(py::handle object) {
  return py::isinstance<py::list>(object) || py::isinstance<py::tuple>(object);
}

// With no declaration to go by: a list whose items are all arrays (or lists of arrays) is a
// sequence, a dict a map, anything else a tensor.
TypeInfo::Kind guess_kind(py::handle object) {
  if (py::isinstance<py::dict>(object)) return TypeInfo::Kind::Map;
  if (!is_sequence_like(object)) return TypeInfo::Kind::Tensor;
  py::sequence items = py::reinterpret_borrow<py::sequence>(object);
  if (items.size() == 0) return TypeInfo::Kind::Tensor;
  for (py::handle item : items)
    if (!py::isinstance<py::array>(item) && !py::isinstance<py::dict>(item)) return TypeInfo::Kind::Tensor;
  return TypeInfo::Kind::Sequence;
}

Value sequence_from_python(py::handle object, const TypeInfo* declared, const std::string& what) {
  const TypeInfo* inner = declared != nullptr ? declared->inner.get() : nullptr;
  py::sequence items = py::reinterpret_borrow<py::sequence>(object);
  std::vector<Value> values;
  values.reserve(items.size());
  for (size_t i = 0; i < items.size(); ++i)
    values.push_back(value_from_python(items[i], inner, what + "[" + std::to_string(i) + "]"));
  DataType element_type = DataType::Undefined;
  if (inner != nullptr && inner->kind == TypeInfo::Kind::Tensor) {
    element_type = inner->elem_type;
  } else if (!values.empty() && values.front().is_tensor()) {
    element_type = values.front().tensor().dtype();
  }
  return Value::sequence(std::move(values), element_type);
}

Value map_from_python(py::handle object, const TypeInfo* declared, const std::string& what) {
  py::dict dict = py::reinterpret_borrow<py::dict>(object);
  py::list keys, values;
  for (auto item : dict) {
    keys.append(item.first);
    values.append(item.second);
  }
  DataType key_type = declared != nullptr ? declared->map_key_type : DataType::Undefined;
  DataType value_type = DataType::Undefined;
  if (declared != nullptr && declared->inner && declared->inner->kind == TypeInfo::Kind::Tensor)
    value_type = declared->inner->elem_type;
  return Value::map(tensor_from_object(keys, dtype_for(key_type), what + " keys"),
                    tensor_from_object(values, dtype_for(value_type), what + " values"));
}

}  // namespace

Value value_from_python(py::handle object, const TypeInfo* declared, const std::string& what) {
  if (declared != nullptr && declared->kind == TypeInfo::Kind::Optional) {
    if (object.is_none()) return Value();
    declared = declared->inner.get();
  }
  if (object.is_none()) return Value();  // the session says which kind it expected
  TypeInfo::Kind kind = declared != nullptr ? declared->kind : TypeInfo::Kind::Unknown;
  if (kind == TypeInfo::Kind::Unknown) kind = guess_kind(object);
  if (kind == TypeInfo::Kind::Sequence && is_sequence_like(object)) return sequence_from_python(object, declared, what);
  // A dict is a map whatever the model declares: the session then names the kind it expected.
  if (py::isinstance<py::dict>(object))
    return map_from_python(object, kind == TypeInfo::Kind::Map ? declared : nullptr, what);
  const bool tensor_declared = declared != nullptr && declared->kind == TypeInfo::Kind::Tensor;
  return tensor_from_object(object, dtype_for(tensor_declared ? declared->elem_type : DataType::Undefined), what);
}

py::object value_to_python(const Value& value, const std::string& what) {
  switch (value.kind()) {
    case Value::Kind::None: return py::none();
    case Value::Kind::Tensor: return array_from_tensor(value.tensor(), what);
    case Value::Kind::Sequence: {
      py::list items;
      const std::vector<Value>& values = value.items();
      for (size_t i = 0; i < values.size(); ++i)
        items.append(value_to_python(values[i], what + "[" + std::to_string(i) + "]"));
      return items;
    }
    case Value::Kind::Map: {
      // Keys and values become Python scalars, as onnxruntime returns them.
      py::list keys = array_from_tensor(value.map_keys(), what + " keys").attr("tolist")();
      py::list values = array_from_tensor(value.map_values(), what + " values").attr("tolist")();
      py::dict dict;
      for (size_t i = 0; i < keys.size(); ++i) dict[keys[i]] = values[i];
      return dict;
    }
  }
  return py::none();
}

}  // namespace onyxrt::python
