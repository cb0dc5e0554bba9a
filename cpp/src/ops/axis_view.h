#pragma once

#include <cstdint>

#include "ops/kernel.h"

// A tensor seen as [outer, axis, inner] around one axis (or around a split point, for the ops
// that flatten everything from `axis` on): what the along-an-axis normalizations iterate.
namespace onyxrt::ops {

struct AxisView {
  int64_t outer = 1, axis = 1, inner = 1;
};

// Normalizes a possibly negative axis against `rank`; fails with InvalidArgument naming the node
// and the shape when it is out of [-rank, rank) (or [-rank, rank] when `allow_rank`).
inline int64_t resolve_axis(const KernelContext& ctx, int64_t axis, const Shape& shape, bool allow_rank = false) {
  const int64_t rank = static_cast<int64_t>(shape.size());
  const int64_t hi = allow_rank ? rank : rank - 1;
  if (axis < -rank || axis > hi)
    ctx.fail(ErrorCode::InvalidArgument, "axis ", axis, " is out of range for input shape ", shape_to_string(shape));
  return axis < 0 ? axis + rank : axis;
}

// [prod(shape[:axis]), shape[axis], prod(shape[axis+1:])]; axis already resolved.
inline AxisView view_around_axis(const Shape& shape, int64_t axis) {
  AxisView v;
  for (int64_t d = 0; d < static_cast<int64_t>(shape.size()); ++d) {
    if (d < axis) v.outer *= shape[d];
    if (d == axis) v.axis = shape[d];
    if (d > axis) v.inner *= shape[d];
  }
  return v;
}

// [prod(shape[:axis]), prod(shape[axis:]), 1]: the 2-D coercion of the opset < 13 softmaxes.
inline AxisView view_flattened_at(const Shape& shape, int64_t axis) {
  AxisView v;
  for (int64_t d = 0; d < static_cast<int64_t>(shape.size()); ++d) (d < axis ? v.outer : v.axis) *= shape[d];
  return v;
}

}  // namespace onyxrt::ops
