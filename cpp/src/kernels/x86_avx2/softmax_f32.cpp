// Row softmax for this ISA: the shared loops (softmax/softmax_f32_loops.h) over the AVX2 vector
// vocabulary, plus its pow2_shifted, hsum and hmax.
#include "kernels/simd/f32_avx2.h"
#include "kernels/softmax/softmax_f32_loops.h"
#include "kernels/softmax/variants.h"

namespace onyxrt::kernels {
namespace {

struct SoftmaxAvx2 : simd::F32Avx2 {
  static vf32 pow2_shifted(vf32 t) { return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_castps_si256(t), 23)); }
  static float hsum(vf32 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    return _mm_cvtss_f32(_mm_add_ss(s, _mm_movehdup_ps(s)));
  }
  static float hmax(vf32 v) {
    __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    m = _mm_max_ps(m, _mm_movehl_ps(m, m));
    return _mm_cvtss_f32(_mm_max_ss(m, _mm_movehdup_ps(m)));
  }
};

}  // namespace

void softmax_f32__avx2(const float* x, float* y, int64_t n, bool log) { softmax_row<SoftmaxAvx2>(x, y, n, log); }

}  // namespace onyxrt::kernels
