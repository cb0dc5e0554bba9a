// Pooling for this ISA: the channels-in-lanes loops (pool/pool_f32_lanes.h), the in-place row
// loops (pool/pool_f32_rows.h) and the stride-phase plane loops (pool/pool_f32_planes.h) over
// this folder's vector vocabulary, compiled with this folder's flags.
#include "kernels/pool/pool_f32_planes.h"
#include "kernels/pool/variants.h"
#include "kernels/simd/f32_avx2.h"

namespace onyxrt::kernels {
namespace {

struct PoolAvx2 : simd::F32Avx2 {
  static constexpr bool kRowsKernel = true;
  using mask = __m256i;
  static mask lanes(int lo, int hi) {
    const __m256i iota = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    return _mm256_andnot_si256(_mm256_cmpgt_epi32(_mm256_set1_epi32(lo), iota),
                               _mm256_cmpgt_epi32(_mm256_set1_epi32(hi), iota));
  }
  // The lanes of m from p, the others fill; masked-off lanes are not read (VMASKMOVPS does not
  // fault on them).
  static vf32 load_fill(const float* p, mask m, vf32 fill) {
    return _mm256_blendv_ps(fill, _mm256_maskload_ps(p, m), _mm256_castsi256_ps(m));
  }
  static vf32 next_lane(vf32 next, vf32 cur) {  // cur[1], ..., cur[7], next[0]
    const __m256i c = _mm256_castps_si256(cur);
    const __m256i t = _mm256_permute2x128_si256(c, _mm256_castps_si256(next), 0x21);  // cur's high half, next's low
    return _mm256_castsi256_ps(_mm256_alignr_epi8(t, c, 4));
  }
  static vf32 odd(vf32 a, vf32 b) {  // a[1], a[3], ..., b[1], b[3], ...
    const __m256 s = _mm256_shuffle_ps(a, b, _MM_SHUFFLE(3, 1, 3, 1));
    return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(s), _MM_SHUFFLE(3, 1, 2, 0)));
  }
};

}  // namespace

bool pool_f32__avx2_window(const ConvGeometry& g, PoolF32Kind kind, const float* count_h, const float* count_w,
                           const float* x, float* y, int64_t p0, int64_t p1) {
  return pool_window<PoolAvx2>(g, kind, count_h, count_w, x, y, p0, p1);
}

void pool_f32__avx2_global(PoolF32Kind kind, const float* x, int64_t n, float* y, int64_t p0, int64_t p1) {
  pool_global<simd::F32Avx2>(kind, x, n, y, p0, p1);
}

}  // namespace onyxrt::kernels
