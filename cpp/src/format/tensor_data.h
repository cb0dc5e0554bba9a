#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "onyxrt/tensor.hpp"

// Turning a TensorProto's payload into a Tensor, once the decoder has checked type and dims.
namespace onyxrt::format {

// TensorProto's typed repeated fields, as read from the wire.
struct TypedTensorFields {
  std::vector<float> float_data;
  std::vector<int32_t> int32_data;
  std::vector<std::string> string_data;
  std::vector<int64_t> int64_data;
  std::vector<double> double_data;
  std::vector<uint64_t> uint64_data;

  // Names of the fields that hold any value ("float_data, int64_data"); empty when none does.
  std::string present_fields() const;
};

// Alignment a buffer of `type` elements needs for typed access (1 for sub-byte and 1-byte types).
size_t element_alignment(DataType type);

// A tensor over `bytes` (exactly the storage of `shape`) that `owner` keeps alive: the same
// memory when suitably aligned (zero copy), else an owned, aligned copy.
Tensor tensor_over_bytes(DataType type, Shape shape, const uint8_t* bytes, const std::shared_ptr<const void>& owner);

// A tensor of `count` elements from the typed field that `type` uses per the ONNX spec. Throws
// Error(InvalidGraph) naming `what` when another field carries the data or the count is wrong
// (packed 4-bit and 2-bit types carry one int32 per byte: ceil(count / 2) or ceil(count / 4)).
Tensor tensor_from_typed_fields(DataType type, Shape shape, int64_t count, TypedTensorFields& fields,
                                const std::string& what);

}  // namespace onyxrt::format
