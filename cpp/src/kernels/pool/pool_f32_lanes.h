#pragma once

// Max and average pooling with channels in vector lanes, for small planes (output rows of at
// most 8 columns, narrower than a vector: 7 x 7, 14 -> 7): a block of kLanes planes is transposed into one padded buffer
// of pixel vectors (padded pixel (R, C) at buf[(R * wp + C) * kLanes + lane], the padding holding
// the identity: lowest() for max, 0 for sums), every output pixel of the block is then the max
// or sum of one whole-vector load per tap, and each kLanes output pixels are transposed back into
// the planes. A plane-at-a-time kernel would leave most lanes of such rows idle and pay its
// per-row and per-plane set-up on very little work.
//
// The taps are taken in the window's row-major order from lowest() (max: y = x > y ? x : y) or
// from +0 (sums: the padding adds zeros, which changes nothing), so the results are those of
// the plain loops bit for bit; averages are then divided by count_h * count_w (+inf for a count
// of 0, so the empty window gives 0).
//
// S: the vocabulary of pool/pool_f32_rows.h plus transpose(vf32 r[kLanes]) (r[i][j] <-> r[j][i]).
#include <math.h>  // HUGE_VALF

#include <cstdint>

#include "kernels/pool.h"
#include "kernels/pool/pool_f32_rows.h"
#include "kernels/scratch.h"

