#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "ops/elementwise_types.h"
#include "ops/kernel.h"

// Reading and checking index tensors (input 1 of Gather*, Scatter*), with errors that name the
// node, the offending value and its position.
namespace onyxrt::ops {

// The index tensor's values as int64 (int32 or int64 accepted).
inline std::vector<int64_t> index_values(const KernelContext& ctx, const Tensor& indices) {
  std::vector<int64_t> out(static_cast<size_t>(indices.size()));
  bool supported = visit_type(indices.dtype(), TypeList<int32_t, int64_t>{}, [&](auto tag) {
    using I = typename decltype(tag)::type;
    std::copy_n(indices.data<I>(), out.size(), out.begin());
  });
  if (!supported)
    ctx.fail(ErrorCode::InvalidArgument, "indices have element type ", data_type_name(indices.dtype()),
             ", expected int32 or int64");
  return out;
}

// Maps v from [-dim, dim) to [0, dim), failing naming element k of the indices input.
inline int64_t wrap_index(const KernelContext& ctx, int64_t v, int64_t dim, size_t k, int64_t axis) {
  if (v < -dim || v >= dim)
    ctx.fail(ErrorCode::InvalidArgument, "index ", v, " (element ", k, " of '", ctx.node().inputs[1],
             "') is out of range for axis ", axis, " of size ", dim);
  return v < 0 ? v + dim : v;
}

// Every index wrapped into [0, dim) for the given axis; fails on the first out of range.
inline std::vector<int64_t> checked_indices(const KernelContext& ctx, const Tensor& indices, int64_t dim,
                                            int64_t axis) {
  std::vector<int64_t> values = index_values(ctx, indices);
  for (size_t k = 0; k < values.size(); ++k) values[k] = wrap_index(ctx, values[k], dim, k, axis);
  return values;
}

}  // namespace onyxrt::ops
