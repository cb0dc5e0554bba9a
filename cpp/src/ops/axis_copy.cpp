#include "ops/axis_copy.h"

#include <algorithm>
#include <cstring>
#include <string>

#include "base/error.h"
#include "ops/axis_view.h"

namespace onyxrt::ops {
namespace {

// Sub-byte elements are packed low bits first; this moves them one at a time.
void copy_packed_bits(const uint8_t* src, int64_t src_offset, uint8_t* dst, int64_t dst_offset, int64_t n, int bits) {
  const int mask = (1 << bits) - 1;
  for (int64_t i = 0; i < n; ++i) {
    int64_t s = (src_offset + i) * bits, d = (dst_offset + i) * bits;
    int value = (src[s / 8] >> (s % 8)) & mask;
    uint8_t& out = dst[d / 8];
    out = static_cast<uint8_t>((out & ~(mask << (d % 8))) | (value << (d % 8)));
  }
}

Shape with_dim_inserted(const Shape& shape, int64_t axis, int64_t dim) {
  Shape s = shape;
  s.insert(s.begin() + axis, dim);
  return s;
}

}  // namespace

void copy_elements(const Tensor& src, int64_t src_offset, Tensor& dst, int64_t dst_offset, int64_t n) {
  ONYXRT_ENFORCE(src.dtype() == dst.dtype(), "copy_elements: element types differ");
  ONYXRT_ENFORCE(n >= 0 && src_offset >= 0 && dst_offset >= 0 && src_offset + n <= src.size() &&
                     dst_offset + n <= dst.size(),
                 "copy_elements: range out of bounds");
  if (n == 0) return;
  if (src.dtype() == DataType::String) {
    const std::string* from = src.data<std::string>() + src_offset;
    std::copy(from, from + n, dst.data<std::string>() + dst_offset);
    return;
  }
  const int bits = data_type_bits(src.dtype());
  const auto* from = static_cast<const uint8_t*>(src.raw());
  auto* to = static_cast<uint8_t*>(dst.raw());
  if (bits >= 8) {
    const int64_t width = bits / 8;
    std::memcpy(to + dst_offset * width, from + src_offset * width, static_cast<size_t>(n * width));
    return;
  }
  const int64_t per_byte = 8 / bits;
  if (src_offset % per_byte == 0 && dst_offset % per_byte == 0 && n % per_byte == 0) {
    std::memcpy(to + dst_offset / per_byte, from + src_offset / per_byte, static_cast<size_t>(n / per_byte));
    return;
  }
  copy_packed_bits(from, src_offset, to, dst_offset, n, bits);
}

Tensor slice_along_axis(const Tensor& src, int64_t axis, int64_t start, int64_t length) {
  const Shape& shape = src.shape();
  ONYXRT_ENFORCE(axis >= 0 && axis < static_cast<int64_t>(shape.size()) && start >= 0 && length >= 0 &&
                     start + length <= shape[axis],
                 "slice_along_axis: slice out of range");
  Shape out_shape = shape;
  out_shape[axis] = length;
  const AxisView v = view_around_axis(shape, axis);
  const int bits = data_type_bits(src.dtype());
  const int64_t first = start * v.inner;
  const bool byte_aligned = src.dtype() == DataType::String || bits >= 8 || (first * bits) % 8 == 0;
  if (v.outer <= 1 && byte_aligned) {
    // Nothing precedes the slice in memory but earlier slices: view the source's storage.
    auto* base = static_cast<uint8_t*>(const_cast<void*>(src.raw()));
    const size_t byte_offset = data_type_storage_bytes(src.dtype(), first);  // whole bytes: checked above
    return Tensor(src.dtype(), out_shape, base == nullptr ? nullptr : base + byte_offset, src.owner());
  }
  Tensor out(src.dtype(), out_shape);
  const int64_t block = length * v.inner;
  for (int64_t o = 0; o < v.outer; ++o) copy_elements(src, (o * v.axis + start) * v.inner, out, o * block, block);
  return out;
}

Tensor take_along_axis(const Tensor& src, int64_t axis, int64_t index) {
  Shape dropped = src.shape();
  dropped.erase(dropped.begin() + axis);
  return slice_along_axis(src, axis, index, 1).reshaped(dropped);
}

Tensor concat_along_axis(const std::vector<Tensor>& parts, int64_t axis) {
  ONYXRT_ENFORCE(!parts.empty(), "concat_along_axis: no parts");
  Shape out_shape = parts[0].shape();
  ONYXRT_ENFORCE(axis >= 0 && axis < static_cast<int64_t>(out_shape.size()), "concat_along_axis: bad axis");
  out_shape[axis] = 0;
  for (const Tensor& p : parts) {
    ONYXRT_ENFORCE(p.dtype() == parts[0].dtype() && p.rank() == out_shape.size(), "concat_along_axis: parts differ");
    out_shape[axis] += p.dim(static_cast<size_t>(axis));
  }
  Tensor out(parts[0].dtype(), out_shape);
  const AxisView v = view_around_axis(out_shape, axis);
  int64_t done = 0;  // elements of one outer row already written
  for (const Tensor& p : parts) {
    const int64_t block = p.dim(static_cast<size_t>(axis)) * v.inner;
    for (int64_t o = 0; o < v.outer; ++o) copy_elements(p, o * block, out, o * v.axis * v.inner + done, block);
    done += block;
  }
  return out;
}

Tensor stack_along_new_axis(const std::vector<Tensor>& parts, int64_t axis, const Shape& empty_shape,
                            DataType empty_type) {
  if (parts.empty()) return Tensor(empty_type, with_dim_inserted(empty_shape, axis, 0));
  std::vector<Tensor> expanded;
  expanded.reserve(parts.size());
  for (const Tensor& p : parts) expanded.push_back(p.reshaped(with_dim_inserted(p.shape(), axis, 1)));
  return concat_along_axis(expanded, axis);
}

}  // namespace onyxrt::ops
