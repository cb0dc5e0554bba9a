#pragma once

#include <cstdint>
#include <iterator>

#include "base/cpu_features.h"
#include "kernels/vmath.h"

namespace onyxrt::kernels {

using VmathF32Fn = void (*)(const float* x, float* y, int64_t n);

struct VmathF32Variant {
  VmathF32 function;
  const char* name;
  IsaTier tier;
  VmathF32Fn fn;
};

#define VMATH_F32_UKERNEL(function, name, tier) void name(const float* x, float* y, int64_t n);
#include "kernels/vmath/vmath_f32.inc"
#undef VMATH_F32_UKERNEL

inline constexpr VmathF32Variant kVmathF32Variants[] = {
#define VMATH_F32_UKERNEL(function, name, tier) {VmathF32::function, #name, IsaTier::tier, name},
#include "kernels/vmath/vmath_f32.inc"
#undef VMATH_F32_UKERNEL
};
// The generic rows open the list, one per function in enum order: dispatch starts from them.
static_assert(std::size(kVmathF32Variants) >= kVmathF32Count, "vmath_f32.inc lacks generic rows");
constexpr bool vmath_generic_rows_first() {
  for (int f = 0; f < kVmathF32Count; ++f)
    if (kVmathF32Variants[f].tier != IsaTier::Generic || static_cast<int>(kVmathF32Variants[f].function) != f)
      return false;
  return true;
}
static_assert(vmath_generic_rows_first(), "vmath_f32.inc must open with one generic row per function, in enum order");

}  // namespace onyxrt::kernels
