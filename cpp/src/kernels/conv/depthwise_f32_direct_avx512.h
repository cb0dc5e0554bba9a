#pragma once

// Four depthwise kernels that read the input planes where they are, AVX-512 only.
//
// Flat: stride 1 where output rows are as wide as input rows ("same" width padding, MobileNet's
// 3x3 pad 1), for planes too narrow for the row kernel (7 x 7) and 1-D windows: output q =
// (oh, ow) of a plane reads tap (i, j) at input index q + (i * dh - pt) * W + (j * dw - pl), so 16
// consecutive outputs of the flat plane, whatever their rows, are one load per tap; the lanes
// whose tap falls in the padding (row above / below the plane, column wrapping into the next row)
// are masked off and read as zero. No copy, no transpose, every lane useful for any plane width.
//
// Stride-1 rows: at stride 1 with 3x3 or 5x5 windows, a 16-column strip of four output rows at a
// time: each input row the four need is loaded once (two loads, masked at the row's ends, the
// column taps' shifts made in registers) and feeds every one of the four accumulators it is a tap
// row of, so an output vector costs a fraction of the flat kernel's loads. For rows at least 12
// wide.
//
// Stride-2 rows: at width stride 2, 16 outputs of an output row read, for each tap, 16 even lanes
// of the 32 input columns from the tap's first one: two (masked) loads and one two-source
// permute (3-wide windows: taps 0 and 1 share their loads as even and odd lanes), no plane
// copy. Masks zero the columns outside the row; rows outside the plane are skipped.
//
// Packed stride-2 rows: at width stride 2 with output rows 4 to 8 wide (MobileNet's 14x14 ->
// 7x7), 2 to 4 output rows share one vector; see dw_s2_packed_channels.
//
// Include only from kernels/x86_avx512/ (compiled with its flags); local to that unit.
#include <immintrin.h>

#include <cstdint>

#include "kernels/conv.h"
#include "kernels/conv_direct/weights_ahead.h"

namespace onyxrt::kernels {
namespace {

constexpr int kDwFlatMaxTaps = 25;

// The output vector's live lanes. A whole vector goes out as a plain store: on AMD Zen 5 a
// masked store, even with every lane set, ran this file's kernels about twice as slow when the
// output plane does not fit in L2 (144 x 56 x 56 at stride 1: 504 -> 226-285 us).
inline void dw_store(float* p, __mmask16 live, __m512 v) {
  if (live == 0xFFFF) {
    _mm512_storeu_ps(p, v);
  } else {
    _mm512_mask_storeu_ps(p, live, v);
  }
}

// Output channel o of the kernels below: its input plane (channel o / multiplier), output and
// residual planes and bias; its `taps` weights are broadcast into wv.
struct DwChannel {
  const float* x;
  float* y;
  const float* z;
  __m512 bias;
};
inline DwChannel dw_channel(int64_t o, int64_t multiplier, const float* x, const float* w, const float* bias, float* y,
                            const DepthwiseEpilogue& ep, int64_t in_size, int64_t out_size, int taps, __m512* wv) {
  for (int t = 0; t < taps; ++t) wv[t] = _mm512_set1_ps(w[o * taps + t]);
  return {x + (o / multiplier) * in_size, y + o * out_size, ep.z != nullptr ? ep.z + o * out_size : nullptr,
          _mm512_set1_ps(bias != nullptr ? bias[o] : 0.0f)};
}

// The banded kernels below read a plane's input rows band by band, each band's rows as 16-column
// strips down the rows, so the hardware prefetchers see many short strided streams rather than
// one sequential one. When the input comes from L3 (a producer's output too big for L2), the
// next band's rows (contiguous in the plane; after a channel's last band, the next channel's first
// ones) are fetched explicitly, a few lines per step of the current band (conv_direct's
// WeightsAhead, which does the same for the next weight block). MobileNetV2 at batch 8,
// 1 thread (medians of six processes): 96 x 112 x 112 stride 2 went 3.31 -> 2.73 ms, 144 x 56 x
// 56 stride 2 0.95 -> 0.80 ms, 144 x 56 x 56 stride 1 2.05 -> 1.92 ms; at batch 1, 2 threads,
// the first 172 -> 148 us.
// Where the banded kernels' next band of input rows lies: band rows of output a band, their
// input rows from row stride sh, top padding pt and `span` rows a window.
struct DwBands {
  const float* x;  // the image's first input channel
  int64_t multiplier, in_size, c1, H, W, OH, sh, pt, span, band;

