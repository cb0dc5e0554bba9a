#pragma once

#include "ops/kernel.h"
#include "ops/minifloat.h"

// Cast to and from the small types: float8 (E4M3FN, E4M3FNUZ, E5M2, E5M2FNUZ, E8M0), float4
// E2M1 and the packed integers int4 / uint4 / int2 / uint2 (low bits first).
namespace onyxrt::ops {

struct CastOptions {
  bool saturate = true;                          // opset 19: float8 targets only
  E8M0Rounding e8m0_rounding = E8M0Rounding::Up;  // opset 24: 'round_mode'
};

bool is_small_type(DataType type);

// y (already allocated with x's shape) = x converted; one of the two types is small.
void cast_small(const KernelContext& ctx, const Tensor& x, Tensor& y, const CastOptions& options);

}  // namespace onyxrt::ops
