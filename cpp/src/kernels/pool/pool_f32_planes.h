#pragma once

// Max and average pooling over the stride-phase planes of conv/window_planes.h, written once
// over a vector vocabulary S (simd/f32_<isa>.h): the plane is copied once with the padding
// value (lowest() for max, 0 for sums), then every run of outputs is an element-wise max or sum
// of one vector load per tap, in the taps' row-major order (the sums add exactly what the row
// loops add, in the same order), averages divided by a per-position divisor laid out on the
// same grid. Also the whole-plane reductions of GlobalMaxPool / GlobalAveragePool.
#include <math.h>  // HUGE_VALF

#include <cstdint>

#include "kernels/conv/window_planes.h"
#include "kernels/pool.h"
#include "kernels/pool/pool_f32_lanes.h"
#include "kernels/pool/pool_f32_rows.h"
#include "kernels/pool/pool_f32_s2.h"
#include "kernels/scratch.h"

namespace onyxrt::kernels {
namespace {

constexpr float kPoolLowest = -3.40282347e+38f;  // numeric_limits<float>::lowest(), the max identity

// Runs n grid positions from q into sink; divisor: the grid's divisors (averages only).
template <class S, bool kMax, class Sink>
inline void pool_run(const float* const* tap, int taps, const float* divisor, int64_t q, int64_t n, Sink& sink) {
  using V = typename S::vf32;
  constexpr int L = S::kLanes;
  const V init = S::set1(kMax ? kPoolLowest : 0.0f);
  int64_t i = 0;
  for (; i + 2 * L <= n; i += 2 * L) {
    V a0 = init, a1 = init;
    for (int t = 0; t < taps; ++t) {
      const float* p = tap[t] + q + i;
      a0 = kMax ? S::max(S::load(p), a0) : S::add(a0, S::load(p));
      a1 = kMax ? S::max(S::load(p + L), a1) : S::add(a1, S::load(p + L));
    }
    if (!kMax) a0 = S::div(a0, S::load(divisor + q + i)), a1 = S::div(a1, S::load(divisor + q + i + L));
    sink.put(i, a0), sink.put(i + L, a1);
  }
  for (; i < n; i += L) {
    V a = init;
    for (int t = 0; t < taps; ++t) a = kMax ? S::max(S::load(tap[t] + q + i), a) : S::add(a, S::load(tap[t] + q + i));
    if (!kMax) a = S::div(a, S::load(divisor + q + i));
    sink.put(i, a);
  }
}

// R output rows of at most one vector each, their tap chains interleaved: a narrow row (13 wide
// at 16 lanes) is one vector whose taps would otherwise each wait on the one before. Same
// loads, same per-lane order of operations as pool_run.
template <class S, bool kMax, int R>
inline void pool_narrow_rows(const WindowPlanes& p, const float* const* tap, int taps, const float* divisor,
                             int64_t oh, float* yc) {
  using V = typename S::vf32;
  V a[R];
  for (int r = 0; r < R; ++r) a[r] = S::set1(kMax ? kPoolLowest : 0.0f);
  for (int t = 0; t < taps; ++t)
    for (int r = 0; r < R; ++r) {
      const V v = S::load(tap[t] + (oh + r) * p.cols);
      a[r] = kMax ? S::max(v, a[r]) : S::add(a[r], v);
    }
  for (int r = 0; r < R; ++r) {
    if (!kMax) a[r] = S::div(a[r], S::load(divisor + (oh + r) * p.cols));
    WindowRowSink<S> sink{yc + (oh + r) * p.out_w, p.out_w};
    sink.put(0, a[r]);
  }
}

template <class S, bool kMax>
inline void pool_planes(const WindowPlanes& p, const float* count_h, const float* count_w, const float* x, float* y,
                        int64_t p0, int64_t p1) {
  const int64_t in_size = p.in_h * p.in_w, out_size = p.out_h * p.out_w;
  const bool flat = window_planes_flat(p, S::kLanes);
  const float pad = kMax ? kPoolLowest : 0.0f;
  float* buf[2] = {thread_scratch_f32(0, p.size), thread_scratch_f32(1, p.size)};
  float* divisor = nullptr;
  if (!kMax) {  // on the grid, + a vector of slack; +inf where there is no tap: 0 / inf = 0
    divisor = thread_scratch_f32(2, p.out_h * p.cols + S::kLanes);
    for (int64_t i = 0; i < p.out_h * p.cols + S::kLanes; ++i) divisor[i] = 1.0f;
    for (int64_t oh = 0; oh < p.out_h; ++oh)
      for (int64_t ow = 0; ow < p.out_w; ++ow) {
        const float d = count_h[oh] * count_w[ow];
        divisor[oh * p.cols + ow] = d > 0.0f ? d : HUGE_VALF;
      }
  }
  clear_window_planes(p, buf[0], pad);
  if (p1 - p0 > 1) clear_window_planes(p, buf[1], pad);
  const float* tap[2][WindowPlanes::kMaxTaps];
  for (int t = 0; t < p.taps; ++t) tap[0][t] = buf[0] + p.tap_offset[t], tap[1][t] = buf[1] + p.tap_offset[t];
  load_window_planes<S>(p, x + p0 * in_size, buf[0]);
  for (int64_t c = p0; c < p1; ++c) {
    const int cur = static_cast<int>((c - p0) & 1);
    // The next plane is copied in while this one is read (see depthwise_f32_planes.h).
    if (c + 1 < p1) load_window_planes<S>(p, x + (c + 1) * in_size, buf[cur ^ 1]);
    float* yc = y + c * out_size;
    if (flat) {
      WindowGridSink<S> sink{p, yc};
      pool_run<S, kMax>(tap[cur], p.taps, divisor, 0, (p.out_h - 1) * p.cols + p.out_w, sink);
    } else if (p.out_w <= S::kLanes) {
      int64_t oh = 0;
      for (; oh + 4 <= p.out_h; oh += 4) pool_narrow_rows<S, kMax, 4>(p, tap[cur], p.taps, divisor, oh, yc);
      for (; oh < p.out_h; ++oh) pool_narrow_rows<S, kMax, 1>(p, tap[cur], p.taps, divisor, oh, yc);
    } else {
      for (int64_t oh = 0; oh < p.out_h; ++oh) {
        WindowRowSink<S> sink{yc + oh * p.out_w, p.out_w};
        pool_run<S, kMax>(tap[cur], p.taps, divisor, oh * p.cols, p.out_w, sink);
      }
    }
  }
}

// The in-place and channels-in-lanes kernels for the windows make_pool_rows accepts.
template <class S, bool kMax>
inline void pool_in_place(const PoolRows& q, const float* count_h, const float* count_w, const float* x, float* y,
                          int64_t p0, int64_t p1) {
  PoolLanesShape s;
  if (pool_lanes_serves(q, S::kLanes, p1 - p0, s)) {
    pool_lanes<S, kMax>(q, s, count_h, count_w, x, y, p0, p1);
    return;
  }
  float *div_h = nullptr, *div_w = nullptr;
  if (!kMax) pool_rows_divisors<S>(q, count_h, count_w, div_h, div_w);
  if (pool_s2_serves(q)) {
    pool_s2<S, kMax>(q, x, y, p0, p1, div_h, div_w);
  } else {
    pool_rows<S, kMax>(q, div_h, div_w, x, y, p0, p1);
  }
}

// kernels::pool_f32's contract. Where S::kRowsKernel (S then has the vocabulary of
// pool/pool_f32_lanes.h and pool/pool_f32_s2.h), windows of width stride 1 or 2 go to the
// channels-in-lanes kernel when their rows are narrower than a vector and there are enough
// planes for a block, else to the column-first stride-2 kernel for 3-wide windows, else to the
// in-place row kernel; the other windows to the stride-phase planes.
template <class S>
inline bool pool_window(const ConvGeometry& g, PoolF32Kind kind, const float* count_h, const float* count_w,
                        const float* x, float* y, int64_t p0, int64_t p1) {
  if constexpr (S::kRowsKernel) {
    PoolRows q;
    if (make_pool_rows(g, q)) {
      if (p0 >= p1) return true;
      if (kind == PoolF32Kind::Max) {
        pool_in_place<S, true>(q, count_h, count_w, x, y, p0, p1);
      } else {
        pool_in_place<S, false>(q, count_h, count_w, x, y, p0, p1);
      }
      return true;
    }
  }
  WindowPlanes p;
  if (!make_window_planes(g, p)) return false;
  if (p0 >= p1) return true;
  if (kind == PoolF32Kind::Max) {
    pool_planes<S, true>(p, count_h, count_w, x, y, p0, p1);
  } else {
    pool_planes<S, false>(p, count_h, count_w, x, y, p0, p1);
  }
  return true;
}

// kernels::global_pool_f32's contract: lane-wise partial results, combined at the end.
template <class S>
inline void pool_global(PoolF32Kind kind, const float* x, int64_t n, float* y, int64_t p0, int64_t p1) {
  using V = typename S::vf32;
  constexpr int L = S::kLanes;
  for (int64_t c = p0; c < p1; ++c) {
    const float* xp = x + c * n;
    float lanes[L];
    int64_t i = 0;
    if (kind == PoolF32Kind::Max) {
      V m0 = S::set1(xp[0]), m1 = m0;  // x > m ? x : m keeps a NaN first element, skips later NaNs
      for (; i + 2 * L <= n; i += 2 * L) m0 = S::max(S::load(xp + i), m0), m1 = S::max(S::load(xp + i + L), m1);
      S::store(lanes, S::max(m1, m0));
      float m = xp[0];
      for (int j = 0; j < L; ++j) m = lanes[j] > m ? lanes[j] : m;
      for (; i < n; ++i) m = xp[i] > m ? xp[i] : m;
      y[c] = m;
    } else {
      V s0 = S::zero(), s1 = s0, s2 = s0, s3 = s0;
      for (; i + 4 * L <= n; i += 4 * L) {
        s0 = S::add(s0, S::load(xp + i)), s1 = S::add(s1, S::load(xp + i + L));
        s2 = S::add(s2, S::load(xp + i + 2 * L)), s3 = S::add(s3, S::load(xp + i + 3 * L));
      }
      for (; i + L <= n; i += L) s0 = S::add(s0, S::load(xp + i));
      S::store(lanes, S::add(S::add(s0, s1), S::add(s2, s3)));
      float s = 0.0f;
      for (int j = 0; j < L; ++j) s += lanes[j];
      for (; i < n; ++i) s += xp[i];
      y[c] = s / static_cast<float>(n);
    }
  }
}

}  // namespace
}  // namespace onyxrt::kernels
