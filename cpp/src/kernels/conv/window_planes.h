#pragma once

// A 2-D sliding window turned into unit-stride reads: each input plane is copied once into a
// padded buffer split by stride phase, padded row R = ih + pad_top and column C = iw + pad_left
// landing in phase plane (R % sh, C % sw) at (R / sh, C / sw). Only the phases some kernel tap
// reads have a plane: a 1x1 window at stride 2 copies one input position in four, not all.
// Output (oh, ow), at grid position q = oh * cols + ow, then reads kernel tap t at
// buf[tap_offset[t] + q] for every stride, dilation and padding; a run of outputs is a run of
// vector loads. The copies go through the
// including unit's vector vocabulary S (simd/f32_<isa>.h). Grid columns ow >= out_w are
// computed and discarded. Local to the including unit (anonymous namespace, no library
// templates) like the loops that use it (depthwise and pooling kernels of each ISA folder).
#include <cstdint>

#include "kernels/conv.h"

namespace onyxrt::kernels {
namespace {

struct WindowPlanes {
  static constexpr int kMaxTaps = 256;
  static constexpr int kMaxStride = 8;
  // Past the last phase plane: a vector of lanes read beyond the last output may run this far.
  static constexpr int64_t kSlack = 64;
  // Buffers above this many floats (16 MiB) go to the caller's row loops instead.
  static constexpr int64_t kMaxFloats = int64_t{1} << 22;
  int64_t in_h = 1, in_w = 1, out_h = 1, out_w = 1;
  int64_t sh = 1, sw = 1, pad_top = 0, pad_left = 0;
  int64_t rows = 0, cols = 0, phase_size = 0, size = 0;  // size: floats, slack included
  int taps = 0;
  int64_t tap_offset[kMaxTaps];
  // The planes of the phases read, row phases major: row phase rp is the row_slot[rp]-th of the
  // used_rows read, column phase cp the col_slot[cp]-th of used_cols; -1: no tap reads it.
  int64_t used_rows = 0, used_cols = 0;
  int64_t row_slot[kMaxStride], col_slot[kMaxStride];

