// Pooling for this ISA: the stride-phase plane loops (pool/pool_f32_planes.h) over this folder's
// vector vocabulary, compiled with this folder's flags.
#include "kernels/pool/pool_f32_planes.h"
#include "kernels/pool/variants.h"
#include "kernels/simd/f32_portable.h"

namespace onyxrt::kernels {
namespace {

// The plane kernel only: the row kernel over this portable vocabulary measured 2 to 10 times
// slower than the plane kernel (its masked loads and lane permutes become element loops).
struct PoolPortable : simd::F32Portable {
  static constexpr bool kRowsKernel = false;
};

}  // namespace

bool pool_f32__generic_window(const ConvGeometry& g, PoolF32Kind kind, const float* count_h, const float* count_w,
                           const float* x, float* y, int64_t p0, int64_t p1) {
  return pool_window<PoolPortable>(g, kind, count_h, count_w, x, y, p0, p1);
}

void pool_f32__generic_global(PoolF32Kind kind, const float* x, int64_t n, float* y, int64_t p0, int64_t p1) {
  pool_global<simd::F32Portable>(kind, x, n, y, p0, p1);
}

}  // namespace onyxrt::kernels
