#pragma once

// Max and average pooling for 3-wide windows of adjacent columns at width stride 2 (MaxPool 3x3
// stride 2, the stem and reduction pools of most CNNs), reading the input in place, columns
// first: for one output row, each block of 2 * kLanes input columns is reduced over the window's
// tap rows (element-wise, no permutes), then output o = op(V[2o], V[2o + 1], V[2o + 2]) takes
// the even and odd lanes of the block (two permutes) and the even lanes shifted by one, whose
// last lane is the next block's first even lane (one lane shift, the next block being computed
// anyway). The row kernel (pool_f32_rows.h) instead permutes each tap row's loads, three
// permutes per row reduction, about twice as many as this for 3-row windows.
//
// Columns outside the row read as the identity (lowest() for max, 0 for sums) through masked
// loads; tap rows outside the plane are skipped.
// Max: y = the largest non-NaN tap or lowest(), as kernels/pool.h says (the column stage starts
// from lowest(), so a NaN never wins it, and its results are never NaN). Average: sums by
// column, then across the three columns; they differ from a row-major chain in the last bits
// only; divided by count_h * count_w.
//
// S: the vocabulary of pool_f32_rows.h plus odd(a, b) = a[1], a[3], ..., b[1], b[3], ... (the
// partner of S::even) and next_lane(next, cur) = cur[1], ..., cur[kLanes - 1], next[0].
#include <cstdint>

#include "kernels/pool.h"
#include "kernels/pool/pool_f32_rows.h"

namespace onyxrt::kernels {
namespace {

inline bool pool_s2_serves(const PoolRows& q) { return q.sw == 2 && q.kw == 3 && q.dw == 1; }

template <class S, bool kMax>
struct PoolS2Row {
  using V = typename S::vf32;
  static constexpr int L = S::kLanes;
  const PoolRows& q;
  const float* const* rows;  // the output row's tap rows inside the plane, top to bottom
  int nrows;
  V ident;

  // The column reductions of input columns [c0, c0 + 2L): lanes of a, then of b.
  void block(int64_t c0, V& a, V& b) const {
    a = ident, b = ident;
    if (c0 >= 0 && c0 + 2 * L <= q.in_w) {
      for (int i = 0; i < nrows; ++i) {
        const V u = S::load(rows[i] + c0), v = S::load(rows[i] + c0 + L);
        a = kMax ? S::max(u, a) : i == 0 ? u : S::add(a, u);
        b = kMax ? S::max(v, b) : i == 0 ? v : S::add(b, v);
      }
      return;
    }
    const typename S::mask ma = S::lanes(pool_rows_clamp(-c0, L), pool_rows_clamp(q.in_w - c0, L));
    const typename S::mask mb = S::lanes(pool_rows_clamp(-c0 - L, L), pool_rows_clamp(q.in_w - c0 - L, L));
    for (int i = 0; i < nrows; ++i) {
      const V u = S::load_fill(rows[i] + c0, ma, ident), v = S::load_fill(rows[i] + c0 + L, mb, ident);
      a = kMax ? S::max(u, a) : i == 0 ? u : S::add(a, u);
      b = kMax ? S::max(v, b) : i == 0 ? v : S::add(b, v);
    }
  }
};

// The windows pool_s2_serves accepts, kernels::pool_f32's contract; div_h / div_w as
// pool_rows makes them (averages only).
template <class S, bool kMax>
inline void pool_s2(const PoolRows& q, const float* x, float* y, int64_t p0, int64_t p1, const float* div_h,
                    const float* div_w) {
  using V = typename S::vf32;
  constexpr int L = S::kLanes;
  const int64_t in_size = q.in_h * q.in_w, out_size = q.out_h * q.out_w;
  const V ident = S::set1(kMax ? kPoolRowsLowest : 0.0f);
  const int kh = static_cast<int>(q.kh);
  const float* rows[kPoolRowsMaxTaps];
  const bool prefetch = in_size <= kPoolPrefetchMaxFloats;
  for (int64_t p = p0; p < p1; ++p) {
    const float* xc = x + p * in_size;
    float* yc = y + p * out_size;
    if (prefetch && p + 1 < p1) pool_prefetch<S>(xc + in_size, in_size);
    for (int64_t oh = 0; oh < q.out_h; ++oh) {
      int nrows = 0;
      for (int i = 0; i < kh; ++i) {
        const int64_t ih = oh * q.sh - q.pt + i * q.dh;
        if (ih >= 0 && ih < q.in_h) rows[nrows++] = xc + ih * q.in_w;
      }
      const PoolS2Row<S, kMax> r{q, rows, nrows, ident};
      V a, b;
      r.block(-q.pl, a, b);
      V e = S::even(a, b), o = S::odd(a, b);
      float* yrow = yc + oh * q.out_w;
      for (int64_t ow0 = 0; ow0 < q.out_w; ow0 += L) {
        const int n = static_cast<int>(q.out_w - ow0 < L ? q.out_w - ow0 : L);
        // The next block's even lanes: lane 0 is this vector's last third tap; needed only
        // when that lane is an output, or for the next vector.
        V en = ident, on = ident;
        if (ow0 + L < q.out_w || n == L) {
          r.block(2 * (ow0 + L) - q.pl, a, b);
          en = S::even(a, b), on = S::odd(a, b);
        }
        const V e2 = S::next_lane(en, e);
        V h = kMax ? S::max(e2, S::max(o, e)) : S::add(S::add(e, o), e2);
        if (!kMax) h = S::div(h, S::mul(S::set1(div_h[oh]), S::load(div_w + ow0)));
        if (n == L) {
          S::store(yrow + ow0, h);
        } else {
          S::store_partial(yrow + ow0, h, n);
        }
        e = en, o = on;
      }
    }
  }
}

}  // namespace
}  // namespace onyxrt::kernels
