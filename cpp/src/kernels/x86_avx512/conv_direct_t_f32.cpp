// The transposed direct convolution for AVX-512 (conv_direct/variants.h, ConvDirectTTiles): a
// tile is R <= 14 output positions of one output row x 32 output channels, 28 accumulators. Each
// reduction step broadcasts the R positions' source values and multiplies two vectors of W^T
// (the packed B panel); at the store the R x 32 block is transposed in registers so each output
// channel's R positions go out as one masked store. No position lane is ever spent on the
// planes' padding columns or on a grid row's tail, which is what the positions-in-lanes kernel
// loses on 7x7 and 14x14 grids.
#include <immintrin.h>

#include <cstdint>
#include <utility>

#include "kernels/conv_direct/variants.h"
#include "kernels/simd/f32_avx512.h"

namespace onyxrt::kernels {
namespace {

constexpr int kRows = 14, kNr = 32;

__m512 vmax(__m512 a, __m512 b) { return _mm512_maskz_max_ps(static_cast<__mmask16>(0xFFFF), a, b); }  // b if NaN
__m512 vmin(__m512 a, __m512 b) { return _mm512_maskz_min_ps(static_cast<__mmask16>(0xFFFF), a, b); }  // b if NaN

// R positions (source values at src + offset[p] + i) x `channels` (<= 32) channels from ch, over
// the kc steps of one K slice of the B panel b.
template <int R>
void t_tile(const ConvDirectTTiles& t, int64_t kc, const float* b, const float* src, const int64_t* offset, int64_t r,
            int64_t ch, int channels, bool first, bool last) {
  __m512 acc[R][2];
  for (int i = 0; i < R; ++i) acc[i][0] = _mm512_setzero_ps(), acc[i][1] = _mm512_setzero_ps();
  for (int64_t p = 0; p < kc; ++p, b += kNr) {
    const __m512 b0 = _mm512_loadu_ps(b), b1 = _mm512_loadu_ps(b + 16);
    const float* a = src + offset[p];
#pragma GCC unroll 14
    for (int i = 0; i < R; ++i) {
      const __m512 ai = _mm512_set1_ps(a[i]);
      acc[i][0] = _mm512_fmadd_ps(ai, b0, acc[i][0]);
      acc[i][1] = _mm512_fmadd_ps(ai, b1, acc[i][1]);
    }
  }
  const __mmask16 rows = static_cast<__mmask16>((1u << R) - 1u);
  const __m512 vlo = _mm512_set1_ps(t.lo), vhi = _mm512_set1_ps(t.hi);
  for (int h = 0; h < 2 && 16 * h < channels; ++h) {
    __m512 v[16];
    for (int i = 0; i < 16; ++i) v[i] = i < R ? acc[i][h] : _mm512_setzero_ps();
    simd::F32Avx512::transpose(v);
    const int n = channels - 16 * h < 16 ? channels - 16 * h : 16;
    for (int j = 0; j < n; ++j) {
      const int64_t c = ch + 16 * h + j;
      float* yr = t.y + c * t.ldy + r;
      __m512 o = v[j];
      if (!first) o = _mm512_add_ps(o, _mm512_maskz_loadu_ps(rows, yr));
      if (last) {
        if (t.bias != nullptr) o = _mm512_add_ps(o, _mm512_set1_ps(t.bias[c]));
        if (t.z != nullptr) o = _mm512_add_ps(o, _mm512_maskz_loadu_ps(rows, t.z + c * t.ldy + r));
        if (t.clamp) o = vmin(vhi, vmax(vlo, o));
      }
      _mm512_mask_storeu_ps(yr, rows, o);
    }
  }
}

template <int... R>
void t_tile_rows(std::integer_sequence<int, R...>, int rows, const ConvDirectTTiles& t, int64_t kc, const float* b,
                 const float* src, const int64_t* offset, int64_t r, int64_t ch, int channels, bool first, bool last) {
  using Fn = void (*)(const ConvDirectTTiles&, int64_t, const float*, const float*, const int64_t*, int64_t, int64_t,
                      int, bool, bool);
  static constexpr Fn kByRows[] = {&t_tile<R + 1>...};
  kByRows[rows - 1](t, kc, b, src, offset, r, ch, channels, first, last);
}

}  // namespace

// K slice by slice (the packed B's layout), each over the channel panels, each panel over the
// positions: a panel's slice of W^T is reused from cache across the positions of the call.
void conv_direct_t_f32__avx512(const ConvDirectTTiles& t, int64_t m0, int64_t m1, int64_t r0, int64_t r1) {
  const int64_t depth = t.slice;
  for (int64_t pc = 0; pc < t.k; pc += depth) {
    const int64_t kc = t.k - pc < depth ? t.k - pc : depth;
    const bool first = pc == 0, last = pc + kc >= t.k;
    for (int64_t jc = m0; jc < m1; jc += kNr) {
      const int channels = static_cast<int>(m1 - jc < kNr ? m1 - jc : kNr);
      const float* b = t.weights + pc * t.npad + jc * kc;
      for (int64_t r = r0; r < r1;) {
        const int64_t row = r / t.out_w, row_end = (row + 1) * t.out_w;
        int64_t n = row_end - r < r1 - r ? row_end - r : r1 - r;
        n = n < kRows ? n : kRows;
        const float* src = t.source + r + row * (t.cols - t.out_w);
        t_tile_rows(std::make_integer_sequence<int, kRows>{}, static_cast<int>(n), t, kc, b, src, t.offset + pc, r,
                    jc, channels, first, last);
        r += n;
      }
    }
  }
}

}  // namespace onyxrt::kernels
