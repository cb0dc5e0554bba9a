#pragma once

#include <cstddef>
#include <cstdint>

#include "onyxrt/export.hpp"

namespace onyxrt {

// Element types, numbered as ONNX's TensorProto.DataType.
enum class DataType : int32_t {
  Undefined = 0,
  Float = 1,
  UInt8 = 2,
  Int8 = 3,
  UInt16 = 4,
  Int16 = 5,
  Int32 = 6,
  Int64 = 7,
  String = 8,
  Bool = 9,
  Float16 = 10,
  Double = 11,
  UInt32 = 12,
  UInt64 = 13,
  Complex64 = 14,
  Complex128 = 15,
  BFloat16 = 16,
  Float8E4M3FN = 17,
  Float8E4M3FNUZ = 18,
  Float8E5M2 = 19,
  Float8E5M2FNUZ = 20,
  UInt4 = 21,
  Int4 = 22,
  Float4E2M1 = 23,
  Float8E8M0 = 24,
  UInt2 = 25,
  Int2 = 26,
};
inline constexpr int kDataTypeCount = 27;

// "float", "int64", "float16", ... as in onnxruntime's "tensor(float)"; "undefined" for anything else.
ONYXRT_API const char* data_type_name(DataType type);
// Bits per element: 4 for int4, 2 for int2, 8 * sizeof otherwise; 0 for Undefined and unknown codes.
ONYXRT_API int data_type_bits(DataType type);
// Bytes needed for `count` elements, rounding packed sub-byte types up; string counts sizeof(std::string).
ONYXRT_API size_t data_type_storage_bytes(DataType type, int64_t count);
ONYXRT_API bool data_type_is_valid(int32_t code);

}  // namespace onyxrt