  // Input rows [r0, r1) of output rows [oh0, oh1), clipped to the plane.
  void input_rows(int64_t oh0, int64_t oh1, int64_t& r0, int64_t& r1) const {
    r0 = oh0 * sh - pt, r1 = (oh1 - 1) * sh - pt + span;
    if (r0 < 0) r0 = 0;
    if (r1 > H) r1 = H;
  }
  // For the band [oh_band, oh_end) of channel o (input plane xc): the rows the next band reads
  // beyond this one's, or the next channel's first band after the last, over `steps` steps.
  WeightsAhead next(int64_t o, const float* xc, int64_t oh_band, int64_t oh_end, int64_t steps) const {
    int64_t cur0, cur1, r0, r1;
    input_rows(oh_band, oh_end, cur0, cur1);
    if (oh_end < OH) {
      input_rows(oh_end, oh_end + band < OH ? oh_end + band : OH, r0, r1);
      if (r0 < cur1) r0 = cur1;
    } else if (o + 1 < c1) {
      input_rows(0, band < OH ? band : OH, r0, r1);
      xc = x + ((o + 1) / multiplier) * in_size;
    } else {
      return WeightsAhead();
    }
    return r1 > r0 ? weights_ahead_share(xc + r0 * W, (r1 - r0) * W, 0, 1, steps) : WeightsAhead();
  }
};

// Whether the flat kernel serves the window: rank 1 or 2, stride 1, output width = input width,
// at most kDwFlatMaxTaps taps (their weights stay in registers).
inline bool dw_flat_serves(const ConvGeometry& g) {
  if (g.rank < 1 || g.rank > 2) return false;
  for (int d = 0; d < g.rank; ++d)
    if (g.stride[d] != 1 || g.output[d] < 1 || g.input[d] < 1) return false;
  const int s = g.rank - 1;
  return g.output[s] == g.input[s] && g.kernel_size() <= kDwFlatMaxTaps && g.input_size() < (int64_t{1} << 30);
}

template <int kKh, int kKw>
inline void dw_flat_channels(const ConvGeometry& g, int64_t multiplier, const float* x, const float* w,
                             const float* bias, float* y, int64_t c0, int64_t c1, const DepthwiseEpilogue& ep) {
  const int s = g.rank - 1;
  const int64_t H = g.rank == 2 ? g.input[0] : 1, W = g.input[s], OH = g.rank == 2 ? g.output[0] : 1;
  const int kh = kKh > 0 ? kKh : static_cast<int>(g.rank == 2 ? g.kernel[0] : 1);
  const int kw = kKw > 0 ? kKw : static_cast<int>(g.kernel[s]);
  const int64_t dh = g.rank == 2 ? g.dilation[0] : 1, dw = g.dilation[s];
  const int64_t pt = g.rank == 2 ? g.pad_begin[0] : 0, pl = g.pad_begin[s];
  const int taps = kh * kw;
  const int64_t in_size = H * W, out_size = OH * W;
  int64_t off[kDwFlatMaxTaps];
  __m512i rowd[kDwFlatMaxTaps], cold[kDwFlatMaxTaps];  // -(tap's row / column shift), per row / column
  for (int i = 0; i < kh; ++i) {
    rowd[i] = _mm512_set1_epi32(static_cast<int>(i * dh - pt));
    for (int j = 0; j < kw; ++j) off[i * kw + j] = (i * dh - pt) * W + (j * dw - pl);
  }
  for (int j = 0; j < kw; ++j) cold[j] = _mm512_set1_epi32(static_cast<int>(j * dw - pl));
  const __m512i vh = _mm512_set1_epi32(static_cast<int>(H)), vw = _mm512_set1_epi32(static_cast<int>(W));
  // Row and column of the 16 outputs from q = 0, and how a step of 16 moves them.
  alignas(64) int32_t r0[16], col0[16];
  for (int l = 0; l < 16; ++l) r0[l] = static_cast<int32_t>(l / W), col0[l] = static_cast<int32_t>(l % W);
  const __m512i step_r = _mm512_set1_epi32(static_cast<int>(16 / W)),
                step_c = _mm512_set1_epi32(static_cast<int>(16 % W));
  const __m512i one = _mm512_set1_epi32(1);
  const __m512 lo = _mm512_set1_ps(ep.lo), hi = _mm512_set1_ps(ep.hi);
  for (int64_t o = c0; o < c1; ++o) {
    __m512 wv[kDwFlatMaxTaps];
    const auto [xc, yc, zc, vb] = dw_channel(o, multiplier, x, w, bias, y, ep, in_size, out_size, taps, wv);
    __m512i row = _mm512_load_si512(r0), col = _mm512_load_si512(col0);
    for (int64_t q = 0; q < out_size; q += 16) {
      const int64_t left = out_size - q;
      const __mmask16 live = left >= 16 ? static_cast<__mmask16>(0xFFFF) : static_cast<__mmask16>((1u << left) - 1u);
      __mmask16 rm[kDwFlatMaxTaps], cm[kDwFlatMaxTaps];
      for (int i = 0; i < kh; ++i)  // 0 <= row + shift < H, as one unsigned compare
        rm[i] = _mm512_mask_cmplt_epu32_mask(live, _mm512_add_epi32(row, rowd[i]), vh);
      for (int j = 0; j < kw; ++j) cm[j] = _mm512_cmplt_epu32_mask(_mm512_add_epi32(col, cold[j]), vw);
      // Three partial sums for a fixed window (its loop unrolled, the sums stay in registers): a
      // chain of taps multiply-adds would hold the next outputs' loads back.
      __m512 acc[3] = {vb, _mm512_setzero_ps(), _mm512_setzero_ps()};
      if constexpr (kKh > 0 && kKw > 0) {
#pragma GCC unroll 25
        for (int i = 0; i < kKh; ++i)
#pragma GCC unroll 5
          for (int j = 0; j < kKw; ++j) {
            const int t = i * kKw + j;
            acc[t % 3] = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(rm[i] & cm[j], xc + q + off[t]), wv[t], acc[t % 3]);
          }
        acc[0] = _mm512_add_ps(acc[0], _mm512_add_ps(acc[1], acc[2]));
      } else {
        for (int i = 0; i < kh; ++i)
          for (int j = 0; j < kw; ++j) {
            const int t = i * kw + j;
            acc[0] = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(rm[i] & cm[j], xc + q + off[t]), wv[t], acc[0]);
          }
      }
      __m512 v = acc[0];
      if (zc != nullptr) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(live, zc + q));
      v = _mm512_maskz_min_ps(static_cast<__mmask16>(0xFFFF), hi,
                              _mm512_maskz_max_ps(static_cast<__mmask16>(0xFFFF), lo, v));
      dw_store(yc + q, live, v);
      row = _mm512_add_epi32(row, step_r), col = _mm512_add_epi32(col, step_c);
      const __mmask16 wrap = _mm512_cmpge_epi32_mask(col, vw);
      col = _mm512_mask_sub_epi32(col, wrap, col, vw), row = _mm512_mask_add_epi32(row, wrap, row, one);
    }
  }
}

