#include "format/tensor_data.h"

#include <algorithm>
#include <cstring>

#include "base/error.h"
#include "base/mapped_file.h"

namespace onyxrt::format {
namespace {

enum class TypedField { Float, Int32, String, Int64, Double, UInt64 };

const char* typed_field_name(TypedField field) {
  switch (field) {
    case TypedField::Float: return "float_data";
    case TypedField::Int32: return "int32_data";
    case TypedField::String: return "string_data";
    case TypedField::Int64: return "int64_data";
    case TypedField::Double: return "double_data";
    case TypedField::UInt64: return "uint64_data";
  }
  return "?";
}

// Which repeated field the spec says carries elements of `type`.
TypedField typed_field_for(DataType type) {
  switch (type) {
    case DataType::Float:
    case DataType::Complex64: return TypedField::Float;
    case DataType::Double:
    case DataType::Complex128: return TypedField::Double;
    case DataType::Int64: return TypedField::Int64;
    case DataType::UInt32:
    case DataType::UInt64: return TypedField::UInt64;
    case DataType::String: return TypedField::String;
    default: return TypedField::Int32;  // int32 and narrower ints, bool, 16/8/4/2-bit floats
  }
}

size_t field_size(const TypedTensorFields& f, TypedField field) {
  switch (field) {
    case TypedField::Float: return f.float_data.size();
    case TypedField::Int32: return f.int32_data.size();
    case TypedField::String: return f.string_data.size();
    case TypedField::Int64: return f.int64_data.size();
    case TypedField::Double: return f.double_data.size();
    case TypedField::UInt64: return f.uint64_data.size();
  }
  return 0;
}

// Entries of the typed field that `count` elements of `type` take.
uint64_t expected_entries(DataType type, int64_t count) {
  auto n = static_cast<uint64_t>(count);
  if (type == DataType::Complex64 || type == DataType::Complex128) return 2 * n;
  int bits = data_type_bits(type);
  if (typed_field_for(type) == TypedField::Int32 && bits < 8) {
    uint64_t per_word = static_cast<uint64_t>(8 / bits);  // one byte of packed elements per int32
    return (n + per_word - 1) / per_word;
  }
  return n;
}

// Narrows each int32_data entry to the element's storage width (the spec stores 16-bit floats as
// their bit patterns and packed sub-byte types one byte per entry).
void narrow_int32_data(DataType type, const std::vector<int32_t>& words, void* out) {
  int bits = data_type_bits(type);
  if (type == DataType::Bool) {
    auto* dst = static_cast<uint8_t*>(out);
    for (size_t i = 0; i < words.size(); ++i) dst[i] = words[i] != 0;
  } else if (bits == 32) {
    std::memcpy(out, words.data(), words.size() * 4);
  } else if (bits == 16) {
    auto* dst = static_cast<uint16_t*>(out);
    for (size_t i = 0; i < words.size(); ++i) dst[i] = static_cast<uint16_t>(words[i]);
  } else {  // 8 bits, or one byte of packed 4-bit / 2-bit elements
    auto* dst = static_cast<uint8_t*>(out);
    for (size_t i = 0; i < words.size(); ++i) dst[i] = static_cast<uint8_t>(words[i]);
  }
}

}  // namespace

std::string TypedTensorFields::present_fields() const {
  std::string names;
  for (TypedField field : {TypedField::Float, TypedField::Int32, TypedField::String, TypedField::Int64,
                           TypedField::Double, TypedField::UInt64}) {
    if (field_size(*this, field) == 0) continue;
    if (!names.empty()) names += ", ";
    names += typed_field_name(field);
  }
  return names;
}

size_t element_alignment(DataType type) {
  if (type == DataType::Complex64) return 4;
  if (type == DataType::Complex128) return 8;
  int bits = data_type_bits(type);
  return bits >= 8 ? static_cast<size_t>(bits / 8) : 1;
}

Tensor tensor_over_bytes(DataType type, Shape shape, const uint8_t* bytes, const std::shared_ptr<const void>& owner) {
  int64_t count = shape_size(shape);
  size_t size = data_type_storage_bytes(type, count);
  if (type == DataType::Bool && std::any_of(bytes, bytes + size, [](uint8_t b) { return b > 1; })) {
    // A bool byte other than 0 or 1 is not a bool to C++ (reading it is undefined): any non-zero
    // byte means true, as numpy reads it.
    Tensor copy(type, std::move(shape));
    auto* dst = static_cast<uint8_t*>(copy.raw());
    for (size_t i = 0; i < size; ++i) dst[i] = bytes[i] != 0;
    return copy;
  }
  if (size > 0 && reinterpret_cast<uintptr_t>(bytes) % element_alignment(type) == 0) {
    // Initializers are read-only: the non-const pointer is the Tensor API's, kernels never write
    // constants (a mapped file is mapped read-only and would fault).
    return Tensor(type, std::move(shape), const_cast<uint8_t*>(bytes), std::const_pointer_cast<void>(owner));
  }
  Tensor copy = Tensor::uninitialized(type, std::move(shape));
  if (size > 0) std::memcpy(copy.raw(), bytes, size);
  release_mapped_pages(bytes, size);  // a misaligned tensor of a mapped file: only the copy is read
  return copy;
}

Tensor tensor_from_typed_fields(DataType type, Shape shape, int64_t count, TypedTensorFields& fields,
                                const std::string& what) {
  TypedField used = typed_field_for(type);
  for (TypedField other : {TypedField::Float, TypedField::Int32, TypedField::String, TypedField::Int64,
                           TypedField::Double, TypedField::UInt64}) {
    if (other != used && field_size(fields, other) > 0)
      fail(ErrorCode::InvalidGraph, what, " of type ", data_type_name(type), " carries its data in ",
           typed_field_name(other), "; the spec puts it in ", typed_field_name(used), " or raw_data");
  }
  uint64_t want = expected_entries(type, count);
  size_t have = field_size(fields, used);
  if (have != want)
    fail(ErrorCode::InvalidGraph, what, " has ", have, " entries in ", typed_field_name(used), " but its ", count,
         " elements of type ", data_type_name(type), " need ", want);

  // Counts now match entries really read, so this allocation is bounded by the input.
  Tensor tensor(type, std::move(shape));
  switch (used) {
    case TypedField::Float: std::memcpy(tensor.raw(), fields.float_data.data(), have * sizeof(float)); break;
    case TypedField::Double: std::memcpy(tensor.raw(), fields.double_data.data(), have * sizeof(double)); break;
    case TypedField::Int64: std::memcpy(tensor.raw(), fields.int64_data.data(), have * sizeof(int64_t)); break;
    case TypedField::UInt64:
      if (type == DataType::UInt64) {
        std::memcpy(tensor.raw(), fields.uint64_data.data(), have * sizeof(uint64_t));
      } else {
        auto* dst = tensor.data<uint32_t>();
        for (size_t i = 0; i < have; ++i) dst[i] = static_cast<uint32_t>(fields.uint64_data[i]);
      }
      break;
    case TypedField::String: {
      auto* dst = tensor.data<std::string>();
      for (size_t i = 0; i < have; ++i) dst[i] = std::move(fields.string_data[i]);
      break;
    }
    case TypedField::Int32: narrow_int32_data(type, fields.int32_data, tensor.raw()); break;
  }
  return tensor;
}

}  // namespace onyxrt::format
