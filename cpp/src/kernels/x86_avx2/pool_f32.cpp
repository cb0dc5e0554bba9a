// Pooling for this ISA: the stride-phase plane loops (pool/pool_f32_planes.h) over this
// folder's vector vocabulary, compiled with this folder's flags.
#include "kernels/pool/pool_f32_planes.h"
#include "kernels/pool/variants.h"
#include "kernels/simd/f32_avx2.h"

namespace onyxrt::kernels {

bool pool_f32__avx2_window(const ConvGeometry& g, PoolF32Kind kind, const float* count_h, const float* count_w,
                           const float* x, float* y, int64_t p0, int64_t p1) {
  return pool_window<simd::F32Avx2>(g, kind, count_h, count_w, x, y, p0, p1);
}

void pool_f32__avx2_global(PoolF32Kind kind, const float* x, int64_t n, float* y, int64_t p0, int64_t p1) {
  pool_global<simd::F32Avx2>(kind, x, n, y, p0, p1);
}

}  // namespace onyxrt::kernels
