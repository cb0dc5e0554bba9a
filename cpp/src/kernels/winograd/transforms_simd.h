#pragma once

// The Winograd F(4x4, 3x3) transforms written once over a vector vocabulary S
// (kernels/simd/f32_<isa>.h); included only from an ISA translation unit, which instantiates
// them under its own flags. The input transform works on whole rows of tiles (its loops run over
// tiles, contiguous, and vectorize under the unit's flags); the output transform works on
// vectors of output channels and transposes them into rows of the image.
// The interpolation points are 0, 1, -1, 2, -1/2 (and infinity) rather than the usual
// 0, 1, -1, 2, -2: A^T weighs the last point's products by -1/2, 1/4, -1/8 instead of -2, 4,
// -8, and the error simulated over 64-channel sums (float32 against exact) came out 1.7x lower
// on average (2.6e-6 against 4.5e-6 of unit outputs; the direct sum: 2e-7).
//   B^T d:  d0 + 3/2 d1 - 2 d2 - 3/2 d3 + d4,  -d1 - 5/2 d2 - 1/2 d3 + d4,
//           d1 + 1/2 d2 - 5/2 d3 + d4,  -1/2 d1 - d2 + 1/2 d3 + d4,  2 d1 - d2 - 2 d3 + d4,
//           d1 + 3/2 d2 - 2 d3 - 3/2 d4 + d5
//   A^T m:  m0 + (m1 + m2) + (m3 + m4),  (m1 - m2) + 2 m3 - 1/2 m4,
//           (m1 + m2) + 4 m3 + 1/4 m4,  (m1 - m2) + 8 m3 - 1/8 m4 + m5
#include <algorithm>
#include <cstdint>

#include "kernels/winograd/variants.h"

