#pragma once

#include <cstdint>

#include "base/cpu_features.h"
#include "kernels/pool.h"

namespace onyxrt::kernels {

using PoolF32WindowFn = bool (*)(const ConvGeometry& g, PoolF32Kind kind, const float* count_h, const float* count_w,
                                 const float* x, float* y, int64_t p0, int64_t p1);
using PoolF32GlobalFn = void (*)(PoolF32Kind kind, const float* x, int64_t n, float* y, int64_t p0, int64_t p1);

struct PoolF32Variant {
  const char* name;
  IsaTier tier;
  PoolF32WindowFn window;
  PoolF32GlobalFn global;
};

#define POOL_F32_UKERNEL(name, tier)                                                                             \
  bool name##_window(const ConvGeometry& g, PoolF32Kind kind, const float* count_h, const float* count_w,         \
                     const float* x, float* y, int64_t p0, int64_t p1);                                            \
  void name##_global(PoolF32Kind kind, const float* x, int64_t n, float* y, int64_t p0, int64_t p1);
#include "kernels/pool/pool_f32.inc"
#undef POOL_F32_UKERNEL

inline constexpr PoolF32Variant kPoolF32Variants[] = {
#define POOL_F32_UKERNEL(name, tier) {#name, IsaTier::tier, name##_window, name##_global},
#include "kernels/pool/pool_f32.inc"
#undef POOL_F32_UKERNEL
};
static_assert(kPoolF32Variants[0].tier == IsaTier::Generic, "pool_f32.inc must list the generic variant first");

}  // namespace onyxrt::kernels
