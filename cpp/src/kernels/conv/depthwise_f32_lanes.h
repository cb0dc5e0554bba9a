#pragma once

// Depthwise 1-D / 2-D convolution with channels in vector lanes, for a block of kLanes output
// channels at a time: their input planes are transposed into one zero-padded buffer of pixel
// vectors (pixel (R, C) of the padded plane at buf[(R * width + C) * kLanes + lane]), each output
// pixel of the block is then acc = bias + sum_t w[t] * buf[pixel + tap t] (one multiply-add per
// tap, every lane useful whatever the plane's shape), and every kLanes output pixels are
// transposed back into the channel planes, the epilogue (residual, clamp) applied on the way.
// Per-channel costs (plane set-up, masked row ends, weight broadcasts) that dominate small planes
// are paid once per block. Big planes go through in strips of output rows whose input rows fit
// the buffer budget, so the buffer stays in cache.
//
// S is the including unit's vector vocabulary extended with min(a, b) (a < b ? a : b) and
// transpose(vf32 r[kLanes]) (r[i][j] <-> r[j][i]), for units whose S sets kLaneKernel.
#include <cstdint>

#include "kernels/conv.h"
#include "kernels/conv/plane_window.h"
#include "kernels/scratch.h"

namespace onyxrt::kernels {
namespace {

struct DwLaneGeometry : PlaneWindow {
  int64_t width = 0;  // padded columns any output reads: (out_w - 1) * sw + (kw - 1) * dw + 1
};

constexpr int kDwLaneMaxTaps = 64;
// Floats of the padded buffer per strip: a few hundred KiB at most, so that it stays in L2
// beside the block's input and output rows.
constexpr int64_t kDwLaneBufferFloats = int64_t{1} << 15;

// False when the window is not one the lane kernel serves (3-D, empty, or a single padded row
// that would not fit the buffer budget).
inline bool make_lane_geometry(const ConvGeometry& g, int lanes, DwLaneGeometry& q) {
  if (!read_plane_window(g, q) || q.kh * q.kw > kDwLaneMaxTaps) return false;
  q.width = (q.out_w - 1) * q.sw + (q.kw - 1) * q.dw + 1;
  const int64_t min_rows = (q.kh - 1) * q.dh + 1;  // one output row's input rows
  return min_rows * q.width * lanes <= kDwLaneBufferFloats;
}

// Zeroes the padded buffer's positions no input pixel lands on, for padded rows [r0, r0 + rows).
template <class S>
inline void lane_clear_border(const DwLaneGeometry& q, float* buf, int64_t r0, int64_t rows) {
  constexpr int L = S::kLanes;
  const typename S::vf32 zero = S::zero();
  const int64_t left = q.pl < q.width ? q.pl : q.width;
  const int64_t right = q.pl + q.in_w < q.width ? q.pl + q.in_w : q.width;
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t ih = r0 + r - q.pt;
    float* row = buf + r * q.width * L;
    if (ih < 0 || ih >= q.in_h) {
      for (int64_t c = 0; c < q.width; ++c) S::store(row + c * L, zero);
      continue;
    }
    for (int64_t c = 0; c < left; ++c) S::store(row + c * L, zero);
    for (int64_t c = right; c < q.width; ++c) S::store(row + c * L, zero);
  }
}

// Transposes input rows [ih0, ih1) of the block's channel planes (src[lane], nc of them) into the
// buffer holding padded rows from r0, kLanes pixels at a time: along each row when rows are at
// least a vector wide, else walking the rows flat (fewer, fuller transposes).
template <class S>
inline void lane_load_pixels(const float* const* src, int nc, int64_t f, int64_t in_size, typename S::vf32* r) {
  constexpr int L = S::kLanes;
  const int avail = static_cast<int>(in_size - f < L ? in_size - f : L);
  for (int l = 0; l < L; ++l) {
    if (l >= nc) {
      r[l] = S::zero();
    } else if (avail == L) {
      r[l] = S::load(src[l] + f);
    } else {
      r[l] = S::load_partial(src[l] + f, avail);
    }
  }
  S::transpose(r);
}

template <class S>
inline void lane_fill(const DwLaneGeometry& q, const float* const* src, int nc, float* buf, int64_t r0, int64_t ih0,
                      int64_t ih1) {
  using V = typename S::vf32;
  constexpr int L = S::kLanes;
  const int64_t in_size = q.in_h * q.in_w;
  const int64_t cols = q.in_w < q.width - q.pl ? q.in_w : q.width - q.pl;  // input columns any output reads
  if (cols <= 0) return;
  V r[L];
  if (q.in_w >= L) {
    for (int64_t ih = ih0; ih < ih1; ++ih) {
      float* row = buf + ((ih + q.pt - r0) * q.width + q.pl) * L;
      for (int64_t iw = 0; iw < cols; iw += L) {
        lane_load_pixels<S>(src, nc, ih * q.in_w + iw, in_size, r);
        if (iw + L <= cols) {
#pragma GCC unroll 16
          for (int k = 0; k < L; ++k) S::store(row + (iw + k) * L, r[k]);
        } else {
          for (int k = 0; k < cols - iw; ++k) S::store(row + (iw + k) * L, r[k]);
        }
      }
    }
    return;
  }
  const int64_t f1 = ih1 * q.in_w;
  int64_t ih = ih0, iw = 0;
  for (int64_t f = ih0 * q.in_w; f < f1; f += L) {
    lane_load_pixels<S>(src, nc, f, in_size, r);
    const int n = static_cast<int>(f1 - f < L ? f1 - f : L);
    for (int k = 0; k < n; ++k) {
      if (iw < cols) S::store(buf + ((ih + q.pt - r0) * q.width + q.pl + iw) * L, r[k]);
      if (++iw == q.in_w) iw = 0, ++ih;
    }
  }
}

// One output pixel of the block: bias + the taps around px (its window's first pixel). kKh, kKw
// > 0 fix the window (rows through three base pointers and a column step, for 3x3).
template <class S, int kKh, int kKw>
inline typename S::vf32 lane_pixel(const float* px, const typename S::vf32* wv, const int64_t* off, int taps,
                                   int64_t row_step, int64_t col_step, typename S::vf32 a) {
  if constexpr (kKh > 0 && kKw > 0) {
#pragma GCC unroll 8
    for (int i = 0; i < kKh; ++i) {
      const float* pr = px + i * row_step;
#pragma GCC unroll 8
      for (int j = 0; j < kKw; ++j) a = S::fmadd(S::load(pr + j * col_step), wv[i * kKw + j], a);
    }
  } else {
    for (int t = 0; t < taps; ++t) a = S::fmadd(S::load(px + off[t]), wv[t], a);
  }
  return a;
}

// Output pixels [p0, p1) (flat, of output rows whose first padded row is r0) of one block into
// its channel planes (dst[lane] = that channel's output plane, zres likewise or null).
template <class S, int kKh, int kKw>
inline void lane_compute(const DwLaneGeometry& q, const float* buf, int64_t r0, const typename S::vf32* wv,
                         const int64_t* off, int taps, typename S::vf32 vb, typename S::vf32 lo, typename S::vf32 hi,
                         float* const* dst, const float* const* zres, int nc, int64_t p0, int64_t p1) {
  using V = typename S::vf32;
  constexpr int L = S::kLanes;
  const int64_t row_step = q.dh * q.width * L, col_step = q.dw * L;
  int64_t oh = p0 / q.out_w, ow = p0 % q.out_w;
  for (int64_t p = p0; p < p1; p += L) {
    const int n = static_cast<int>(p1 - p < L ? p1 - p : L);
    // Window positions first: the unrolled multiply-adds below then run without branches (the
    // lanes past n of a last partial group recompute pixel p and are not stored).
    int64_t pos[L];
    for (int k = 0; k < n; ++k) {
      pos[k] = ((oh * q.sh - r0) * q.width + ow * q.sw) * L;
      if (++ow == q.out_w) ow = 0, ++oh;
    }
    for (int k = n; k < L; ++k) pos[k] = pos[0];
    V tile[L];
#pragma GCC unroll 16
    for (int k = 0; k < L; ++k) tile[k] = lane_pixel<S, kKh, kKw>(buf + pos[k], wv, off, taps, row_step, col_step, vb);
    S::transpose(tile);
    for (int l = 0; l < nc; ++l) {
      V v = tile[l];
      if (zres != nullptr) v = S::add(v, n == L ? S::load(zres[l] + p) : S::load_partial(zres[l] + p, n));
      v = S::min(hi, S::max(lo, v));
      if (n == L) {
        S::store(dst[l] + p, v);
      } else {
        S::store_partial(dst[l] + p, v, n);
      }
    }
  }
}

// Output channels [c0, c1) by blocks of kLanes (the last one partial), kernels::
// depthwise_conv_f32's contract; q from make_lane_geometry.
template <class S, int kKh, int kKw>
inline void depthwise_lanes(const DwLaneGeometry& q, int64_t multiplier, const float* x, const float* w,
                            const float* bias, float* y, int64_t c0, int64_t c1, const DepthwiseEpilogue& ep) {
  using V = typename S::vf32;
  constexpr int L = S::kLanes;
  const int64_t in_size = q.in_h * q.in_w, out_size = q.out_h * q.out_w;
  const int taps = static_cast<int>(q.kh * q.kw);
  // Output rows per strip: as many as keep their input rows within the buffer budget.
  const int64_t row_floats = q.width * L, span = (q.kh - 1) * q.dh + 1;
  int64_t strip = ((kDwLaneBufferFloats / row_floats) - span) / q.sh + 1;
  if (strip > q.out_h) strip = q.out_h;
  if (strip < 1) strip = 1;
  const int64_t buf_rows = (strip - 1) * q.sh + span;
  // On a cache line (thread_scratch_f32's): every pixel vector then sits on its own line(s).
  float* buf = thread_scratch_f32(0, buf_rows * row_floats);
  const bool one_strip = strip == q.out_h;
  if (one_strip) lane_clear_border<S>(q, buf, 0, buf_rows);

  int64_t off[kDwLaneMaxTaps];
  for (int64_t i = 0; i < q.kh; ++i)
    for (int64_t j = 0; j < q.kw; ++j) off[i * q.kw + j] = (i * q.dh * q.width + j * q.dw) * L;
  alignas(64) float wl[kDwLaneMaxTaps * L];
  V wv[kDwLaneMaxTaps];
  const V lo = S::set1(ep.lo), hi = S::set1(ep.hi);

  for (int64_t c = c0; c < c1; c += L) {
    const int nc = static_cast<int>(c1 - c < L ? c1 - c : L);
    const float* src[L];
    float* dst[L];
    const float* zres[L];
    for (int l = 0; l < L; ++l) {
      const int64_t o = c + (l < nc ? l : 0);
      src[l] = x + (o / multiplier) * in_size;
      dst[l] = y + o * out_size;
      zres[l] = ep.z != nullptr ? ep.z + o * out_size : nullptr;
    }
    for (int t = 0; t < taps; ++t) {
      for (int l = 0; l < L; ++l) wl[t * L + l] = l < nc ? w[(c + l) * taps + t] : 0.0f;
      wv[t] = S::load(wl + t * L);
    }
    const V vb = bias != nullptr ? S::load_partial(bias + c, nc) : S::zero();
    for (int64_t oh0 = 0; oh0 < q.out_h; oh0 += strip) {
      const int64_t oh1 = oh0 + strip < q.out_h ? oh0 + strip : q.out_h;
      const int64_t r0 = oh0 * q.sh, rows = (oh1 - 1 - oh0) * q.sh + span;
      if (!one_strip) lane_clear_border<S>(q, buf, r0, rows);
      int64_t ih0 = r0 - q.pt, ih1 = r0 + rows - q.pt;
      if (ih0 < 0) ih0 = 0;
      if (ih1 > q.in_h) ih1 = q.in_h;
      if (ih1 > ih0) lane_fill<S>(q, src, nc, buf, r0, ih0, ih1);
      lane_compute<S, kKh, kKw>(q, buf, r0, wv, off, taps, vb, lo, hi, dst, ep.z != nullptr ? zres : nullptr, nc,
                                oh0 * q.out_w, oh1 * q.out_w);
    }
  }
}

}  // namespace
}  // namespace onyxrt::kernels