// kernels::depthwise_conv_f32's contract for the windows dw_flat_serves accepts.
inline void dw_flat(const ConvGeometry& g, int64_t multiplier, const float* x, const float* w, const float* bias,
                    float* y, int64_t c0, int64_t c1, const DepthwiseEpilogue& ep) {
  const int s = g.rank - 1;
  const int64_t kh = g.rank == 2 ? g.kernel[0] : 1, kw = g.kernel[s];
  if (kh == 3 && kw == 3) {
    dw_flat_channels<3, 3>(g, multiplier, x, w, bias, y, c0, c1, ep);
  } else if (kh == 5 && kw == 5) {
    dw_flat_channels<5, 5>(g, multiplier, x, w, bias, y, c0, c1, ep);
  } else if (kh == 1 && kw == 3) {
    dw_flat_channels<1, 3>(g, multiplier, x, w, bias, y, c0, c1, ep);
  } else if (kh == 1 && kw == 5) {
    dw_flat_channels<1, 5>(g, multiplier, x, w, bias, y, c0, c1, ep);
  } else {
    dw_flat_channels<0, 0>(g, multiplier, x, w, bias, y, c0, c1, ep);
  }
}

// Whether the stride-1 row kernel serves the window: rank 2, stride 1, no row dilation, a 3x3 or
// 5x5 window, output rows at least 12 wide.
inline bool dw_s1_rows_serves(const ConvGeometry& g) {
  if (g.rank != 2 || g.stride[0] != 1 || g.stride[1] != 1 || g.dilation[0] != 1) return false;
  if (g.kernel[0] != g.kernel[1] || (g.kernel[0] != 3 && g.kernel[0] != 5)) return false;
  for (int d = 0; d < 2; ++d)
    if (g.output[d] < 1 || g.input[d] < 1 || g.pad_begin[d] < 0) return false;
  return g.output[1] >= 12 && g.input[1] < (int64_t{1} << 30);
}

