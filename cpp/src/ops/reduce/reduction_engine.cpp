#include "ops/reduce/reduction_engine.h"

#include <algorithm>

namespace onyxrt::ops {
namespace {

// shape_size() failing through ctx, so that the error names the node.
int64_t checked_size(const KernelContext& ctx, const Shape& shape) {
  try {
    return shape_size(shape);
  } catch (const Error& e) {
    ctx.fail(ErrorCode::InvalidArgument, e.what());
  }
}

}  // namespace

std::vector<bool> reduced_axes_mask(const KernelContext& ctx, const std::vector<int64_t>& axes,
                                    bool noop_with_empty_axes, int64_t rank) {
  std::vector<bool> mask(static_cast<size_t>(rank), axes.empty() && !noop_with_empty_axes);
  if (axes.empty()) return mask;
  for (int64_t given : axes) {
    const int64_t axis = given < 0 ? given + rank : given;
    if (axis < 0 || axis >= rank)
      ctx.fail(ErrorCode::InvalidArgument, "axis ", given, " is out of range for an input of rank ", rank,
               " (expected [", -rank, ", ", rank - 1, "])");
    if (mask[static_cast<size_t>(axis)])
      ctx.fail(ErrorCode::InvalidArgument, "axes name axis ", axis, " more than once");
    mask[static_cast<size_t>(axis)] = true;
  }
  return mask;
}

ReductionPlan plan_reduction(const KernelContext& ctx, const Shape& shape, const std::vector<bool>& reduced,
                             bool keepdims) {
  ReductionPlan p;
  const size_t rank = shape.size();
  for (size_t d = 0; d < rank; ++d) {
    if (!reduced[d]) {
      p.output_shape.push_back(shape[d]);
    } else {
      if (keepdims) p.output_shape.push_back(1);
      p.reduced_size *= shape[d];  // cannot overflow: bounded by the input's element count or 0
    }
  }
  // The output may be larger than a zero-sized input ([0, big, big] reduced over axis 0):
  // the count is checked for overflow here, the allocation by the allocator.
  p.output_size = checked_size(ctx, p.output_shape);
  p.reduces_nothing = p.reduced_size == 1;
  if (p.output_size == 0 || p.reduced_size == 0) return p;

  // Merge adjacent dims of the same kind, dropping extent-1 dims; strides are the input's.
  std::vector<int64_t> dims, strides;
  std::vector<bool> kinds;
  int64_t stride = 1;
  for (size_t d = rank; d-- > 0;) {
    const int64_t extent = shape[d];
    if (extent != 1) {
      if (!kinds.empty() && kinds.back() == reduced[d]) {
        dims.back() *= extent;
      } else {
        dims.push_back(extent);
        strides.push_back(stride);
        kinds.push_back(reduced[d]);
      }
    }
    stride *= extent;
  }
  std::reverse(dims.begin(), dims.end());
  std::reverse(strides.begin(), strides.end());
  std::reverse(kinds.begin(), kinds.end());

  size_t count = dims.size();
  if (count > 0 && kinds.back()) {
    p.runs_form = true;
    p.run = dims.back();
    --count;
  } else if (count > 0) {
    p.inner = dims.back();
    --count;
  }
  for (size_t d = 0; d < count; ++d) {
    if (kinds[d]) {
      p.fold_dims.push_back(dims[d]);
      p.fold_strides.push_back(strides[d]);
      p.fold_count *= dims[d];
    } else {
      p.outer_dims.push_back(dims[d]);
      p.outer_strides.push_back(strides[d]);
    }
  }
  return p;
}

std::vector<int64_t> read_axes_input(const KernelContext& ctx, size_t index) {
  if (!ctx.has_input(index)) return {};
  const Tensor& t = ctx.input(index);
  if (t.dtype() != DataType::Int64)
    ctx.fail(ErrorCode::InvalidArgument, "input 'axes' has element type ", data_type_name(t.dtype()),
             ", expected int64");
  if (t.rank() > 1)
    ctx.fail(ErrorCode::InvalidArgument, "input 'axes' must be 1-D, got shape ", shape_to_string(t.shape()));
  return std::vector<int64_t>(t.data<int64_t>(), t.data<int64_t>() + t.size());
}

void check_axes_attribute(const KernelInfo& info, const std::vector<int64_t>& axes) {
  std::vector<int64_t> sorted = axes;
  std::sort(sorted.begin(), sorted.end());
  auto repeat = std::adjacent_find(sorted.begin(), sorted.end());
  if (repeat != sorted.end()) info.fail(ErrorCode::InvalidGraph, "attribute 'axes' names axis ", *repeat, " twice");
}

AxisSplit split_at_axis(const KernelContext& ctx, const Shape& shape, int64_t& axis) {
  const int64_t rank = static_cast<int64_t>(shape.size());
  const int64_t given = axis;
  if (axis < 0) axis += rank;
  if (axis < 0 || axis >= rank)
    ctx.fail(ErrorCode::InvalidArgument, "axis ", given, " is out of range for an input of rank ", rank,
             " (expected [", -rank, ", ", rank - 1, "])");
  AxisSplit s;
  s.outer = checked_size(ctx, Shape(shape.begin(), shape.begin() + axis));
  s.axis_size = shape[static_cast<size_t>(axis)];
  s.inner = checked_size(ctx, Shape(shape.begin() + axis + 1, shape.end()));
  return s;
}

}  // namespace onyxrt::ops