  // Where phase (rp, cp)'s plane starts in the buffer, or -1 when no tap reads that phase.
  int64_t plane_at(int64_t rp, int64_t cp) const {
    if (row_slot[rp] < 0 || col_slot[cp] < 0) return -1;
    return (row_slot[rp] * used_cols + col_slot[cp]) * phase_size;
  }
};

// Numbers the phases of `stride` that taps 0, dilation, 2 * dilation, ... (`kernel` of them) fall
// on, in increasing order, into slot[0, stride) (-1 for the others); returns how many.
inline int64_t number_used_phases(int64_t kernel, int64_t dilation, int64_t stride, int64_t* slot) {
  for (int64_t f = 0; f < stride; ++f) slot[f] = -1;
  for (int64_t i = 0; i < kernel && i < stride; ++i) slot[i * dilation % stride] = 0;
  int64_t used = 0;
  for (int64_t f = 0; f < stride; ++f)
    if (slot[f] == 0) slot[f] = used++;
  return used;
}

// Fills p for a 1-D or 2-D window (1-D as one row). False when the window is not one this layout
// serves: rank 3 or more, more than kMaxTaps taps, a stride above kMaxStride or a buffer above
// kMaxFloats.
inline bool make_window_planes(const ConvGeometry& g, WindowPlanes& p) {
  if (g.rank < 1 || g.rank > 2) return false;
  const int s = g.rank - 1;  // the width axis
  const int64_t kh = g.rank == 2 ? g.kernel[0] : 1, kw = g.kernel[s];
  const int64_t dh = g.rank == 2 ? g.dilation[0] : 1, dw = g.dilation[s];
  if (kh * kw > WindowPlanes::kMaxTaps || kh < 1 || kw < 1) return false;
  p.in_h = g.rank == 2 ? g.input[0] : 1, p.in_w = g.input[s];
  p.out_h = g.rank == 2 ? g.output[0] : 1, p.out_w = g.output[s];
  p.sh = g.rank == 2 ? g.stride[0] : 1, p.sw = g.stride[s];
  p.pad_top = g.rank == 2 ? g.pad_begin[0] : 0, p.pad_left = g.pad_begin[s];
  if (p.sh < 1 || p.sw < 1 || p.sh > WindowPlanes::kMaxStride || p.sw > WindowPlanes::kMaxStride || p.out_h < 1 ||
      p.out_w < 1)
    return false;
  p.rows = p.out_h + (kh - 1) * dh / p.sh;
  p.cols = p.out_w + (kw - 1) * dw / p.sw;
  p.phase_size = p.rows * p.cols;
  // A kernel of k taps at dilation d reads at most k phases of a stride (the taps' i * d modulo
  // it repeat after `stride` taps).
  p.used_rows = number_used_phases(kh, dh, p.sh, p.row_slot);
  p.used_cols = number_used_phases(kw, dw, p.sw, p.col_slot);
  const int64_t phases = p.used_rows * p.used_cols;
  if (p.phase_size > WindowPlanes::kMaxFloats / phases) return false;
  p.size = phases * p.phase_size + WindowPlanes::kSlack;
  p.taps = static_cast<int>(kh * kw);
  for (int64_t i = 0; i < kh; ++i)
    for (int64_t j = 0; j < kw; ++j) {
      const int64_t r = i * dh, c = j * dw;
      p.tap_offset[i * kw + j] = p.plane_at(r % p.sh, c % p.sw) + (r / p.sh) * p.cols + c / p.sw;
    }
  return true;
}

// Sets every position of buf (p.size floats) to the padding value. Input pixels overwrite the
// same positions for every plane, so one fill serves all planes of a call.
inline void clear_window_planes(const WindowPlanes& p, float* buf, float pad) {
  for (int64_t i = 0; i < p.size; ++i) buf[i] = pad;
}

// dst[t] = src[t] for t < n; src[0, avail) is readable (avail >= n): whole-vector loads past n
// where that stays inside it (masked loads cost more).
template <class S>
inline void window_copy(const float* src, int64_t avail, float* dst, int64_t n) {
  constexpr int L = S::kLanes;
  int64_t t = 0;
  for (; t + L <= n; t += L) S::store(dst + t, S::load(src + t));
  if (t < n) {
    const int64_t left = avail - t;
    S::store_partial(dst + t, S::load_partial(src + t, static_cast<int>(left < L ? left : L)), static_cast<int>(n - t));
  }
}

// dst[t] = src[2 * t] for t < n; src[0, avail) is readable (avail >= 2 * n - 1).
template <class S>
inline void window_copy_even(const float* src, int64_t avail, float* dst, int64_t n) {
  constexpr int L = S::kLanes;
  int64_t t = 0;
  for (; t + L <= n && 2 * (t + L) <= avail; t += L) S::store(dst + t, S::even(S::load(src + 2 * t), S::load(src + 2 * t + L)));
  if (t < n) {
    const int64_t left = avail - 2 * t;  // readable from src + 2 * t
    const int a = static_cast<int>(left < L ? left : L), b = static_cast<int>(left - L < L ? left - L : L);
    const auto v = S::even(S::load_partial(src + 2 * t, a), S::load_partial(src + 2 * t + L, b));
    S::store_partial(dst + t, v, static_cast<int>(n - t));
  }
}

// Copies one input plane (in_h x in_w) into its positions of buf; positions no output reads
// (beyond rows / cols) are skipped.
template <class S>
inline void load_window_planes(const WindowPlanes& p, const float* x, float* buf) {
  // Column phase c holds inputs iw0[c], iw0[c] + sw, ... from position pos0[c] on: n[c] of them.
  int64_t iw0[WindowPlanes::kMaxStride], pos0[WindowPlanes::kMaxStride], count[WindowPlanes::kMaxStride];
  for (int64_t c = 0; c < p.sw; ++c) {
    iw0[c] = ((c - p.pad_left) % p.sw + p.sw) % p.sw;
    pos0[c] = (iw0[c] + p.pad_left) / p.sw;
    const int64_t n = iw0[c] < p.in_w && p.col_slot[c] >= 0 ? (p.in_w - iw0[c] + p.sw - 1) / p.sw : 0;
    count[c] = n < p.cols - pos0[c] ? n : p.cols - pos0[c];
  }
  int64_t rp = p.pad_top % p.sh, pr = p.pad_top / p.sh;  // row phase and position of input row ih
  const float* end = x + p.in_h * p.in_w;  // rows are read past their end up to here
  for (int64_t ih = 0; ih < p.in_h && pr < p.rows; ++ih) {
    const float* src = x + ih * p.in_w;
    for (int64_t c = 0; c < p.sw; ++c) {
      if (count[c] <= 0 || p.row_slot[rp] < 0) continue;  // nothing of this row, or no tap reads its phase
      float* dst = buf + p.plane_at(rp, c) + pr * p.cols + pos0[c];
      if (p.sw == 1) {
        window_copy<S>(src, end - src, dst, count[c]);
      } else if (p.sw == 2) {
        window_copy_even<S>(src + iw0[c], end - (src + iw0[c]), dst, count[c]);
      } else {
        for (int64_t t = 0; t < count[c]; ++t) dst[t] = src[iw0[c] + t * p.sw];
      }
    }
    if (++rp == p.sh) rp = 0, ++pr;
  }
}

// Where the vectors of a run of grid positions go. A row run (one output row: out_w positions
// from the row's start) stores them contiguously, the last one partially.
template <class S>
struct WindowRowSink {
  float* y;
  int64_t n;  // positions in the run
  void put(int64_t i, typename S::vf32 v) {  // the vector of run offsets [i, i + kLanes)
    if (i + S::kLanes <= n) {
      S::store(y + i, v);
    } else {
      S::store_partial(y + i, v, static_cast<int>(n - i));
    }
  }
};

// A flat run over the whole grid, (out_h - 1) * cols + out_w positions from 0, vectors handed
// over in order: each vector's lanes are cut at the row ends, the grid columns >= out_w dropped.
template <class S>
struct WindowGridSink {
  const WindowPlanes& p;
  float* y;
  int64_t row_start = 0, y_row = 0;  // grid and output position of the current row's column 0
  void put(int64_t q, typename S::vf32 v) {
    constexpr int L = S::kLanes;
    while (y_row < p.out_h * p.out_w) {
      const int64_t lo = row_start > q ? row_start : q;
      const int64_t hi = row_start + p.out_w < q + L ? row_start + p.out_w : q + L;
      if (hi > lo) {
        float* dst = y + y_row + (lo - row_start);
        if (lo == q && hi == q + L) {
          S::store(dst, v);
        } else if (lo == q) {
          S::store_partial(dst, v, static_cast<int>(hi - q));
        } else {
          S::store_lanes(dst, v, static_cast<int>(lo - q), static_cast<int>(hi - q));
        }
      }
      if (row_start + p.cols > q + L) break;  // the row goes on in the next vector
      row_start += p.cols, y_row += p.out_w;
    }
  }
};

// Whether one call computes the whole grid as one flat run (WindowGridSink) rather than a run
// per output row: fewer vectors when rows are narrow against the vector width.
inline bool window_planes_flat(const WindowPlanes& p, int lanes) {
  const int64_t row_vectors = p.out_h * ((p.out_w + lanes - 1) / lanes);
  const int64_t flat_vectors = ((p.out_h - 1) * p.cols + p.out_w + lanes - 1) / lanes;
  return flat_vectors < row_vectors;
}

}  // namespace
}  // namespace onyxrt::kernels
