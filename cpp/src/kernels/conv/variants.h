#pragma once

#include <cstdint>

#include "base/cpu_features.h"
#include "kernels/conv.h"

namespace onyxrt::kernels {

using DepthwiseF32Fn = void (*)(const ConvGeometry& g, int64_t multiplier, const float* x, const float* w,
                                const float* bias, float* y, int64_t c0, int64_t c1, const DepthwiseEpilogue& ep);

struct DepthwiseF32Variant {
  const char* name;
  IsaTier tier;
  DepthwiseF32Fn fn;
};

#define DEPTHWISE_F32_UKERNEL(name, tier)                                                                           \
  void name(const ConvGeometry& g, int64_t multiplier, const float* x, const float* w, const float* bias, float* y, \
            int64_t c0, int64_t c1, const DepthwiseEpilogue& ep);
#include "kernels/conv/depthwise_f32.inc"
#undef DEPTHWISE_F32_UKERNEL

inline constexpr DepthwiseF32Variant kDepthwiseF32Variants[] = {
#define DEPTHWISE_F32_UKERNEL(name, tier) {#name, IsaTier::tier, name},
#include "kernels/conv/depthwise_f32.inc"
#undef DEPTHWISE_F32_UKERNEL
};
static_assert(kDepthwiseF32Variants[0].tier == IsaTier::Generic, "depthwise_f32.inc must list generic first");

}  // namespace onyxrt::kernels
