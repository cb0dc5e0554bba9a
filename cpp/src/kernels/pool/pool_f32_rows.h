#pragma once

// Max and average pooling that reads the input planes where they are, for width strides 1 and 2
// (stride 2 with 3-wide windows of adjacent columns goes to pool_f32_s2.h instead), written once
// over a vector vocabulary S (simd/f32_<isa>.h) extended with
//   lanes(lo, hi): a lane mask (S::mask) of lanes [lo, hi), 0 <= lo <= hi <= kLanes;
//   load_fill(p, m, fill): the lanes of m from p, the others fill (nothing outside m is read, so
//   p may point before or past the row),
// which each ISA unit adds (pool_f32.cpp of its folder).
//
// The window is separable: max (or sum) over the kh x kw taps = max over the tap rows of the max
// over that row's kw columns. A strip of output rows (pool_rows_strip_rows) by one vector of
// output columns loads each input row it needs once, reduces its kw column taps in registers
// (stride 2: the even lanes of two loads), and folds that row result into every output row of
// the strip it is a tap row of. At stride 1 with 3-row windows, neighbouring output rows share
// most of their input rows, so an output vector costs little more than one row reduction
// instead of kh * kw loads, and no padded copy of the plane is made: the lanes whose tap column
// falls outside the row take the identity (lowest() for max, 0 for sums) through load_fill, and
// rows outside the plane are skipped.
//
// Max: y = the largest non-NaN tap or lowest(), as kernels/pool.h says (a NaN never wins any of
// the two stages, so it never wins the window). Which of +0 / -0 comes out when the largest taps
// are zeros of both signs may differ from a row-major scan. Average: the sum is taken row by row
// (each row's columns left to right, then the rows top to bottom), not in the row-major order of
// one chain; it differs from that in the last bits only, then is divided by count_h * count_w as
// the contract says.
#include <math.h>  // HUGE_VALF

#include <cstdint>

#include "kernels/conv.h"
#include "kernels/conv/plane_window.h"
#include "kernels/pool.h"
#include "kernels/scratch.h"

