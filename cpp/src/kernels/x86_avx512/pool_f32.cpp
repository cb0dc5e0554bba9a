// Pooling for this ISA: the channels-in-lanes loops (pool/pool_f32_lanes.h), the in-place row
// loops (pool/pool_f32_rows.h) and the stride-phase plane loops (pool/pool_f32_planes.h) over
// this folder's vector vocabulary, compiled with this folder's flags.
#include "kernels/pool/pool_f32_planes.h"
#include "kernels/pool/variants.h"
#include "kernels/simd/f32_avx512.h"

namespace onyxrt::kernels {
namespace {

struct PoolAvx512 : simd::F32Avx512 {
  static constexpr bool kRowsKernel = true;
  using mask = __mmask16;
  static mask lanes(int lo, int hi) { return static_cast<__mmask16>(((1u << hi) - 1u) & ~((1u << lo) - 1u)); }
  // The lanes of m from p, the others fill; masked-off lanes are not read.
  static vf32 load_fill(const float* p, mask m, vf32 fill) { return _mm512_mask_loadu_ps(fill, m, p); }
  static vf32 next_lane(vf32 next, vf32 cur) {  // cur[1], ..., cur[15], next[0]
    const __m512i n = _mm512_castps_si512(next), c = _mm512_castps_si512(cur);
    return _mm512_castsi512_ps(_mm512_maskz_alignr_epi32(static_cast<__mmask16>(0xFFFF), n, c, 1));
  }
  static vf32 odd(vf32 a, vf32 b) {  // a[1], a[3], ..., b[1], b[3], ...
    const __m512i odd = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
    return _mm512_permutex2var_ps(a, odd, b);
  }
};

}  // namespace

bool pool_f32__avx512_window(const ConvGeometry& g, PoolF32Kind kind, const float* count_h, const float* count_w,
                           const float* x, float* y, int64_t p0, int64_t p1) {
  return pool_window<PoolAvx512>(g, kind, count_h, count_w, x, y, p0, p1);
}

void pool_f32__avx512_global(PoolF32Kind kind, const float* x, int64_t n, float* y, int64_t p0, int64_t p1) {
  pool_global<simd::F32Avx512>(kind, x, n, y, p0, p1);
}

}  // namespace onyxrt::kernels
