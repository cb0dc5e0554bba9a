#pragma once

#include <cstdint>
#include <vector>

#include "ops/broadcast.h"
#include "ops/kernel.h"

namespace onyxrt::ops {

// For each position of the normalized shape, the index of its value in a parameter (Scale, B)
// broadcast to that shape by numpy rules (right-aligned; extra leading 1s allowed); empty when
// the parameter already holds one value per position, in order. Fails naming the parameter.
inline std::vector<int64_t> normalized_broadcast_index(const KernelContext& ctx, const char* name, const Shape& param,
                                                       const Shape& normalized) {
  Shape trimmed = param;
  while (trimmed.size() > normalized.size() && trimmed.front() == 1) trimmed.erase(trimmed.begin());
  Shape acc = normalized;
  if (trimmed.size() > normalized.size() || !broadcast_shape_into(acc, trimmed) || acc != normalized)
    ctx.fail(ErrorCode::InvalidArgument, name, " of shape ", shape_to_string(param),
             " does not broadcast to the normalized shape ", shape_to_string(normalized));
  const int64_t count = shape_size(normalized);
  if (shape_size(trimmed) == count) return {};
  std::vector<int64_t> index(static_cast<size_t>(count));
  if (count == 0) return index;
  const BroadcastPlan plan(normalized, {&trimmed});
  const int64_t step = plan.inner_stride(0);
  plan.for_each_run(0, count, [&](int64_t out, const int64_t* in, int64_t len) {
    for (int64_t j = 0; j < len; ++j) index[out + j] = in[0] + j * step;
  });
  return index;
}

}  // namespace onyxrt::ops
