#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "onyxrt/data_type.hpp"
#include "onyxrt/export.hpp"

namespace onyxrt {

using Shape = std::vector<int64_t>;

// A dense tensor: element type, shape and a buffer that is shared, never deep-copied on copy.
// The buffer is either owned (allocated here, 64-byte aligned) or borrowed from memory that
// `owner` keeps alive (a mapped model file, a numpy array). String tensors hold std::string
// elements; sub-byte types (int4, int2) are packed, low bits first.
class ONYXRT_API Tensor {
 public:
  Tensor() = default;
  // Allocates storage for the shape; numeric elements are zeroed, strings are empty.
  Tensor(DataType type, Shape shape);
  // Allocates storage for the shape without clearing it: numeric elements are unspecified (strings
  // are empty), for producers that write every element (kernels' outputs).
  static Tensor uninitialized(DataType type, Shape shape);
  // Wraps memory that `owner` keeps alive (may be null for memory the caller guarantees).
  Tensor(DataType type, Shape shape, void* data, std::shared_ptr<void> owner);

  bool defined() const { return type_ != DataType::Undefined; }
  DataType dtype() const { return type_; }
  const Shape& shape() const { return shape_; }
  size_t rank() const { return shape_.size(); }
  int64_t dim(size_t axis) const { return shape_[axis]; }
  int64_t size() const { return size_; }  // element count
  size_t nbytes() const { return data_type_storage_bytes(type_, size_); }

  void* raw() { return data_; }
  const void* raw() const { return data_; }
  template <typename T>
  T* data() {
    return static_cast<T*>(data_);
  }
  template <typename T>
  const T* data() const {
    return static_cast<const T*>(data_);
  }
  const std::shared_ptr<void>& owner() const { return owner_; }

  // Same buffer viewed with another shape of equal element count.
  Tensor reshaped(Shape shape) const;

 private:
  Tensor(DataType type, Shape shape, bool zeroed);

  DataType type_ = DataType::Undefined;
  Shape shape_;
  int64_t size_ = 0;
  void* data_ = nullptr;
  std::shared_ptr<void> owner_;
};

// Element count of a shape; throws Error(InvalidArgument) on a negative dim or int64 overflow.
ONYXRT_API int64_t shape_size(const Shape& shape);
ONYXRT_API std::string shape_to_string(const Shape& shape);

}  // namespace onyxrt
