#include "numpy_types.h"

#include <pybind11/gil_safe_call_once.h>

#include <array>

namespace onyxrt::python {
namespace {

struct TypeRow {
  DataType type;
  const char* numpy_name;      // a numpy dtype name, or null
  const char* ml_dtypes_name;  // an attribute of the ml_dtypes module, or null
};

// Every element type with its numpy counterpart; strings are object arrays, as in onnxruntime.
constexpr TypeRow kRows[] = {
    {DataType::Float, "float32", nullptr},
    {DataType::UInt8, "uint8", nullptr},
    {DataType::Int8, "int8", nullptr},
    {DataType::UInt16, "uint16", nullptr},
    {DataType::Int16, "int16", nullptr},
    {DataType::Int32, "int32", nullptr},
    {DataType::Int64, "int64", nullptr},
    {DataType::String, "object", nullptr},
    {DataType::Bool, "bool", nullptr},
    {DataType::Float16, "float16", nullptr},
    {DataType::Double, "float64", nullptr},
    {DataType::UInt32, "uint32", nullptr},
    {DataType::UInt64, "uint64", nullptr},
    {DataType::Complex64, "complex64", nullptr},
    {DataType::Complex128, "complex128", nullptr},
    {DataType::BFloat16, nullptr, "bfloat16"},
    {DataType::Float8E4M3FN, nullptr, "float8_e4m3fn"},
    {DataType::Float8E4M3FNUZ, nullptr, "float8_e4m3fnuz"},
    {DataType::Float8E5M2, nullptr, "float8_e5m2"},
    {DataType::Float8E5M2FNUZ, nullptr, "float8_e5m2fnuz"},
    {DataType::UInt4, nullptr, "uint4"},
    {DataType::Int4, nullptr, "int4"},
    {DataType::Float4E2M1, nullptr, "float4_e2m1fn"},
    {DataType::Float8E8M0, nullptr, "float8_e8m0fnu"},
    {DataType::UInt2, nullptr, "uint2"},
    {DataType::Int2, nullptr, "int2"},
};
static_assert(sizeof(kRows) / sizeof(kRows[0]) == kDataTypeCount - 1, "one row per element type");

struct DtypeTable {
  std::array<py::object, kDataTypeCount> dtype_of_code;  // None where numpy has no counterpart
  bool ml_dtypes = false;
};

// Built on first use and never destroyed (no Python object may outlive the interpreter).
const DtypeTable& table() {
  PYBIND11_CONSTINIT static py::gil_safe_call_once_and_store<DtypeTable> storage;
  return storage
      .call_once_and_store_result([] {
        DtypeTable t;
        for (auto& slot : t.dtype_of_code) slot = py::none();
        py::object ml_dtypes = py::none();
        try {
          ml_dtypes = py::module_::import("ml_dtypes");
          t.ml_dtypes = true;
        } catch (const py::error_already_set&) {
          // Optional: without it the extended types are refused with a message naming ml_dtypes.
        }
        for (const TypeRow& row : kRows) {
          py::object& slot = t.dtype_of_code[static_cast<size_t>(row.type)];
          if (row.numpy_name != nullptr) {
            slot = py::dtype(row.numpy_name);
          } else if (t.ml_dtypes && py::hasattr(ml_dtypes, row.ml_dtypes_name)) {
            slot = py::dtype::from_args(ml_dtypes.attr(row.ml_dtypes_name));
          }
        }
        return t;
      })
      .get_stored();
}

}  // namespace

bool have_ml_dtypes() {
  return table().ml_dtypes;
}

DataType data_type_of(const py::dtype& dtype) {
  const char kind = dtype.kind();
  if (kind == 'U' || kind == 'S' || kind == 'O') return DataType::String;
  // ml_dtypes types first: some reuse builtin kinds (float8_e5m2 reports kind 'f', itemsize 1).
  py::object scalar_type = dtype.attr("type");
  const DtypeTable& t = table();
  for (const TypeRow& row : kRows) {
    if (row.ml_dtypes_name == nullptr) continue;
    const py::object& known = t.dtype_of_code[static_cast<size_t>(row.type)];
    if (!known.is_none() && py::object(known.attr("type")).is(scalar_type)) return row.type;
  }
  const auto size = dtype.itemsize();
  switch (kind) {
    case 'b': return DataType::Bool;
    case 'f':
      if (size == 2) return DataType::Float16;
      if (size == 4) return DataType::Float;
      if (size == 8) return DataType::Double;
      return DataType::Undefined;  // float128
    case 'c':
      if (size == 8) return DataType::Complex64;
      if (size == 16) return DataType::Complex128;
      return DataType::Undefined;
    case 'i':
      if (size == 1) return DataType::Int8;
      if (size == 2) return DataType::Int16;
      if (size == 4) return DataType::Int32;
      if (size == 8) return DataType::Int64;
      return DataType::Undefined;
    case 'u':
      if (size == 1) return DataType::UInt8;
      if (size == 2) return DataType::UInt16;
      if (size == 4) return DataType::UInt32;
      if (size == 8) return DataType::UInt64;
      return DataType::Undefined;
    default: return DataType::Undefined;  // datetime, timedelta, structured, void
  }
}

py::object numpy_dtype_or_none(DataType type) {
  if (!data_type_is_valid(static_cast<int32_t>(type))) return py::none();
  return table().dtype_of_code[static_cast<size_t>(type)];
}

py::dtype numpy_dtype_of(DataType type, const std::string& what) {
  if (!data_type_is_valid(static_cast<int32_t>(type)))
    throw_error(ErrorCode::InvalidArgument,
                what + " has no element type (code " + std::to_string(static_cast<int>(type)) + ")");
  const py::object& dtype = table().dtype_of_code[static_cast<size_t>(type)];
  if (dtype.is_none())
    throw_error(ErrorCode::NotImplemented, what + " has element type " + data_type_name(type) +
                                               ", which numpy represents only through the ml_dtypes package "
                                               "(pip install ml_dtypes)");
  return py::reinterpret_borrow<py::dtype>(dtype);
}

}  // namespace onyxrt::python