// Lanes j .. j + 15 of the 32 lanes a:b (a first), 1 <= j <= 4. The all-lanes mask form, for
// the reason F32Avx512::max gives.
inline __m512 dw_shift_lanes(__m512 a, __m512 b, int j) {
  constexpr __mmask16 all = 0xFFFF;
  const __m512i ai = _mm512_castps_si512(a), bi = _mm512_castps_si512(b);
  switch (j) {
    case 1: return _mm512_castsi512_ps(_mm512_maskz_alignr_epi32(all, bi, ai, 1));
    case 2: return _mm512_castsi512_ps(_mm512_maskz_alignr_epi32(all, bi, ai, 2));
    case 3: return _mm512_castsi512_ps(_mm512_maskz_alignr_epi32(all, bi, ai, 3));
    default: return _mm512_castsi512_ps(_mm512_maskz_alignr_epi32(all, bi, ai, 4));
  }
}

template <int kK>
inline void dw_s1_rows_channels(const ConvGeometry& g, int64_t multiplier, const float* x, const float* w,
                                const float* bias, float* y, int64_t c0, int64_t c1, const DepthwiseEpilogue& ep) {
  constexpr int R = 4;  // output rows per strip step
  constexpr int64_t kBandRows = 4 * R;
  const int64_t H = g.input[0], W = g.input[1], OH = g.output[0], OW = g.output[1];
  const int64_t dw = g.dilation[1], pt = g.pad_begin[0], pl = g.pad_begin[1];
  const int64_t in_size = H * W, out_size = OH * OW;
  const bool adjacent = dw == 1;
  const __m512i iota = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  const __m512i vw = _mm512_set1_epi32(static_cast<int>(W));
  const __m512 lo = _mm512_set1_ps(ep.lo), hi = _mm512_set1_ps(ep.hi);
  const DwBands bands{x, multiplier, in_size, c1, H, W, OH, 1, pt, kK, kBandRows};
  for (int64_t o = c0; o < c1; ++o) {
    __m512 wv[kK * kK];
    const auto [xc, yc, zc, vb] = dw_channel(o, multiplier, x, w, bias, y, ep, in_size, out_size, kK * kK, wv);
    // Bands of output rows, the strips of a band one after the other: the input streams through
    // once, top to bottom, and a band's rows stay in L1 across its strips. Strips down the whole
    // plane instead read it once per strip, a miss per row when it comes from L3 (a producer's
    // output): 144x56x56 took 0.30 ms in MobileNetV2 against 0.19 in bands.
    for (int64_t oh_band = 0; oh_band < OH; oh_band += kBandRows) {
      const int64_t oh_end = OH - oh_band < kBandRows ? OH : oh_band + kBandRows;
      WeightsAhead next = bands.next(o, xc, oh_band, oh_end, (OW + 15) / 16 * ((oh_end - oh_band + R - 1) / R));
      for (int64_t ow0 = 0; ow0 < OW; ow0 += 16) {
        int64_t c_first[kK];
        __mmask16 m[kK];
        for (int j = 0; j < kK; ++j) {
          c_first[j] = ow0 + j * dw - pl;
          m[j] = _mm512_cmplt_epu32_mask(_mm512_add_epi32(iota, _mm512_set1_epi32(static_cast<int>(c_first[j]))), vw);
        }
        const __mmask16 m_next =
            _mm512_cmplt_epu32_mask(_mm512_add_epi32(iota, _mm512_set1_epi32(static_cast<int>(c_first[0] + 16))), vw);
        const int64_t n = OW - ow0 < 16 ? OW - ow0 : 16;
        const __mmask16 live = static_cast<__mmask16>(n == 16 ? 0xFFFFu : (1u << n) - 1u);
        for (int64_t oh0 = oh_band; oh0 < oh_end; oh0 += R) {
          next.step();
          __m512 acc[R];
          for (int r = 0; r < R; ++r) acc[r] = vb;
          // Input row oh0 - pt + k is tap row i of output row oh0 + k - i.
#pragma GCC unroll 8
          for (int k = 0; k < R + kK - 1; ++k) {
            const int64_t ih = oh0 - pt + k;
            if (ih < 0 || ih >= H) continue;
            const float* row = xc + ih * W;
            __m512 v[kK];
            if (adjacent) {
              // The 16 + kK - 1 columns from the first tap's: two loads, the shifts in registers.
              const __m512 a = _mm512_maskz_loadu_ps(m[0], row + c_first[0]);
              const __m512 b = _mm512_maskz_loadu_ps(m_next, row + c_first[0] + 16);
              v[0] = a;
#pragma GCC unroll 5
              for (int j = 1; j < kK; ++j) v[j] = dw_shift_lanes(a, b, j);
            } else {
#pragma GCC unroll 5
              for (int j = 0; j < kK; ++j) v[j] = _mm512_maskz_loadu_ps(m[j], row + c_first[j]);
            }
#pragma GCC unroll 5
            for (int j = 0; j < kK; ++j)
#pragma GCC unroll 5
              for (int i = 0; i < kK; ++i) {
                const int r = k - i;
                if (r >= 0 && r < R) acc[r] = _mm512_fmadd_ps(v[j], wv[i * kK + j], acc[r]);
              }
          }
          const int rows = OH - oh0 < R ? static_cast<int>(OH - oh0) : R;
          for (int r = 0; r < rows; ++r) {
            const int64_t at = (oh0 + r) * OW + ow0;
            __m512 v = acc[r];
            if (zc != nullptr) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(live, zc + at));
            v = _mm512_maskz_min_ps(static_cast<__mmask16>(0xFFFF), hi,
                                    _mm512_maskz_max_ps(static_cast<__mmask16>(0xFFFF), lo, v));
            dw_store(yc + at, live, v);
          }
        }
      }
    }
  }
}