namespace onyxrt::kernels {
namespace {

constexpr float kPoolRowsLowest = -3.40282347e+38f;  // numeric_limits<float>::lowest()
constexpr int kPoolRowsMaxKw = 16;                  // column taps held per output vector
constexpr int kPoolRowsMaxTaps = 256;                // as the plane kernel, so both serve the same windows
constexpr int kPoolRowsMaxSpan = 1024;               // input rows of a strip of output rows
constexpr int kPoolRowsMaxStrip = 8;

// Output rows per strip: 8 where 32 vector registers hold their accumulators beside the loads,
// 4 with 16 registers. More rows share more input rows (3 x 3 at stride 1: 10 row reductions for
// 8 outputs rather than 6 for 4).
template <class S>
constexpr int pool_rows_strip_rows() {
  return S::kLanes >= 16 ? 8 : 4;
}

using PoolRows = PlaneWindow;

// False when the rows kernel does not serve the window: rank 3 or more, a width stride other
// than 1 or 2, more than kPoolRowsMaxKw column taps, negative padding or a plane too wide for
// int lane arithmetic.
inline bool make_pool_rows(const ConvGeometry& g, PoolRows& q) {
  if (!read_plane_window(g, q) || q.sh < 1 || q.dh < 1 || q.dw < 1) return false;
  if (q.sw != 1 && q.sw != 2) return false;
  if (q.kw > kPoolRowsMaxKw || q.kh * q.kw > kPoolRowsMaxTaps) return false;
  // Column indices of any tap stay far inside int.
  const int64_t reach = (q.out_w + 64) * q.sw + (q.kw - 1) * q.dw + q.pl;
  const int64_t span = (kPoolRowsMaxStrip - 1) * q.sh + (q.kh - 1) * q.dh + 1;  // a strip's input rows
  return q.in_w < (int64_t{1} << 30) && reach < (int64_t{1} << 30) && span <= kPoolRowsMaxSpan;
}

// Small planes are short streams the hardware prefetcher barely starts on before they end; the
// kernels ask for the next plane (block of planes) while computing this one. Planes above this
// many floats are left to the hardware.
constexpr int64_t kPoolPrefetchMaxFloats = int64_t{1} << 12;

// Asks for the cache lines of x[0, n).
template <class S>
inline void pool_prefetch(const float* x, int64_t n) {
  for (int64_t i = 0; i < n; i += 64 / sizeof(float)) S::prefetch(x + i);
}

// The column taps of one vector of output columns: tap j's first input column, and, unless every
// load of every tap lies inside the row (full), the masks of the lanes of each of its sw loads
// that do (made once per vector, not per row).
template <class S>
struct PoolRowsColumns {
  bool full = true;
  int64_t first[kPoolRowsMaxKw];
  typename S::mask in[kPoolRowsMaxKw][2];
};

inline int pool_rows_clamp(int64_t v, int lanes) { return static_cast<int>(v < 0 ? 0 : v > lanes ? lanes : v); }

template <class S, int kSw>
inline void pool_rows_columns(const PoolRows& q, int64_t ow0, PoolRowsColumns<S>& c) {
  constexpr int L = S::kLanes;
  const int kw = static_cast<int>(q.kw);
  for (int j = 0; j < kw; ++j) c.first[j] = ow0 * kSw - q.pl + j * q.dw;
  c.full = c.first[0] >= 0 && c.first[kw - 1] + kSw * L <= q.in_w;
  if (c.full) return;
  for (int j = 0; j < kw; ++j)
    for (int h = 0; h < kSw; ++h) {
      const int64_t at = c.first[j] + h * L;
      const int lo = pool_rows_clamp(-at, L), hi = pool_rows_clamp(q.in_w - at, L);
      c.in[j][h] = S::lanes(lo, hi < lo ? lo : hi);
    }
}

// The max (sum) over the kw column taps of one input row, for one vector of output columns.
template <class S, bool kMax, int kSw, int kKw>
inline typename S::vf32 pool_rows_reduce(const float* row, const PoolRowsColumns<S>& c, int kw_rt,
                                         typename S::vf32 ident) {
  using V = typename S::vf32;
  constexpr int L = S::kLanes;
  const int kw = kKw > 0 ? kKw : kw_rt;
  auto fold = [](V h, V v) { return kMax ? S::max(v, h) : S::add(h, v); };
  V h = ident;
  if (c.full) {
#pragma GCC unroll 8
    for (int j = 0; j < kw; ++j) {
      const float* p = row + c.first[j];
      const V v = kSw == 1 ? S::load(p) : S::even(S::load(p), S::load(p + L));
      h = kMax || j > 0 ? fold(h, v) : v;
    }
  } else {
#pragma GCC unroll 8
    for (int j = 0; j < kw; ++j) {
      const float* p = row + c.first[j];
      V v = S::load_fill(p, c.in[j][0], ident);
      if (kSw == 2) v = S::even(v, S::load_fill(p + L, c.in[j][1], ident));
      h = kMax || j > 0 ? fold(h, v) : v;
    }
  }
  return h;
}

// Which output rows of a strip each of its input rows is a tap row of: bit r of used[k] when
// input row k (from the strip's first tap row) is tap row (k - r * sh) / dh of output row r.
template <int kRows>
struct PoolRowsTaps {
  int span = 0;
  uint32_t used[kPoolRowsMaxSpan];
};

template <int kRows>
inline bool make_pool_rows_taps(const PoolRows& q, PoolRowsTaps<kRows>& t) {
  const int64_t span = (kRows - 1) * q.sh + (q.kh - 1) * q.dh + 1;
  if (span > kPoolRowsMaxSpan) return false;
  t.span = static_cast<int>(span);
  for (int64_t k = 0; k < span; ++k) {
    t.used[k] = 0;
    for (int r = 0; r < kRows; ++r) {
      const int64_t d = k - r * q.sh;
      if (d >= 0 && d % q.dh == 0 && d / q.dh < q.kh) t.used[k] |= 1u << r;
    }
  }
  return true;
}

// Output rows [oh0, oh0 + kRows) (those below out_h) x output columns [ow0, ow0 + L) of one plane.
// kKh, kSh > 0 fix the window's rows (tap rows adjacent), so that the input-row loop unrolls with
// every row-to-output assignment known; 0 takes them from taps.
template <class S, bool kMax, int kSw, int kKw, int kKh, int kSh, int kRows>
inline void pool_rows_strip(const PoolRows& q, const PoolRowsTaps<kRows>& taps, const PoolRowsColumns<S>& c,
                            const float* xc, float* yc, int64_t oh0, int64_t ow0, const float* div_h,
                            const float* div_w) {
  using V = typename S::vf32;
  constexpr int L = S::kLanes;
  const V ident = S::set1(kMax ? kPoolRowsLowest : 0.0f);
  const int rows = static_cast<int>(q.out_h - oh0 < kRows ? q.out_h - oh0 : kRows);
  V acc[kRows];
#pragma GCC unroll 8
  for (int r = 0; r < kRows; ++r) acc[r] = ident;
  const int64_t top = oh0 * q.sh - q.pt;  // input row of tap row 0 of output row oh0
  if constexpr (kKh > 0 && kSh > 0) {
    // Rows past out_h of a last partial strip are computed and not stored.
    constexpr int kSpan = (kRows - 1) * kSh + kKh;
#pragma GCC unroll 32
    for (int k = 0; k < kSpan; ++k) {
      const int64_t ih = top + k;
      if (ih < 0 || ih >= q.in_h) continue;
      const V h = pool_rows_reduce<S, kMax, kSw, kKw>(xc + ih * q.in_w, c, static_cast<int>(q.kw), ident);
#pragma GCC unroll 8
      for (int r = 0; r < kRows; ++r)
        if (k - r * kSh >= 0 && k - r * kSh < kKh) acc[r] = kMax ? S::max(h, acc[r]) : S::add(acc[r], h);
    }
  } else {
    const uint32_t live = (1u << rows) - 1u;
    for (int k = 0; k < taps.span; ++k) {
      const int64_t ih = top + k;
      if (ih < 0) continue;
      if (ih >= q.in_h) break;
      const uint32_t used = taps.used[k] & live;
      if (used == 0) continue;
      const V h = pool_rows_reduce<S, kMax, kSw, kKw>(xc + ih * q.in_w, c, static_cast<int>(q.kw), ident);
#pragma GCC unroll 8
      for (int r = 0; r < kRows; ++r)
        if (used >> r & 1u) acc[r] = kMax ? S::max(h, acc[r]) : S::add(acc[r], h);
    }
  }
  const int n = static_cast<int>(q.out_w - ow0 < L ? q.out_w - ow0 : L);
  const V dw = kMax ? ident : S::load(div_w + ow0);
#pragma GCC unroll 8
  for (int r = 0; r < kRows; ++r) {
    if (r >= rows) break;
    V v = acc[r];
    if (!kMax) v = S::div(v, S::mul(S::set1(div_h[oh0 + r]), dw));
    float* dst = yc + (oh0 + r) * q.out_w + ow0;
    if (n == L) {
      S::store(dst, v);
    } else {
      S::store_partial(dst, v, n);
    }
  }
}

template <class S>
using PoolRowsStripTaps = PoolRowsTaps<pool_rows_strip_rows<S>()>;

template <class S, bool kMax, int kSw, int kKw, int kKh, int kSh>
inline void pool_rows_planes(const PoolRows& q, const PoolRowsStripTaps<S>& taps, const float* x, float* y,
                             int64_t p0, int64_t p1, const float* div_h, const float* div_w) {
  constexpr int L = S::kLanes, kRows = pool_rows_strip_rows<S>();
  const int64_t in_size = q.in_h * q.in_w, out_size = q.out_h * q.out_w;
  PoolRowsColumns<S> c{};
  const bool prefetch = in_size <= kPoolPrefetchMaxFloats;
  for (int64_t p = p0; p < p1; ++p) {
    const float* xc = x + p * in_size;
    float* yc = y + p * out_size;
    if (prefetch && p + 1 < p1) pool_prefetch<S>(xc + in_size, in_size);
    // Strips of output rows outermost: their input rows stay in L1 across the column vectors.
    for (int64_t oh0 = 0; oh0 < q.out_h; oh0 += kRows)
      for (int64_t ow0 = 0; ow0 < q.out_w; ow0 += L) {
        pool_rows_columns<S, kSw>(q, ow0, c);
        pool_rows_strip<S, kMax, kSw, kKw, kKh, kSh, kRows>(q, taps, c, xc, yc, oh0, ow0, div_h, div_w);
      }
  }
}

// The common windows (3 x 3 at stride 1, 3-wide ones) with their shapes fixed at compile time.
template <class S, bool kMax, int kSw>
inline void pool_rows_by_window(const PoolRows& q, const PoolRowsStripTaps<S>& taps, const float* x, float* y,
                                int64_t p0, int64_t p1, const float* div_h, const float* div_w) {
  if (q.kh == 3 && q.kw == 3 && q.dh == 1 && q.sh == 1) {
    pool_rows_planes<S, kMax, kSw, 3, 3, 1>(q, taps, x, y, p0, p1, div_h, div_w);
  } else if (q.kw == 3) {
    pool_rows_planes<S, kMax, kSw, 3, 0, 0>(q, taps, x, y, p0, p1, div_h, div_w);
  } else if (q.kw == 2) {
    pool_rows_planes<S, kMax, kSw, 2, 0, 0>(q, taps, x, y, p0, p1, div_h, div_w);
  } else {
    pool_rows_planes<S, kMax, kSw, 0, 0, 0>(q, taps, x, y, p0, p1, div_h, div_w);
  }
}

// Average divisors for pool_rows and pool_s2: div_h[oh] * div_w[ow] is count_h[oh] * count_w[ow]
// as the contract forms it, with +inf for a count of 0 (no tap inside: the sum is 0 and 0 / inf
// = 0); div_w padded to whole vectors. Per-thread scratch slots 0 and 1.
template <class S>
inline void pool_rows_divisors(const PoolRows& q, const float* count_h, const float* count_w, float*& div_h,
                               float*& div_w) {
  constexpr int L = S::kLanes;
  const int64_t wn = (q.out_w + L - 1) / L * L;
  div_h = thread_scratch_f32(0, q.out_h);
  div_w = thread_scratch_f32(1, wn);
  for (int64_t i = 0; i < q.out_h; ++i) div_h[i] = count_h[i] > 0.0f ? count_h[i] : HUGE_VALF;
  for (int64_t i = 0; i < wn; ++i) div_w[i] = i >= q.out_w ? 1.0f : count_w[i] > 0.0f ? count_w[i] : HUGE_VALF;
}

// kernels::pool_f32's contract for the windows make_pool_rows accepts; div_h, div_w from
// pool_rows_divisors (averages only).
template <class S, bool kMax>
inline void pool_rows(const PoolRows& q, const float* div_h, const float* div_w, const float* x, float* y, int64_t p0,
                      int64_t p1) {
  PoolRowsStripTaps<S> taps;
  make_pool_rows_taps(q, taps);
  if (q.sw == 1) {
    pool_rows_by_window<S, kMax, 1>(q, taps, x, y, p0, p1, div_h, div_w);
  } else {
    pool_rows_by_window<S, kMax, 2>(q, taps, x, y, p0, p1, div_h, div_w);
  }
}

}  // namespace
}  // namespace onyxrt::kernels
