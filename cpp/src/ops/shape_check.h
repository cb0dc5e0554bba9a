#pragma once

#include <cstdint>

#include "ops/kernel.h"

namespace onyxrt::ops {

// The element count of an output shape computed from input data (Expand, Tile, ConstantOfShape,
// broadcasting, ...). Fails with InvalidArgument naming the node when a dim is negative or when
// the count, or its byte size for the widest element (32 bytes: a std::string), would overflow
// int64, so that no later size computation can wrap around into a short buffer.
inline int64_t checked_output_size(const KernelContext& ctx, const Shape& shape) {
  constexpr int64_t kMaxElements = INT64_MAX / 32;
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0) ctx.fail(ErrorCode::InvalidArgument, "output shape ", shape_to_string(shape), " has a negative dim");
    if (__builtin_mul_overflow(n, d, &n) || n > kMaxElements)
      ctx.fail(ErrorCode::InvalidArgument, "output shape ", shape_to_string(shape), " is too large (overflow)");
  }
  return n;
}

}  // namespace onyxrt::ops
