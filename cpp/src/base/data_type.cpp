#include "onyxrt/data_type.hpp"

#include <string>

namespace onyxrt {
namespace {

struct TypeRow {
  const char* name;
  int bits;
};

// Indexed by the ONNX code.
constexpr TypeRow kTypes[kDataTypeCount] = {
    {"undefined", 0},     {"float", 32},          {"uint8", 8},
    {"int8", 8},          {"uint16", 16},         {"int16", 16},
    {"int32", 32},        {"int64", 64},          {"string", 8 * int(sizeof(std::string))},
    {"bool", 8},          {"float16", 16},        {"double", 64},
    {"uint32", 32},       {"uint64", 64},         {"complex64", 64},
    {"complex128", 128},  {"bfloat16", 16},       {"float8e4m3fn", 8},
    {"float8e4m3fnuz", 8}, {"float8e5m2", 8},     {"float8e5m2fnuz", 8},
    {"uint4", 4},         {"int4", 4},            {"float4e2m1", 4},
    {"float8e8m0", 8},    {"uint2", 2},           {"int2", 2},
};

}  // namespace

bool data_type_is_valid(int32_t code) { return code > 0 && code < kDataTypeCount; }

const char* data_type_name(DataType type) {
  auto code = static_cast<int32_t>(type);
  return code >= 0 && code < kDataTypeCount ? kTypes[code].name : "undefined";
}

int data_type_bits(DataType type) {
  auto code = static_cast<int32_t>(type);
  return code >= 0 && code < kDataTypeCount ? kTypes[code].bits : 0;
}

size_t data_type_storage_bytes(DataType type, int64_t count) {
  int bits = data_type_bits(type);
  if (count <= 0 || bits == 0) return 0;
  if (bits < 8) return (static_cast<size_t>(count) * bits + 7) / 8;
  return static_cast<size_t>(count) * (bits / 8);
}

}  // namespace onyxrt
