#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "onyxrt/data_type.hpp"
#include "onyxrt/export.hpp"

namespace onyxrt {

// One dimension of a declared shape: a fixed size, a symbolic name ("batch"), or unknown.
struct Dim {
  int64_t value = -1;  // >= 0 when fixed
  std::string param;   // symbolic name when not fixed; empty when unknown
  bool is_fixed() const { return value >= 0; }
};

// The declared type of a graph value (ONNX TypeProto).
struct ONYXRT_API TypeInfo {
  enum class Kind { Unknown, Tensor, SparseTensor, Sequence, Map, Optional };

  Kind kind = Kind::Unknown;
  DataType elem_type = DataType::Undefined;  // tensor and sparse tensor element type
  bool has_shape = false;                    // false: rank unknown
  std::vector<Dim> dims;
  DataType map_key_type = DataType::Undefined;
  std::shared_ptr<TypeInfo> inner;  // sequence / optional element, map value

  // "tensor(float)", "seq(tensor(int64))", "map(string,tensor(float))", "optional(tensor(float))".
  std::string to_string() const;
};

struct ValueInfo {
  std::string name;
  TypeInfo type;
  std::string doc_string;
};

}  // namespace onyxrt