inline void dw_s1_rows(const ConvGeometry& g, int64_t multiplier, const float* x, const float* w, const float* bias,
                       float* y, int64_t c0, int64_t c1, const DepthwiseEpilogue& ep) {
  if (g.kernel[0] == 3) {
    dw_s1_rows_channels<3>(g, multiplier, x, w, bias, y, c0, c1, ep);
  } else {
    dw_s1_rows_channels<5>(g, multiplier, x, w, bias, y, c0, c1, ep);
  }
}

// Whether the stride-2 row kernel serves the window: rank 1 or 2, width stride 2, at most
// kDwFlatMaxTaps taps, output rows at least 12 wide (narrower ones leave too many lanes idle).
inline bool dw_s2_serves(const ConvGeometry& g) {
  if (g.rank < 1 || g.rank > 2 || g.kernel_size() > kDwFlatMaxTaps) return false;
  const int s = g.rank - 1;
  for (int d = 0; d < g.rank; ++d)
    if (g.stride[d] < 1 || g.output[d] < 1 || g.input[d] < 1 || g.pad_begin[d] < 0) return false;
  return g.stride[s] == 2 && g.output[s] >= 12 && g.input[s] < (int64_t{1} << 30);
}

template <int kKh, int kKw>
inline void dw_s2_channels(const ConvGeometry& g, int64_t multiplier, const float* x, const float* w, const float* bias,
                           float* y, int64_t c0, int64_t c1, const DepthwiseEpilogue& ep) {
  const int s = g.rank - 1;
  const int64_t H = g.rank == 2 ? g.input[0] : 1, W = g.input[s];
  const int64_t OH = g.rank == 2 ? g.output[0] : 1, OW = g.output[s];
  const int kh = kKh > 0 ? kKh : static_cast<int>(g.rank == 2 ? g.kernel[0] : 1);
  const int kw = kKw > 0 ? kKw : static_cast<int>(g.kernel[s]);
  const int64_t sh = g.rank == 2 ? g.stride[0] : 1, dh = g.rank == 2 ? g.dilation[0] : 1, dw = g.dilation[s];
  const int64_t pt = g.rank == 2 ? g.pad_begin[0] : 0, pl = g.pad_begin[s];
  const int taps = kh * kw;
  const int64_t in_size = H * W, out_size = OH * OW;
  constexpr int64_t kBandRows = 8;
  const __m512i iota = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  const __m512i odd = _mm512_add_epi32(even, _mm512_set1_epi32(1));
  const bool adjacent = dw == 1;
  const __m512i vw = _mm512_set1_epi32(static_cast<int>(W)), sixteen = _mm512_set1_epi32(16);
  const __m512 lo = _mm512_set1_ps(ep.lo), hi = _mm512_set1_ps(ep.hi);
  const DwBands bands{x, multiplier, in_size, c1, H, W, OH, sh, pt, (kh - 1) * dh + 1, kBandRows};
  for (int64_t o = c0; o < c1; ++o) {
    __m512 wv[kDwFlatMaxTaps];
    const auto [xc, yc, zc, vb] = dw_channel(o, multiplier, x, w, bias, y, ep, in_size, out_size, taps, wv);
    for (int64_t oh_band = 0; oh_band < OH; oh_band += kBandRows) {  // as dw_s1_rows_channels
      const int64_t oh_end = OH - oh_band < kBandRows ? OH : oh_band + kBandRows;
      WeightsAhead next = bands.next(o, xc, oh_band, oh_end, (OW + 15) / 16 * (oh_end - oh_band));
      for (int64_t ow0 = 0; ow0 < OW; ow0 += 16) {
        // Per column tap j: the first input column and the masks of the two loads' lanes inside the row.
        int64_t c_first[kDwFlatMaxTaps];
        __mmask16 m0[kDwFlatMaxTaps], m1[kDwFlatMaxTaps];
        for (int j = 0; j < kw; ++j) {
          c_first[j] = 2 * ow0 + j * dw - pl;
          const __m512i cols = _mm512_add_epi32(iota, _mm512_set1_epi32(static_cast<int>(c_first[j])));
          m0[j] = _mm512_cmplt_epu32_mask(cols, vw);
          m1[j] = _mm512_cmplt_epu32_mask(_mm512_add_epi32(cols, sixteen), vw);
        }
        const int64_t n = OW - ow0 < 16 ? OW - ow0 : 16;
        const __mmask16 live = static_cast<__mmask16>(n == 16 ? 0xFFFFu : (1u << n) - 1u);
        for (int64_t oh = oh_band; oh < oh_end; ++oh) {
          next.step();
          __m512 acc[2] = {vb, _mm512_setzero_ps()};
#pragma GCC unroll 5
          for (int i = 0; i < kh; ++i) {
            const int64_t ih = oh * sh + i * dh - pt;
            if (ih < 0 || ih >= H) continue;
            const float* row = xc + ih * W;
            if (kKw == 3 && adjacent) {
              // Taps 0 and 1 are the even and odd lanes of the same 32 columns.
              const float* p = row + c_first[0];
              const __m512 a = _mm512_maskz_loadu_ps(m0[0], p), b = _mm512_maskz_loadu_ps(m1[0], p + 16);
              acc[0] = _mm512_fmadd_ps(_mm512_permutex2var_ps(a, even, b), wv[i * 3], acc[0]);
              acc[1] = _mm512_fmadd_ps(_mm512_permutex2var_ps(a, odd, b), wv[i * 3 + 1], acc[1]);
              const float* p2 = row + c_first[2];
              const __m512 c = _mm512_maskz_loadu_ps(m0[2], p2), d = _mm512_maskz_loadu_ps(m1[2], p2 + 16);
              acc[0] = _mm512_fmadd_ps(_mm512_permutex2var_ps(c, even, d), wv[i * 3 + 2], acc[0]);
              continue;
            }
#pragma GCC unroll 5
            for (int j = 0; j < kw; ++j) {
              const float* p = row + c_first[j];
              const __m512 a = _mm512_maskz_loadu_ps(m0[j], p), b = _mm512_maskz_loadu_ps(m1[j], p + 16);
              acc[j & 1] = _mm512_fmadd_ps(_mm512_permutex2var_ps(a, even, b), wv[i * kw + j], acc[j & 1]);
            }
          }
          __m512 v = _mm512_add_ps(acc[0], acc[1]);
          float* dst = yc + oh * OW + ow0;
          if (zc != nullptr) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(live, zc + oh * OW + ow0));
          v = _mm512_maskz_min_ps(static_cast<__mmask16>(0xFFFF), hi,
                                  _mm512_maskz_max_ps(static_cast<__mmask16>(0xFFFF), lo, v));
          dw_store(dst, live, v);
        }
      }
    }
  }
}

