#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

#include "ops/kernel.h"
#include "ops/nn/resize_plan.h"

namespace onyxrt::ops {

// floor(scale * in + bias), the output length a scale gives (bias 0.5 rounds half up); fails naming
// the node when the scale is not finite or the length would pass 2^62 (checked_output_size then
// bounds the whole shape).
inline int64_t scaled_length(const KernelContext& ctx, int64_t in, double scale, double bias = 0) {
  const double out = std::floor(scale * static_cast<double>(in) + bias);
  if (!std::isfinite(scale) || !(out < 4611686018427387904.0))
    ctx.fail(ErrorCode::InvalidArgument, "scale ", scale, " of an axis of length ", in, " gives an output too large");
  return static_cast<int64_t>(out);
}

// Allocates output 0 with one dim per axis (axes[d].out) and fills it from x: nearest copies
// elements of any type exactly; linear and cubic filter numeric types (ops/nn/resize_filter.h),
// summing in float (double for double and 32/64-bit integers), integers rounding half to even and
// saturating. Fails naming the node on an output too large or a mode the element type lacks.
void run_resize(KernelContext& ctx, const ResizeOptions& options, const Tensor& x,
                const std::vector<AxisGeometry>& axes);

}  // namespace onyxrt::ops
