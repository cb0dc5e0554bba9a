#include "onyxrt/tensor.hpp"

#include <new>
#include <string>

#include "base/allocator.h"
#include "base/error.h"

namespace onyxrt {

int64_t shape_size(const Shape& shape) {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0) fail(ErrorCode::InvalidArgument, "negative dimension in shape ", shape_to_string(shape));
    if (__builtin_mul_overflow(n, d, &n))
      fail(ErrorCode::InvalidArgument, "element count of shape ", shape_to_string(shape), " overflows int64");
  }
  return n;
}

std::string shape_to_string(const Shape& shape) {
  std::string s = "{";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ",";
    s += std::to_string(shape[i]);
  }
  return s + "}";
}

namespace {

std::shared_ptr<void> allocate_strings(int64_t count) {
  auto* p = new (std::nothrow) std::string[static_cast<size_t>(count)];
  if (p == nullptr) fail(ErrorCode::RuntimeException, "failed to allocate ", count, " strings");
  return std::shared_ptr<void>(p, [](void* q) { delete[] static_cast<std::string*>(q); });
}

}  // namespace

Tensor::Tensor(DataType type, Shape shape) : Tensor(type, std::move(shape), true) {}

Tensor Tensor::uninitialized(DataType type, Shape shape) { return Tensor(type, std::move(shape), false); }

Tensor::Tensor(DataType type, Shape shape, bool zeroed) : type_(type), shape_(std::move(shape)) {
  if (!data_type_is_valid(static_cast<int32_t>(type)))
    fail(ErrorCode::InvalidArgument, "cannot create a tensor of element type code ", static_cast<int>(type));
  size_ = shape_size(shape_);
  if (type == DataType::String) {
    owner_ = allocate_strings(size_);
  } else {
    // Bits first: storage_bytes would wrap silently for an element count near 2^63.
    int64_t bits = 0;
    if (__builtin_mul_overflow(size_, int64_t{data_type_bits(type)}, &bits))
      fail(ErrorCode::InvalidArgument, "byte size of a ", data_type_name(type), " tensor of shape ",
           shape_to_string(shape_), " overflows");
    owner_ = allocate_buffer(data_type_storage_bytes(type, size_),
                             zeroed ? BufferFill::Zeroed : BufferFill::Uninitialized);
  }
  data_ = owner_.get();
}

Tensor::Tensor(DataType type, Shape shape, void* data, std::shared_ptr<void> owner)
    : type_(type), shape_(std::move(shape)), data_(data), owner_(std::move(owner)) {
  size_ = shape_size(shape_);
}

Tensor Tensor::reshaped(Shape shape) const {
  if (shape_size(shape) != size_)
    fail(ErrorCode::InvalidArgument, "cannot view a tensor of shape ", shape_to_string(shape_), " as ",
         shape_to_string(shape));
  Tensor t = *this;
  t.shape_ = std::move(shape);
  return t;
}

}  // namespace onyxrt
