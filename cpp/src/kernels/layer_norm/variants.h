#pragma once

#include <cstdint>

#include "base/cpu_features.h"

namespace onyxrt::kernels {

using LayerNormF32Fn = void (*)(const float* x, const float* scale, const float* bias, float* y, int64_t n,
                                float epsilon, bool center, float* stats);

struct LayerNormF32Variant {
  const char* name;
  IsaTier tier;
  LayerNormF32Fn fn;
};

#define LAYER_NORM_F32_UKERNEL(name, tier)                                                                  \
  void name(const float* x, const float* scale, const float* bias, float* y, int64_t n, float epsilon, \
            bool center, float* stats);
#include "kernels/layer_norm/layer_norm_f32.inc"
#undef LAYER_NORM_F32_UKERNEL

inline constexpr LayerNormF32Variant kLayerNormF32Variants[] = {
#define LAYER_NORM_F32_UKERNEL(name, tier) {#name, IsaTier::tier, name},
#include "kernels/layer_norm/layer_norm_f32.inc"
#undef LAYER_NORM_F32_UKERNEL
};
static_assert(kLayerNormF32Variants[0].tier == IsaTier::Generic,
              "layer_norm_f32.inc must list the generic variant first");

}  // namespace onyxrt::kernels