namespace onyxrt::kernels {
namespace {

constexpr int64_t kPoolLanesMaxPixels = 2048;  // padded plane pixels: the buffer stays within L2
constexpr int kPoolLanesMaxTaps = 64;

struct PoolLanesShape {
  int64_t hp = 0, wp = 0;  // padded plane: rows and columns any output or input pixel lands on
};

// Output rows of more than this many columns go to the plane-at-a-time kernels even when
// narrower than a vector: measured on 13 and 14 wide rows at 16 lanes, those are as fast with
// the caches warm and two to three times faster with the input and output in memory (they walk
// one plane at a time, a stream the hardware prefetcher follows; this kernel walks kLanes).
constexpr int64_t kPoolLanesMaxOutWidth = 8;

// Whether the lane kernel serves the window for `planes` planes: output rows narrower than a
// vector and at most kPoolLanesMaxOutWidth wide, at least half a block of planes, a small padded
// plane and window.
inline bool pool_lanes_serves(const PoolRows& q, int lanes, int64_t planes, PoolLanesShape& s) {
  if (q.out_w >= lanes || q.out_w > kPoolLanesMaxOutWidth || 2 * planes < lanes) return false;
  if (q.kh * q.kw > kPoolLanesMaxTaps) return false;
  const int64_t reach_h = (q.out_h - 1) * q.sh + (q.kh - 1) * q.dh + 1;
  const int64_t reach_w = (q.out_w - 1) * q.sw + (q.kw - 1) * q.dw + 1;
  s.hp = q.pt + q.in_h > reach_h ? q.pt + q.in_h : reach_h;
  s.wp = q.pl + q.in_w > reach_w ? q.pl + q.in_w : reach_w;
  return s.hp * s.wp <= kPoolLanesMaxPixels;
}

// Planes src[0, nc) into the buffer's input positions, kLanes flat pixels at a time (lanes past
// nc hold the identity; they are never stored back).
template <class S>
inline void pool_lanes_fill(const PoolRows& q, const PoolLanesShape& s, const float* const* src, int nc,
                            typename S::vf32 ident, float* buf) {
  using V = typename S::vf32;
  constexpr int L = S::kLanes;
  const int64_t in_size = q.in_h * q.in_w;
  int64_t ih = 0, iw = 0;
  for (int64_t f = 0; f < in_size; f += L) {
    const int avail = static_cast<int>(in_size - f < L ? in_size - f : L);
    V r[L];
#pragma GCC unroll 16
    for (int l = 0; l < L; ++l)
      r[l] = l >= nc ? ident : avail == L ? S::load(src[l] + f) : S::load_partial(src[l] + f, avail);
    S::transpose(r);
    for (int k = 0; k < avail; ++k) {
      S::store(buf + ((ih + q.pt) * s.wp + iw + q.pl) * L, r[k]);
      if (++iw == q.in_w) iw = 0, ++ih;
    }
  }
}

// One output pixel of the block: the taps from px (its window's first padded pixel) in row-major
// order. kKh, kKw > 0 fix the window (unrolled).
template <class S, bool kMax, int kKh, int kKw>
inline typename S::vf32 pool_lanes_pixel(const float* px, const int64_t* off, int taps, int64_t row_step,
                                         int64_t col_step, typename S::vf32 a) {
  if constexpr (kKh > 0 && kKw > 0) {
#pragma GCC unroll 8
    for (int i = 0; i < kKh; ++i)
#pragma GCC unroll 8
      for (int j = 0; j < kKw; ++j) {
        const typename S::vf32 v = S::load(px + i * row_step + j * col_step);
        a = kMax ? S::max(v, a) : S::add(a, v);
      }
  } else {
    for (int t = 0; t < taps; ++t) a = kMax ? S::max(S::load(px + off[t]), a) : S::add(a, S::load(px + off[t]));
  }
  return a;
}

template <class S, bool kMax, int kKh, int kKw>
inline void pool_lanes_blocks(const PoolRows& q, const PoolLanesShape& s, const float* count_h, const float* count_w,
                              const float* x, float* y, int64_t p0, int64_t p1) {
  using V = typename S::vf32;
  constexpr int L = S::kLanes;
  const V ident = S::set1(kMax ? kPoolRowsLowest : 0.0f);
  const int64_t in_size = q.in_h * q.in_w, out_size = q.out_h * q.out_w;
  // On a cache line (thread_scratch_f32's): each pixel vector then sits on its own line(s).
  float* buf = thread_scratch_f32(2, s.hp * s.wp * L);
  // The padding is written once: every block overwrites the same input positions.
  for (int64_t i = 0; i < s.hp * s.wp; ++i) S::store(buf + i * L, ident);
  const int taps = static_cast<int>(q.kh * q.kw);
  int64_t off[kPoolLanesMaxTaps];
  for (int64_t i = 0; i < q.kh; ++i)
    for (int64_t j = 0; j < q.kw; ++j) off[i * q.kw + j] = (i * q.dh * s.wp + j * q.dw) * L;
  const int64_t row_step = q.dh * s.wp * L, col_step = q.dw * L;
  for (int64_t c = p0; c < p1; c += L) {
    const int nc = static_cast<int>(p1 - c < L ? p1 - c : L);
    const float* src[L];
    for (int l = 0; l < L; ++l) src[l] = x + (c + (l < nc ? l : 0)) * in_size;
    // This block's output planes and the next block's input planes, contiguous, while this one
    // is filled and computed: read or written kLanes planes at a time, they are kLanes short
    // streams the hardware prefetcher does not follow.
    pool_prefetch<S>(y + c * out_size, nc * out_size);
    pool_lanes_fill<S>(q, s, src, nc, ident, buf);
    if (c + L < p1) pool_prefetch<S>(x + (c + L) * in_size, (p1 - c - L < L ? p1 - c - L : L) * in_size);
    int64_t oh = 0, ow = 0;
    for (int64_t p = 0; p < out_size; p += L) {
      const int n = static_cast<int>(out_size - p < L ? out_size - p : L);
      V tile[L];
      for (int k = 0; k < L; ++k) {
        if (k >= n) {
          tile[k] = ident;  // lanes of no pixel, never stored
          continue;
        }
        const float* px = buf + (oh * q.sh * s.wp + ow * q.sw) * L;
        V v = pool_lanes_pixel<S, kMax, kKh, kKw>(px, off, taps, row_step, col_step, ident);
        if (!kMax) {
          const float d = count_h[oh] * count_w[ow];
          v = S::div(v, S::set1(d > 0.0f ? d : HUGE_VALF));
        }
        tile[k] = v;
        if (++ow == q.out_w) ow = 0, ++oh;
      }
      S::transpose(tile);
      for (int l = 0; l < nc; ++l) {
        float* dst = y + (c + l) * out_size + p;
        if (n == L) {
          S::store(dst, tile[l]);
        } else {
          S::store_partial(dst, tile[l], n);
        }
      }
    }
  }
}

// kernels::pool_f32's contract for the windows pool_lanes_serves accepts.
template <class S, bool kMax>
inline void pool_lanes(const PoolRows& q, const PoolLanesShape& s, const float* count_h, const float* count_w,
                       const float* x, float* y, int64_t p0, int64_t p1) {
  if (q.kh == 3 && q.kw == 3) {
    pool_lanes_blocks<S, kMax, 3, 3>(q, s, count_h, count_w, x, y, p0, p1);
  } else {
    pool_lanes_blocks<S, kMax, 0, 0>(q, s, count_h, count_w, x, y, p0, p1);
  }
}

}  // namespace
}  // namespace onyxrt::kernels