// Whether the packed stride-2 kernel serves the window: rank 2, width stride 2, output rows 4
// to 8 wide, so that 2 to 4 of them fill one vector, and at most 9 taps: a load and a permute per
// tap and row cost more than the channels-in-lanes kernel's transposes beyond (5x5, 240x14x14:
// 0.034 ms there, 0.047 here; 3x3, 576x14x14: 0.044 there, 0.029 here).
constexpr int kDwPackedMaxTaps = 9;
inline bool dw_s2_packed_serves(const ConvGeometry& g) {
  if (g.rank != 2 || g.kernel_size() > kDwPackedMaxTaps) return false;
  for (int d = 0; d < 2; ++d)
    if (g.stride[d] < 1 || g.output[d] < 1 || g.input[d] < 1 || g.pad_begin[d] < 0) return false;
  return g.stride[1] == 2 && g.output[1] >= 4 && g.output[1] <= 8 && g.input[1] < (int64_t{1} << 30);
}

// kP output rows of OW <= 16 / kP columns in one vector, lane l serving row l / OW, column
// l % OW, so the 7-wide rows of a 14x14 -> 7x7 layer fill 14 lanes, not 7 of 16. Output rows are
// contiguous in the plane: the kP rows are one store. Each row's taps are one load of the 16
// input columns from the tap's first (2 (OW - 1) < 16), its even lanes moved into the row's
// lanes by a permute, and a multiply-add masked to them.
template <int kP, int kKh, int kKw>
inline void dw_s2_packed_channels(const ConvGeometry& g, int64_t multiplier, const float* x, const float* w,
                                  const float* bias, float* y, int64_t c0, int64_t c1, const DepthwiseEpilogue& ep) {
  const int64_t H = g.input[0], W = g.input[1], OH = g.output[0], OW = g.output[1];
  const int kh = kKh > 0 ? kKh : static_cast<int>(g.kernel[0]);
  const int kw = kKw > 0 ? kKw : static_cast<int>(g.kernel[1]);
  const int64_t sh = g.stride[0], dh = g.dilation[0], dw = g.dilation[1], pt = g.pad_begin[0], pl = g.pad_begin[1];
  const int taps = kh * kw;
  const int64_t in_size = H * W, out_size = OH * OW;
  alignas(64) int32_t even_of_lane[16];
  for (int l = 0; l < 16; ++l) even_of_lane[l] = static_cast<int32_t>(2 * (l % OW));
  const __m512i idx = _mm512_load_si512(even_of_lane);
  __mmask16 row_lanes[kP];
  for (int p = 0; p < kP; ++p) row_lanes[p] = static_cast<__mmask16>(((1u << OW) - 1u) << (p * OW));
  const __m512i iota = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  const __m512i vw = _mm512_set1_epi32(static_cast<int>(W));
  int64_t c_first[kDwPackedMaxTaps];
  __mmask16 cols_inside[kDwPackedMaxTaps];
  for (int j = 0; j < kw; ++j) {
    c_first[j] = j * dw - pl;
    cols_inside[j] =
        _mm512_cmplt_epu32_mask(_mm512_add_epi32(iota, _mm512_set1_epi32(static_cast<int>(c_first[j]))), vw);
  }
  const __m512 lo = _mm512_set1_ps(ep.lo), hi = _mm512_set1_ps(ep.hi);
  for (int64_t o = c0; o < c1; ++o) {
    __m512 wv[kDwPackedMaxTaps];
    const auto [xc, yc, zc, vb] = dw_channel(o, multiplier, x, w, bias, y, ep, in_size, out_size, taps, wv);
    for (int64_t oh0 = 0; oh0 < OH; oh0 += kP) {
      // One accumulator per packed row: their lanes are disjoint, and the rows' chains of
      // multiply-adds run side by side.
      __m512 acc[kP];
      for (int p = 0; p < kP; ++p) acc[p] = _mm512_setzero_ps();
#pragma GCC unroll 5
      for (int i = 0; i < kh; ++i) {
#pragma GCC unroll 4
        for (int p = 0; p < kP; ++p) {
          const int64_t ih = (oh0 + p) * sh + i * dh - pt;
          if (ih < 0 || ih >= H) continue;  // also the rows past OH of the last group
          const float* row = xc + ih * W;
#pragma GCC unroll 5
          for (int j = 0; j < kw; ++j) {
            const __m512 a = _mm512_maskz_loadu_ps(cols_inside[j], row + c_first[j]);
            // The all-lanes mask form of the permute, for the reason F32Avx512::max gives.
            const __m512 even = _mm512_maskz_permutexvar_ps(static_cast<__mmask16>(0xFFFF), idx, a);
            acc[p] = _mm512_mask3_fmadd_ps(even, wv[i * kw + j], acc[p], row_lanes[p]);
          }
        }
      }
      __m512 v = vb;
      for (int p = 0; p < kP; ++p) v = _mm512_add_ps(v, acc[p]);
      const int64_t rows = OH - oh0 < kP ? OH - oh0 : kP;
      const __mmask16 live = static_cast<__mmask16>((1u << (rows * OW)) - 1u);
      if (zc != nullptr) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(live, zc + oh0 * OW));
      v = _mm512_maskz_min_ps(static_cast<__mmask16>(0xFFFF), hi,
                              _mm512_maskz_max_ps(static_cast<__mmask16>(0xFFFF), lo, v));
      dw_store(yc + oh0 * OW, live, v);
    }
  }
}

