#pragma once

#include <cstdint>
#include <vector>

#include "ops/kernel.h"
#include "ops/shape_check.h"

// Helpers the tensor operators share for reading small integer inputs (shapes, axes, starts)
// and validating axes, with errors that name the node and the input.
namespace onyxrt::ops {

// The values of input i, a scalar or 1-D tensor of int32 or int64 (`what` names it in errors).
inline std::vector<int64_t> read_int64_list(const KernelContext& ctx, size_t i, const char* what) {
  const Tensor& t = ctx.input(i);
  if (t.rank() > 1)
    ctx.fail(ErrorCode::InvalidArgument, "'", what, "' must be 1-D, got shape ", shape_to_string(t.shape()));
  std::vector<int64_t> values(static_cast<size_t>(t.size()));
  if (t.dtype() == DataType::Int64) {
    for (size_t k = 0; k < values.size(); ++k) values[k] = t.data<int64_t>()[k];
  } else if (t.dtype() == DataType::Int32) {
    for (size_t k = 0; k < values.size(); ++k) values[k] = t.data<int32_t>()[k];
  } else {
    ctx.fail(ErrorCode::InvalidArgument, "'", what, "' has element type ", data_type_name(t.dtype()),
             ", expected int64 (or int32)");
  }
  return values;
}

// An axis in [-rank, rank) mapped to [0, rank); false when out of range.
inline bool normalize_axis(int64_t& axis, int64_t rank) {
  if (axis < -rank || axis >= rank) return false;
  if (axis < 0) axis += rank;
  return true;
}

// Normalizes every axis of `axes` against `rank`, failing (through `owner`, a KernelInfo or a
// KernelContext) on one out of range or repeated.
template <class Owner>
void normalize_axes(const Owner& owner, std::vector<int64_t>& axes, int64_t rank) {
  std::vector<bool> seen(static_cast<size_t>(rank), false);
  for (int64_t& axis : axes) {
    int64_t given = axis;
    if (!normalize_axis(axis, rank))
      owner.fail(ErrorCode::InvalidArgument, "axis ", given, " is out of range for rank ", rank);
    if (seen[static_cast<size_t>(axis)]) owner.fail(ErrorCode::InvalidArgument, "axis ", given, " is repeated");
    seen[static_cast<size_t>(axis)] = true;
  }
}

}  // namespace onyxrt::ops
