// Row softmax for this ISA: the shared loops (softmax/softmax_f32_loops.h) over the AVX-512
// vector vocabulary, plus its pow2_shifted, hsum and hmax.
#include "kernels/simd/f32_avx512.h"
#include "kernels/softmax/softmax_f32_loops.h"
#include "kernels/softmax/variants.h"

namespace onyxrt::kernels {
namespace {

constexpr __mmask16 kAll16 = 0xFFFF;
constexpr __mmask8 kAll8 = 0xFF;
__m256 low_half(__m512 v) { return _mm512_maskz_extractf32x8_ps(kAll8, v, 0); }
__m256 high_half(__m512 v) { return _mm512_maskz_extractf32x8_ps(kAll8, v, 1); }

struct SoftmaxAvx512 : simd::F32Avx512 {
  // The all-lanes mask form: GCC 12's _mm512_slli_epi32 trips -Wmaybe-uninitialized.
  static vf32 pow2_shifted(vf32 t) {
    return _mm512_castsi512_ps(_mm512_maskz_slli_epi32(kAll16, _mm512_castps_si512(t), 23));
  }
  // By halves through the AVX/SSE forms, split with the mask forms: _mm512_reduce_max_ps and
  // _mm512_castps512_ps256 trip the same warning.
  static float hsum(vf32 v) {
    const __m256 h = _mm256_add_ps(low_half(v), high_half(v));
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    return _mm_cvtss_f32(_mm_add_ss(s, _mm_movehdup_ps(s)));
  }
  static float hmax(vf32 v) {
    const __m256 h = _mm256_max_ps(low_half(v), high_half(v));
    __m128 m = _mm_max_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
    m = _mm_max_ps(m, _mm_movehl_ps(m, m));
    return _mm_cvtss_f32(_mm_max_ss(m, _mm_movehdup_ps(m)));
  }
};

}  // namespace

void softmax_f32__avx512(const float* x, float* y, int64_t n, bool log) {
  softmax_row<SoftmaxAvx512>(x, y, n, log);
}

}  // namespace onyxrt::kernels