namespace onyxrt::kernels {
namespace {

// out[k * stride + q] = (B^T d)[k] for d = (d0[q], ..., d5[q]), q < n.
inline void winograd_input_columns(const float* d0, const float* d1, const float* d2, const float* d3,
                                   const float* d4, const float* d5, int64_t n, float* out, int64_t stride) {
  float *o0 = out, *o1 = out + stride, *o2 = out + 2 * stride, *o3 = out + 3 * stride, *o4 = out + 4 * stride,
        *o5 = out + 5 * stride;
#pragma GCC ivdep
  for (int64_t q = 0; q < n; ++q) {
    const float a = d1[q], b = d2[q], c = d3[q], d = d4[q];
    o0[q] = d0[q] + 1.5f * (a - c) - 2.0f * b + d;
    o1[q] = d - a - 2.5f * b - 0.5f * c;
    o2[q] = d + a + 0.5f * b - 2.5f * c;
    o3[q] = d - b + 0.5f * (c - a);
    o4[q] = d - b + 2.0f * (a - c);
    o5[q] = d5[q] + a + 1.5f * (b - d) - 2.0f * c;
  }
}

// out[p * width + tx] = row[4 tx + p - pad_left] (0 outside the row), p < 4, tx < width. The
// tiles whose four elements all lie inside the row are copied in one loop over tiles that reads
// each group of four together and writes the four phases (the compiler turns that into
// permutes); the few at either edge, with their padding, element by element.
inline void winograd_split_phases(const float* row, int64_t in_w, int64_t pad_left, int64_t width, float* out) {
  // Tiles [lo, hi) read columns 4 tx - pad_left .. 4 tx - pad_left + 3, all inside [0, in_w).
  const int64_t lo = std::min(width, (pad_left + 3) / 4);
  const int64_t hi = std::max(lo, std::min(width, (in_w + pad_left) / 4));
  float *p0 = out, *p1 = out + width, *p2 = out + 2 * width, *p3 = out + 3 * width;
  auto checked = [&](int64_t tx) {
    for (int p = 0; p < 4; ++p) {
      const int64_t iw = 4 * tx + p - pad_left;
      out[p * width + tx] = iw >= 0 && iw < in_w ? row[iw] : 0.0f;
    }
  };
  for (int64_t tx = 0; tx < lo; ++tx) checked(tx);
  const float* in = row - pad_left;
#pragma GCC ivdep
  for (int64_t tx = lo; tx < hi; ++tx) {
    p0[tx] = in[4 * tx];
    p1[tx] = in[4 * tx + 1];
    p2[tx] = in[4 * tx + 2];
    p3[tx] = in[4 * tx + 3];
  }
  for (int64_t tx = hi; tx < width; ++tx) checked(tx);
}

template <class S>
void winograd_input(const WinogradBand& band, const float* x, float* v, float* work) {
  const int64_t tiles_x = band.tiles_x, width = tiles_x + 1, phases = 4 * width;
  const int64_t plane = band.channels * band.point_tiles;  // floats per point in v
  float* rows = work;                 // [6 input rows][4 phases][width]: rows[j][p][tx] = row j at 4 tx + p
  float* cols = work + 6 * phases;    // [6][4 phases][width]: B^T applied down each column
  for (int64_t c = band.channel_begin; c < band.channel_end; ++c) {
    const float* xc = x + c * band.in_h * band.in_w;
    for (int64_t ty = band.ty0; ty < band.ty1; ++ty) {
      for (int j = 0; j < 6; ++j) {
        float* rj = rows + j * phases;
        const int64_t ih = 4 * ty - band.pad_top + j;
        if (ih < 0 || ih >= band.in_h) {
          std::fill(rj, rj + phases, 0.0f);
          continue;
        }
        const float* row = xc + ih * band.in_w;
        winograd_split_phases(row, band.in_w, band.pad_left, width, rj);
      }
      winograd_input_columns(rows, rows + phases, rows + 2 * phases, rows + 3 * phases, rows + 4 * phases,
                             rows + 5 * phases, phases, cols, phases);
      // Across each row: element j of tile tx is phase j of tx (j < 4), phase j - 4 of tx + 1.
      float* out = v + c * band.point_tiles + band.first_tile + (ty - band.ty0) * tiles_x;
      for (int i = 0; i < 6; ++i) {
        const float* ci = cols + i * phases;
        winograd_input_columns(ci, ci + width, ci + 2 * width, ci + 3 * width, ci + 1, ci + width + 1, tiles_x,
                               out + 6 * i * plane, plane);
      }
    }
  }
}

// A^T applied to (m0, ..., m5) -> o[0..3].
template <class S>
inline void winograd_output_column(const typename S::vf32* m, typename S::vf32* o) {
  using V = typename S::vf32;
  const V sum12 = S::add(m[1], m[2]), dif12 = S::sub(m[1], m[2]);
  o[0] = S::add(S::add(m[0], sum12), S::add(m[3], m[4]));
  o[1] = S::fmadd(S::set1(-0.5f), m[4], S::fmadd(S::set1(2.0f), m[3], dif12));
  o[2] = S::fmadd(S::set1(0.25f), m[4], S::fmadd(S::set1(4.0f), m[3], sum12));
  o[3] = S::add(S::fmadd(S::set1(-0.125f), m[4], S::fmadd(S::set1(8.0f), m[3], dif12)), m[5]);
}

template <class S>
void winograd_output(const WinogradBand& band, const float* prod, const float* bias, const float* z, bool clamp,
                     float lo, float hi, float* y) {
  using V = typename S::vf32;
  constexpr int L = S::kLanes;
  static_assert(L == 8 || L == 16, "a transposed group must hold whole rows of the 4 x 4 block");
  constexpr int kRowsPerGroup = L / 4;
  const int64_t m_out = band.out_channels, tiles = band.tiles(), point = band.point_tiles * m_out;
  const int64_t out_hw = band.out_h * band.out_w;
  const V vlo = S::set1(lo), vhi = S::set1(hi);
  for (int64_t t = 0; t < tiles; ++t) {
    const int64_t ty = band.ty0 + t / band.tiles_x, tx = t % band.tiles_x;
    const int rows = static_cast<int>(std::min<int64_t>(4, band.out_h - 4 * ty));
    const int cols = static_cast<int>(std::min<int64_t>(4, band.out_w - 4 * tx));
    const int64_t at = 4 * ty * band.out_w + 4 * tx;
    for (int64_t o0 = band.channel_begin; o0 < band.channel_end; o0 += L) {
      const int n = static_cast<int>(std::min<int64_t>(L, band.channel_end - o0));
      const float* m = prod + (band.first_tile + t) * m_out + o0;
      V across[4][6];  // A^T down each of the 6 columns
      for (int k = 0; k < 6; ++k) {
        V column[6], o[4];
        for (int i = 0; i < 6; ++i) column[i] = S::load_partial(m + (6 * i + k) * point, n);
        winograd_output_column<S>(column, o);
        for (int i = 0; i < 4; ++i) across[i][k] = o[i];
      }
      const V b = bias != nullptr ? S::load_partial(bias + o0, n) : S::zero();
      V out[16];  // position 4 i + j, channels in lanes
      for (int i = 0; i < 4; ++i) {
        winograd_output_column<S>(across[i], out + 4 * i);
        for (int j = 0; j < 4; ++j) out[4 * i + j] = S::add(out[4 * i + j], b);
      }
      for (int group = 0; group < 16 / L; ++group) {
        V* r = out + group * L;
        S::transpose(r);  // r[c]: channel o0 + c, positions group * L ... in lanes
        for (int c = 0; c < n; ++c) {
          const int64_t channel = (o0 + c) * out_hw + at;
          for (int ri = 0; ri < kRowsPerGroup; ++ri) {
            const int i = group * kRowsPerGroup + ri;
            if (i >= rows) break;
            const int64_t offset = channel + i * band.out_w;
            V value = r[c];
            if (z != nullptr) value = S::add(value, S::load_lanes(S::zero(), z + offset, 4 * ri, 4 * ri + cols));
            if (clamp) value = S::min(vhi, S::max(vlo, value));
            S::store_lanes(y + offset, value, 4 * ri, 4 * ri + cols);
          }
        }
      }
    }
  }
}

}  // namespace
}  // namespace onyxrt::kernels

// The variants of one ISA, named winograd_f32__<isa>_{input,output} as winograd/variants.h
// lists them, over that unit's vocabulary S.
#define ONYXRT_WINOGRAD_F32_DEFINE(isa, S)                                                                   \
  void winograd_f32__##isa##_input(const WinogradBand& band, const float* x, float* v, float* work) {        \
    winograd_input<S>(band, x, v, work);                                                                     \
  }                                                                                                          \
  void winograd_f32__##isa##_output(const WinogradBand& band, const float* prod, const float* bias,          \
                                    const float* z, bool clamp, float lo, float hi, float* y) {              \
    winograd_output<S>(band, prod, bias, z, clamp, lo, hi, y);                                               \
  }
