#pragma once

#include <cstdint>

#include "base/cpu_features.h"

namespace onyxrt::kernels {

// One panel of a GEMM operand whose k steps are the source's columns (A as stored, B^T):
// panel[p * width + i] = src[i * ld + p] for the first `live` of `width` rows and p < kc, zero for
// rows past `live`. The packers of pack_a_f32 / pack_b_f32 and of the driver's blocks. False when
// the variant has no fixed path for `width`; the caller then runs its run-time-width loop.
using PackColumnsF32Fn = bool (*)(int width, const float* src, int64_t ld, int live, int64_t kc, float* panel);

struct PackColumnsF32Variant {
  const char* name;
  IsaTier tier;
  PackColumnsF32Fn fn;
};

#define PACK_COLUMNS_F32(name, tier) bool name(int width, const float* src, int64_t ld, int live, int64_t kc, float* panel);
#include "kernels/pack/pack_columns_f32.inc"
#undef PACK_COLUMNS_F32

inline constexpr PackColumnsF32Variant kPackColumnsF32Variants[] = {
#define PACK_COLUMNS_F32(name, tier) {#name, IsaTier::tier, name},
#include "kernels/pack/pack_columns_f32.inc"
#undef PACK_COLUMNS_F32
};
static_assert(kPackColumnsF32Variants[0].tier == IsaTier::Generic,
              "pack_columns_f32.inc must list the generic variant first");

}  // namespace onyxrt::kernels
