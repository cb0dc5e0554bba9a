// The transposed direct convolution for AVX-512 (conv_direct/variants.h, ConvDirectTTiles): a
// tile is R <= 14 output positions of one output row x 32 output channels, 28 accumulators
// (rows of at most 7 positions: x 64 channels, two B panels at once). Each reduction step
// broadcasts the R positions' source values and multiplies the vectors of W^T (the packed B
// panels); at the store each R x 16 block is transposed in registers so each output channel's R
// positions go out as one masked store. No position lane is ever spent on the
// planes' padding columns or on a grid row's tail, which is what the positions-in-lanes kernel
// loses on 7x7 and 14x14 grids.
#include <immintrin.h>

#include <cstdint>
#include <utility>

#include "kernels/conv_direct/variants.h"
#include "kernels/conv_direct/weights_ahead.h"
#include "kernels/simd/f32_avx512.h"

namespace onyxrt::kernels {
namespace {

constexpr int kRows = 14, kNr = 32;

__m512 vmax(__m512 a, __m512 b) { return _mm512_maskz_max_ps(static_cast<__mmask16>(0xFFFF), a, b); }  // b if NaN
__m512 vmin(__m512 a, __m512 b) { return _mm512_maskz_min_ps(static_cast<__mmask16>(0xFFFF), a, b); }  // b if NaN

// R positions (source values at src + offset[p] + i) x `channels` (<= 32 P) channels from ch,
// over the kc steps of one K slice of P adjacent B panels from b (kc * 32 floats apart).
template <int R, int P>
void t_tile(const ConvDirectTTiles& t, int64_t kc, const float* b, const float* src, const int64_t* offset, int64_t r,
            int64_t ch, int channels, bool first, bool last, WeightsAhead ahead) {
  constexpr int V = 2 * P;  // vectors of channels
  const int64_t panel = kc * kNr;
  __m512 acc[R][V];
  for (int i = 0; i < R; ++i)
    for (int j = 0; j < V; ++j) acc[i][j] = _mm512_setzero_ps();
  // The output lines this tile's masked stores will write, owned in L1 by then: a partial masked
  // store to a line not in cache is slow on AMD Zen 5.
  for (int j = 0; j < channels; ++j) {
    const float* yr = t.y + (ch + j) * t.ldy + r;
    _mm_prefetch(reinterpret_cast<const char*>(yr), _MM_HINT_ET0);
    _mm_prefetch(reinterpret_cast<const char*>(yr + R - 1), _MM_HINT_ET0);
  }
  for (int64_t p = 0; p < kc; ++p, b += kNr) {
    __m512 bv[V];
    for (int q = 0; q < P; ++q) bv[2 * q] = _mm512_loadu_ps(b + q * panel), bv[2 * q + 1] = _mm512_loadu_ps(b + q * panel + 16);
    ahead.step();
    const float* a = src + offset[p];
#pragma GCC unroll 14
    for (int i = 0; i < R; ++i) {
      const __m512 ai = _mm512_set1_ps(a[i]);
#pragma GCC unroll 4
      for (int j = 0; j < V; ++j) acc[i][j] = _mm512_fmadd_ps(ai, bv[j], acc[i][j]);
    }
  }
  const __mmask16 rows = static_cast<__mmask16>((1u << R) - 1u);
  const __m512 vlo = _mm512_set1_ps(t.lo), vhi = _mm512_set1_ps(t.hi);
  for (int h = 0; h < V && 16 * h < channels; ++h) {
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

// Tiles of up to kPairRows positions take two panels at once (64 channels, 4 R <= 28
// accumulators): one panel's 2 R chains would leave the FMA units waiting on loads.
constexpr int kPairRows = 7;

template <int... R>
void t_tile_rows(std::integer_sequence<int, R...>, int rows, bool pair, const ConvDirectTTiles& t, int64_t kc,
                 const float* b, const float* src, const int64_t* offset, int64_t r, int64_t ch, int channels,
                 bool first, bool last, WeightsAhead ahead) {
  using Fn = void (*)(const ConvDirectTTiles&, int64_t, const float*, const float*, const int64_t*, int64_t, int64_t,
                      int, bool, bool, WeightsAhead);
  static constexpr Fn kByRows[] = {&t_tile<R + 1, 1>...};
  // Pairs are only asked for up to kPairRows rows: the taller slots hold a never-called filler.
  static constexpr Fn kPairByRows[] = {&t_tile<(R + 1 <= kPairRows ? R + 1 : 1), 2>...};
  (pair ? kPairByRows : kByRows)[rows - 1](t, kc, b, src, offset, r, ch, channels, first, last, ahead);
}

// The tiles of [r0, r1), at most kRows positions each and never across an output row.
template <class Fn>
void for_each_tile(const ConvDirectTTiles& t, int64_t r0, int64_t r1, Fn&& fn) {
  for (int64_t r = r0; r < r1;) {
    const int64_t row = r / t.out_w, row_end = (row + 1) * t.out_w;
    int64_t n = row_end - r < r1 - r ? row_end - r : r1 - r;
    n = n < kRows ? n : kRows;
    fn(r, row, n);
    r += n;
  }
}

}  // namespace

// K slice by slice (the packed B's layout), each over the channel panels, each panel over the
// positions: a panel's slice of W^T is reused from cache across the positions of the call, and
// the next panel's fetched meanwhile (conv_direct/weights_ahead.h).
void conv_direct_t_f32__avx512(const ConvDirectTTiles& t, int64_t m0, int64_t m1, int64_t r0, int64_t r1) {
  const int64_t depth = t.slice;
  // Output rows of at most kPairRows positions take channel panels two at a time.
  const int64_t step = t.out_w <= kPairRows ? 2 * kNr : kNr;
  int64_t tiles = 0;
  for_each_tile(t, r0, r1, [&](int64_t, int64_t, int64_t) { ++tiles; });
  for (int64_t pc = 0; pc < t.k; pc += depth) {
    const int64_t kc = t.k - pc < depth ? t.k - pc : depth;
    const bool first = pc == 0, last = pc + kc >= t.k;
    int64_t next_kc = 0;  // what follows this slice's last block
    const float* next_slice = next_slice_block(t.weights, t.npad, t.k, depth, pc, kc, m0, next_kc);
    for (int64_t jc = m0; jc < m1; jc += step) {
      const bool pair = step == 2 * kNr && m1 - jc > kNr;
      const int64_t width = pair ? 2 * kNr : kNr;
      const int channels = static_cast<int>(m1 - jc < width ? m1 - jc : width);
      const float* b = t.weights + pc * t.npad + jc * kc;
      const bool last_panel = jc + step >= m1;
      const float* next = last_panel ? next_slice : b + step * kc;
      const int64_t next_floats = step * (last_panel ? next_kc : kc);
      int64_t tile = 0;
      for_each_tile(t, r0, r1, [&](int64_t r, int64_t row, int64_t n) {
        const WeightsAhead ahead = weights_ahead_share(next, next_floats, tile++, tiles, kc);
        const float* src = t.source + r + row * (t.cols - t.out_w);
        t_tile_rows(std::make_integer_sequence<int, kRows>{}, static_cast<int>(n), pair, t, kc, b, src, t.offset + pc,
                    r, jc, channels, first, last, ahead);
      });
    }
  }
}

}  // namespace onyxrt::kernels
