#pragma once

#include <memory>
#include <vector>

#include "onyxrt/tensor.hpp"

namespace onyxrt {

// What flows along a graph edge: a tensor, a sequence of values, a map (keys and values as two
// 1-D tensors of equal length) or nothing (an absent optional). Copies share storage.
class ONYXRT_API Value {
 public:
  enum class Kind { None, Tensor, Sequence, Map };

  Value() = default;
  Value(Tensor tensor);  // NOLINT(google-explicit-constructor): a tensor is a value
  static Value sequence(std::vector<Value> items, DataType element_type = DataType::Undefined);
  static Value map(Tensor keys, Tensor values);

  Kind kind() const { return kind_; }
  bool is_none() const { return kind_ == Kind::None; }
  bool is_tensor() const { return kind_ == Kind::Tensor; }
  bool is_sequence() const { return kind_ == Kind::Sequence; }
  bool is_map() const { return kind_ == Kind::Map; }

  // Each accessor throws Error(InvalidArgument) when the value is of another kind.
  const Tensor& tensor() const;
  Tensor& tensor();
  const std::vector<Value>& items() const;
  DataType sequence_element_type() const { return element_type_; }
  const Tensor& map_keys() const;
  const Tensor& map_values() const;

 private:
  Kind kind_ = Kind::None;
  Tensor tensor_;  // the tensor, or a map's keys
  Tensor map_values_;
  std::shared_ptr<const std::vector<Value>> items_;
  DataType element_type_ = DataType::Undefined;
};

}  // namespace onyxrt