template <int kP>
inline void dw_s2_packed_rows(const ConvGeometry& g, int64_t multiplier, const float* x, const float* w,
                              const float* bias, float* y, int64_t c0, int64_t c1, const DepthwiseEpilogue& ep) {
  if (g.kernel[0] == 3 && g.kernel[1] == 3) {
    dw_s2_packed_channels<kP, 3, 3>(g, multiplier, x, w, bias, y, c0, c1, ep);
  } else {
    dw_s2_packed_channels<kP, 0, 0>(g, multiplier, x, w, bias, y, c0, c1, ep);
  }
}

inline void dw_s2_packed(const ConvGeometry& g, int64_t multiplier, const float* x, const float* w, const float* bias,
                         float* y, int64_t c0, int64_t c1, const DepthwiseEpilogue& ep) {
  switch (16 / g.output[1]) {
    case 2: dw_s2_packed_rows<2>(g, multiplier, x, w, bias, y, c0, c1, ep); break;
    case 3: dw_s2_packed_rows<3>(g, multiplier, x, w, bias, y, c0, c1, ep); break;
    default: dw_s2_packed_rows<4>(g, multiplier, x, w, bias, y, c0, c1, ep);
  }
}

inline void dw_s2(const ConvGeometry& g, int64_t multiplier, const float* x, const float* w, const float* bias,
                  float* y, int64_t c0, int64_t c1, const DepthwiseEpilogue& ep) {
  const int s = g.rank - 1;
  const int64_t kh = g.rank == 2 ? g.kernel[0] : 1, kw = g.kernel[s];
  if (kh == 3 && kw == 3) {
    dw_s2_channels<3, 3>(g, multiplier, x, w, bias, y, c0, c1, ep);
  } else if (kh == 5 && kw == 5) {
    dw_s2_channels<5, 5>(g, multiplier, x, w, bias, y, c0, c1, ep);
  } else {
    dw_s2_channels<0, 0>(g, multiplier, x, w, bias, y, c0, c1, ep);
  }
}

}  // namespace
}  // namespace onyxrt::kernels
