// The channel-blocked convolution's row kernel for AVX-512 (kernels/conv_blocked.h): a tile is
// R <= 14 output positions of one row x nb <= 2 blocks of 16 output channels, 28 accumulators.
// Each reduction step loads the nb weight vectors of one input channel and broadcasts that
// channel at the R positions, 16 steps per cache line of each position's source. Positions whose
// window reaches past the left or right edge run one at a time over their inside taps only.
#include <immintrin.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <utility>

#include "kernels/conv_blocked/row_job.h"

namespace onyxrt::kernels {
namespace {

constexpr int kMaxTile = 14;

// max / min return their second operand when either is NaN: NaN passes through a clamp. The
// masked forms, as elsewhere, keep GCC from warning about the plain ones' undefined pass-through.
__m512 vmax(__m512 a, __m512 b) { return _mm512_maskz_max_ps(static_cast<__mmask16>(0xFFFF), a, b); }
__m512 vmin(__m512 a, __m512 b) { return _mm512_maskz_min_ps(static_cast<__mmask16>(0xFFFF), a, b); }

// The 16 reduction steps of one input channel block at one kernel tap: xp is the first
// position's 16 channels (the next position `step` floats on), wp the tap's 16 x NB * 16 weights.
template <int R, int NB>
inline void step_block(const float* xp, int64_t step, const float* wp, __m512 (&acc)[R][NB]) {
#pragma GCC unroll 16
  for (int c = 0; c < 16; ++c) {
    __m512 wv[NB];
#pragma GCC unroll 2
    for (int b = 0; b < NB; ++b) wv[b] = _mm512_loadu_ps(wp + c * NB * 16 + 16 * b);
#pragma GCC unroll 14
    for (int i = 0; i < R; ++i) {
      const __m512 xi = _mm512_set1_ps(xp[i * step + c]);
#pragma GCC unroll 2
      for (int b = 0; b < NB; ++b) acc[i][b] = _mm512_fmadd_ps(xi, wv[b], acc[i][b]);
    }
  }
}

// Positions [ow, ow + R) over kernel rows [kh0, kh1) and columns [kw0, kw1). SW: the column
// stride when it is 1 or 2 (a constant: the R broadcasts then address off one register), 0 for
// any other, read from the job.
template <int R, int NB, int SW>
void tile(const ConvBlockedRowJob& j, int64_t ow, int64_t kh0, int64_t kh1, int64_t kw0, int64_t kw1) {
  __m512 acc[R][NB];
#pragma GCC unroll 2
  for (int b = 0; b < NB; ++b) {
    const __m512 v = _mm512_loadu_ps(j.bias + 16 * b);
#pragma GCC unroll 14
    for (int i = 0; i < R; ++i) acc[i][b] = v;
  }
  constexpr int64_t kTap = 16 * NB * 16;  // weights of one kernel tap: 16 inputs x NB * 16 outputs
  const int64_t plane = j.ih * j.iw * 16, row = j.iw * 16, step = (SW > 0 ? SW : j.sw) * 16;
  const int64_t ih0 = j.oh * j.sh - j.ph, iw0 = ow * j.sw - j.pw;
  for (int64_t cb = 0; cb < j.c_blocks; ++cb) {
    const float* xc = j.x + cb * plane;
    const float* wc = j.w + cb * j.kh * j.kw * kTap;
    if (SW == 1 && j.kh == 1 && j.kw == 1) {  // pointwise: one tap, no window loops
      step_block<R, NB>(xc + iw0 * 16, step, wc, acc);
      continue;
    }
    for (int64_t kh = kh0; kh < kh1; ++kh) {
      const float* xr = xc + (ih0 + kh * j.dh) * row;
      const float* wr = wc + kh * j.kw * kTap;
      for (int64_t kw = kw0; kw < kw1; ++kw) step_block<R, NB>(xr + (iw0 + kw * j.dw) * 16, step, wr + kw * kTap, acc);
    }
  }
  const __m512 lo = _mm512_set1_ps(j.lo), hi = _mm512_set1_ps(j.hi);
#pragma GCC unroll 2
  for (int b = 0; b < NB; ++b) {
#pragma GCC unroll 14
    for (int i = 0; i < R; ++i) {
      const int64_t at = b * j.y_block + (ow + i) * 16;
      __m512 v = acc[i][b];
      if (j.z != nullptr) v = _mm512_add_ps(v, _mm512_loadu_ps(j.z + at));
      if (j.clamp) v = vmin(hi, vmax(lo, v));
      _mm512_storeu_ps(j.y + at, v);
    }
  }
}

using TileFn = void (*)(const ConvBlockedRowJob&, int64_t, int64_t, int64_t, int64_t, int64_t);

template <int NB, int SW, size_t... I>
constexpr auto tiles_of(std::index_sequence<I...>) {
  return std::array<TileFn, sizeof...(I)>{&tile<static_cast<int>(I) + 1, NB, SW>...};
}

// Ceiling / floor of a / b for b > 0 and any sign of a.
int64_t div_up(int64_t a, int64_t b) { return a >= 0 ? (a + b - 1) / b : -((-a) / b); }
int64_t div_down(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

template <int NB, int SW>
void row(const ConvBlockedRowJob& j) {
  static constexpr auto kTiles = tiles_of<NB, SW>(std::make_index_sequence<kMaxTile>());
  const int64_t ih0 = j.oh * j.sh - j.ph;
  const int64_t kh0 = std::min(j.kh, std::max<int64_t>(0, div_up(-ih0, j.dh)));
  const int64_t kh1 = std::max(kh0, std::min(j.kh, div_down(j.ih - 1 - ih0, j.dh) + 1));
  // Inside: every kernel column of the position's window falls in the row.
  const int64_t first_inside = std::clamp(div_up(j.pw, j.sw), j.ow_begin, j.ow_end);
  const int64_t last_inside = div_down(j.iw - 1 + j.pw - (j.kw - 1) * j.dw, j.sw);
  const int64_t end_inside = std::clamp(last_inside + 1, first_inside, j.ow_end);
  const auto edge = [&](int64_t ow) {
    const int64_t iw0 = ow * j.sw - j.pw;
    const int64_t kw0 = std::min(j.kw, std::max<int64_t>(0, div_up(-iw0, j.dw)));
    const int64_t kw1 = std::max(kw0, std::min(j.kw, div_down(j.iw - 1 - iw0, j.dw) + 1));
    kTiles[0](j, ow, kh0, kh1, kw0, kw1);
  };
  for (int64_t ow = j.ow_begin; ow < first_inside; ++ow) edge(ow);
  for (int64_t ow = first_inside; ow < end_inside; ow += kMaxTile) {
    const int64_t r = std::min<int64_t>(kMaxTile, end_inside - ow);
    kTiles[r - 1](j, ow, kh0, kh1, 0, j.kw);
  }
  for (int64_t ow = std::max(end_inside, j.ow_begin); ow < j.ow_end; ++ow) edge(ow);
}

}  // namespace

void conv_blocked_row_f32__avx512(const ConvBlockedRowJob& job) {
  const int sw = job.sw == 1 || job.sw == 2 ? static_cast<int>(job.sw) : 0;
  if (job.nb == 2) {
    sw == 1 ? row<2, 1>(job) : sw == 2 ? row<2, 2>(job) : row<2, 0>(job);
  } else {
    sw == 1 ? row<1, 1>(job) : sw == 2 ? row<1, 2>(job) : row<1, 0>(job);
  }
}

}  // namespace onyxrt::kernels
