#pragma once

#include <cstdint>

#include "base/cpu_features.h"

namespace onyxrt::kernels {

using SoftmaxF32Fn = void (*)(const float* x, float* y, int64_t n, bool log);

struct SoftmaxF32Variant {
  const char* name;
  IsaTier tier;
  SoftmaxF32Fn fn;
};

#define SOFTMAX_F32_UKERNEL(name, tier) void name(const float* x, float* y, int64_t n, bool log);
#include "kernels/softmax/softmax_f32.inc"
#undef SOFTMAX_F32_UKERNEL

inline constexpr SoftmaxF32Variant kSoftmaxF32Variants[] = {
#define SOFTMAX_F32_UKERNEL(name, tier) {#name, IsaTier::tier, name},
#include "kernels/softmax/softmax_f32.inc"
#undef SOFTMAX_F32_UKERNEL
};
static_assert(kSoftmaxF32Variants[0].tier == IsaTier::Generic, "softmax_f32.inc must list the generic variant first");

}  // namespace onyxrt::kernels
