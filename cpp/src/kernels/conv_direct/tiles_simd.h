#pragma once

// Direct convolution written once over a vector vocabulary S (simd/f32_<isa>.h): the GEMM
// microkernel's MR x NV-vector register tile, with the B operand read straight from the input
// planes instead of a packed panel. Step p of the reduction (input channel c, kernel tap t)
// reads NV vectors at source + offset[p] + q, so consecutive grid positions are consecutive
// floats and nothing is lowered or packed per call. Included only from an ISA translation unit;
// everything is local to it (anonymous namespace, no library templates).
#include <cstdint>
#include <utility>

#include "kernels/conv/window_planes.h"
#include "kernels/conv_direct/variants.h"
#include "kernels/conv_direct/source_ahead.h"

namespace onyxrt::kernels {
namespace {

// Where a vector's lanes go: lanes [lo, hi) to row offsets [at, at + hi - lo). A vector of the
// planes' grid holds at most two runs (grid rows at least one vector wide, which the driver
// checks): the end of one output row and the start of the next, the padding columns between
// them stored nowhere.
struct LaneRun {
  int lo, hi;
  int64_t at;
};

// The runs of the `live` lanes from grid position q; returns how many (0 to 2).
template <int L>
inline int lane_runs(const ConvDirectTiles& t, int64_t q, int live, LaneRun (&run)[2]) {
  if (live <= 0) return 0;
  if (t.cols == t.out_w) {
    run[0] = {0, live < L ? live : L, q};
    return 1;
  }
  const int64_t row = q / t.cols, col = q % t.cols;
  const int64_t width = live < L ? live : L;
  int n = 0;
  const int64_t first_hi = t.out_w - col < width ? t.out_w - col : width;
  if (first_hi > 0) run[n++] = {0, static_cast<int>(first_hi), row * t.out_w + col};
  const int64_t next = t.cols - col;  // the lane where the next grid row starts
  if (next < width) {
    const int64_t next_hi = next + t.out_w < width ? next + t.out_w : width;
    run[n++] = {static_cast<int>(next), static_cast<int>(next_hi), (row + 1) * t.out_w};
  }
  return n;
}

template <class S>
inline typename S::vf32 load_runs(const float* row, const LaneRun* run, int n) {
  if (n == 1 && run[0].lo == 0) return S::load_partial(row + run[0].at, run[0].hi);
  typename S::vf32 v = S::zero();
  for (int s = 0; s < n; ++s) v = S::load_lanes(v, row + run[s].at, run[s].lo, run[s].hi);
  return v;
}

template <class S>
inline void store_runs(float* row, typename S::vf32 v, const LaneRun* run, int n) {
  if (n == 1 && run[0].lo == 0) return S::store_partial(row + run[0].at, v, run[0].hi);
  for (int s = 0; s < n; ++s) S::store_lanes(row + run[s].at, v, run[s].lo, run[s].hi);
}

// How far ahead (floats) a panel pair fetches each source row: a pair tile reads one cache line
// per row per step, too little for the hardware prefetcher to run ahead of across 32+ rows
// (32 -> 16 channels at 112 x 112, batch 8: 1.6-1.8 ms without, 1.1 with; 64 and 256 measured
// within noise of 128, 512 slower).
constexpr int kPairPrefetch = 128;

// Reduction steps between a tile's rounds of fetching ahead (TileAhead::step), so the inner
// loop keeps only the arithmetic: a check every step spilled its registers to the stack.
constexpr int64_t kAheadGroup = 8;
inline int64_t ahead_rounds(int64_t steps) { return (steps + kAheadGroup - 1) / kAheadGroup; }

// R rows x NV vectors at grid position q over k steps of one K slice, into rows of c (and z's
// residual rows) at the output offsets of lane_runs. A Tail tile (the grid's last, `live` < NR
// positions) loads only those lanes unless the source may be over-read. A vector that is one
// whole run (the common case) is loaded and stored plainly. With R2 > 0 the tile spans two
// panels: R rows from `a`'s panel and the first R2 rows of the next panel's (`a2`), rows i >= R
// being c's rows R + (i - R) (panels are adjacent in C). `ahead`: this tile's shares of
// fetching the next weight and source blocks, a round every kAheadGroup steps.
template <class S, int MR, int R, int NV, bool Tail, int R2 = 0>
inline void conv_direct_tile(const ConvDirectTiles& t, int64_t k, const float* a, const int64_t* offset, int64_t q,
                             int live, float* c, const float* z, bool first, bool last, TileAhead ahead,
                             const float* a2 = nullptr) {
  using V = typename S::vf32;
  constexpr int L = S::kLanes, RT = R + R2;
  V acc[RT][NV];
#pragma GCC unroll 32
  for (int i = 0; i < RT; ++i)
#pragma GCC unroll 4
    for (int j = 0; j < NV; ++j) acc[i][j] = S::zero();
  const float* src = t.source + q;
  const bool partial_loads = Tail && !t.tail_overread;
  for (int64_t p0 = 0; p0 < k; p0 += kAheadGroup) {
    ahead.step();
    const int64_t p1 = p0 + kAheadGroup < k ? p0 + kAheadGroup : k;
    for (int64_t p = p0; p < p1; ++p, a += MR, a2 += R2 > 0 ? MR : 0) {
      const float* b = src + offset[p];
      V bv[NV];
#pragma GCC unroll 4
      for (int j = 0; j < NV; ++j) bv[j] = partial_loads ? S::load_partial(b + j * L, live - j * L) : S::load(b + j * L);
      if constexpr (R2 > 0) __builtin_prefetch(b + kPairPrefetch);
#pragma GCC unroll 32
      for (int i = 0; i < RT; ++i) {
        const V ai = S::broadcast(i < R ? a + i : a2 + (i - R));
#pragma GCC unroll 4
        for (int j = 0; j < NV; ++j) acc[i][j] = S::fmadd(ai, bv[j], acc[i][j]);
      }
    }
  }
  LaneRun run[NV][2];
  int runs[NV];
  bool whole[NV];  // one run of all L lanes
  for (int j = 0; j < NV; ++j) {
    runs[j] = lane_runs<L>(t, q + j * L, live - j * L, run[j]);
    whole[j] = runs[j] == 1 && run[j][0].lo == 0 && run[j][0].hi == L;
  }
  const V vlo = S::set1(t.lo), vhi = S::set1(t.hi);
#pragma GCC unroll 32
  for (int i = 0; i < RT; ++i) {
    float* row = c + i * t.ldc;
    const float* zrow = last && t.z != nullptr ? z + i * t.ldc : nullptr;
    const V bias = S::set1(last && t.bias != nullptr ? t.bias[i] : 0.0f);
#pragma GCC unroll 4
    for (int j = 0; j < NV; ++j) {
      const LaneRun* r = run[j];
      V v = acc[i][j];
      if (!first) v = S::add(v, whole[j] ? S::load(row + r[0].at) : load_runs<S>(row, r, runs[j]));
      if (last) {
        v = S::add(v, bias);
        if (zrow != nullptr) v = S::add(v, whole[j] ? S::load(zrow + r[0].at) : load_runs<S>(zrow, r, runs[j]));
        if (t.clamp) v = S::min(vhi, S::max(vlo, v));
      }
      if (whole[j]) {
        S::store(row + r[0].at, v);
      } else {
        store_runs<S>(row, v, r, runs[j]);
      }
    }
  }
}

// A conv_direct_tile instance, for the tables that pick one by its row count at run time.
using ConvDirectTileFn = void (*)(const ConvDirectTiles&, int64_t, const float*, const int64_t*, int64_t, int, float*,
                                  const float*, bool, bool, TileAhead, const float*);

// Every R from 1 to MR, picked at run time for the last row panel.
template <class S, int MR, int NV, bool Tail, int... R>
inline void conv_direct_tile_rows(std::integer_sequence<int, R...>, int rows, const ConvDirectTiles& t, int64_t k,
                                  const float* a, const int64_t* offset, int64_t q, int live, float* c,
                                  const float* z, bool first, bool last, TileAhead ahead) {
  static constexpr ConvDirectTileFn kByRows[] = {&conv_direct_tile<S, MR, R + 1, NV, Tail>...};
  kByRows[rows - 1](t, k, a, offset, q, live, c, z, first, last, ahead, nullptr);
}

// The last two panels (a full one and R2 <= MR rows of the next) together, one vector of
// positions at a time: (MR + R2) x 1 accumulators, so the source is read once for both instead
// of twice. When the source is out of cache a pass costs about the same whatever its rows
// (16 or 24 output channels: 12 + 4 or 12 + 12 rows), so two passes cost about twice one.
template <class S, int MR, bool Tail, int... R2>
inline void conv_direct_tile_pair(std::integer_sequence<int, R2...>, int rows2, const ConvDirectTiles& t, int64_t k,
                                  const float* a, const float* a2, const int64_t* offset, int64_t q, int live,
                                  float* c, const float* z, bool first, bool last, TileAhead ahead) {
  static constexpr ConvDirectTileFn kByRows[] = {&conv_direct_tile<S, MR, MR, 1, Tail, R2 + 1>...};
  kByRows[rows2 - 1](t, k, a, offset, q, live, c, z, first, last, ahead, a2);
}

// `source_tile` and `source_tiles`: the pass's first tile among the slice's tiles that share the
// next source block, and their count.
template <class S, int MR>
inline void conv_direct_panel_pair(const ConvDirectTiles& t, int64_t kc, const float* a, const float* a2, int rows2,
                                   const int64_t* offset, int64_t q0, int64_t q1, float* c, const float* z,
                                   bool first, bool last, const float* next, int64_t next_floats,
                                   const SourceBlock& next_source, int64_t source_tile, int64_t source_tiles) {
  constexpr int L = S::kLanes;
  const int64_t tiles = (q1 - q0 + L - 1) / L;
  for (int64_t q = q0; q < q1; q += L) {
    const int live = static_cast<int>(q1 - q < L ? q1 - q : L);
    const int64_t tile = (q - q0) / L;
    const TileAhead ahead{weights_ahead_share(next, next_floats, tile, tiles, ahead_rounds(kc)),
                          source_ahead_share(next_source, source_tile + tile, source_tiles, ahead_rounds(kc))};
    if (live == L) {
      conv_direct_tile_pair<S, MR, false>(std::make_integer_sequence<int, MR>{}, rows2, t, kc, a, a2, offset, q,
                                         live, c, z, first, last, ahead);
    } else {
      conv_direct_tile_pair<S, MR, true>(std::make_integer_sequence<int, MR>{}, rows2, t, kc, a, a2, offset, q,
                                        live, c, z, first, last, ahead);
    }
  }
}

// The source block read after positions [q0, q1) of the K slice at step pc (kc deep): the
// same positions of the next slice, or after the last slice as many positions again from q1, of
// the first (the run's next chunk: run_tiles gives each thread consecutive chunks).
inline SourceBlock next_source_block(const ConvDirectTiles& t, int64_t pc, int64_t kc, int64_t q0, int64_t q1) {
  SourceBlock b;
  if (pc + kc < t.k) {
    b.base = t.source + q0, b.offset = t.offset + pc + kc;
    b.rows = t.k - pc - kc < t.slice ? t.k - pc - kc : t.slice, b.floats = q1 - q0;
  } else if (q1 < t.positions) {
    b.base = t.source + q1, b.offset = t.offset;
    b.rows = t.k < t.slice ? t.k : t.slice;
    b.floats = t.positions - q1 < q1 - q0 ? t.positions - q1 : q1 - q0;
  }
  return b;
}

// ConvDirectTilesFn: K slice by slice (the packed weights' layout), each slice over the row
// panels, each panel over the positions, so a panel's slice of weights is reused from cache
// across the positions and the positions' sources across the panels, and the next panel's
// weights and next block's source fetched meanwhile (weights_ahead.h, source_ahead.h). The last
// two panels of [m0, m1) run as one when the first is full (conv_direct_panel_pair).
template <class S, int MR, int NV>
inline void conv_direct_tiles(const ConvDirectTiles& t, int64_t m0, int64_t m1, int64_t q0, int64_t q1) {
  constexpr int NR = NV * S::kLanes, L = S::kLanes;
  const int64_t depth = t.slice;
  const int64_t tiles = (q1 - q0 + NR - 1) / NR;
  // Every tile of a slice shares the next source block: tiles per panel times the panels, the
  // last two (a pair whenever there are two) counting as one pass of narrower tiles.
  const int64_t panels = (m1 - m0 + MR - 1) / MR;
  const int64_t source_tiles = panels >= 2 ? (panels - 2) * tiles + (q1 - q0 + L - 1) / L : tiles;
  for (int64_t pc = 0; pc < t.k; pc += depth) {
    const int64_t kc = t.k - pc < depth ? t.k - pc : depth;
    const bool first = pc == 0, last = pc + kc >= t.k;
    int64_t next_kc = 0;  // what follows this slice's last block
    const float* next_slice = next_slice_block(t.weights, t.mpad, t.k, depth, pc, kc, m0, next_kc);
    const SourceBlock next_source = next_source_block(t, pc, kc, q0, q1);
    int64_t source_tile = 0;
    for (int64_t i = m0; i < m1; i += MR) {
      const int rows = static_cast<int>(m1 - i < MR ? m1 - i : MR);
      const float* a = t.weights + pc * t.mpad + i * kc;
      ConvDirectTiles row_t = t;
      row_t.bias = t.bias != nullptr ? t.bias + i : nullptr;
      float* c = t.c + i * t.ldc;
      const float* z = t.z != nullptr ? t.z + i * t.ldc : nullptr;
      const int64_t rows_after = m1 - (i + MR);
      if (rows == MR && rows_after > 0 && rows_after <= MR) {
        conv_direct_panel_pair<S, MR>(row_t, kc, a, a + MR * kc, static_cast<int>(rows_after), t.offset + pc, q0, q1,
                                      c, z, first, last, next_slice, 2 * MR * next_kc, next_source, source_tile,
                                      source_tiles);
        break;
      }
      const bool last_panel = i + MR >= m1;
      const float* next = last_panel ? next_slice : a + MR * kc;
      const int64_t next_floats = MR * (last_panel ? next_kc : kc);
      for (int64_t q = q0; q < q1; q += NR) {
        const int live = static_cast<int>(q1 - q < NR ? q1 - q : NR);
        const bool tail = live < NR;
        const TileAhead ahead{weights_ahead_share(next, next_floats, (q - q0) / NR, tiles, ahead_rounds(kc)),
                              source_ahead_share(next_source, source_tile++, source_tiles, ahead_rounds(kc))};
        if (rows == MR && !tail) {
          conv_direct_tile<S, MR, MR, NV, false>(row_t, kc, a, t.offset + pc, q, live, c, z, first, last, ahead);
        } else if (!tail) {
          conv_direct_tile_rows<S, MR, NV, false>(std::make_integer_sequence<int, MR>{}, rows, row_t, kc, a,
                                                  t.offset + pc, q, live, c, z, first, last, ahead);
        } else {
          conv_direct_tile_rows<S, MR, NV, true>(std::make_integer_sequence<int, MR>{}, rows, row_t, kc, a,
                                                 t.offset + pc, q, live, c, z, first, last, ahead);
        }
      }
    }
  }
}

// ConvDirectPlanesFn: every position of each channel's planes written once (zeros where the
// window reaches into the padding, the input elsewhere), so the buffer needs no clearing.
template <class S>
inline void conv_direct_planes(const ConvGeometry& g, const float* x, int64_t c0, int64_t c1, float* buf,
                               int64_t channel_stride) {
  WindowPlanes p;
  if (!make_window_planes(g, p)) return;  // the driver checked
  const int64_t in_size = p.in_h * p.in_w;
  for (int64_t ch = c0; ch < c1; ++ch) {
    const float* xc = x + ch * in_size;
    const float* end = xc + in_size;
    float* planes = buf + ch * channel_stride;
    for (int64_t rp = 0; rp < p.sh; ++rp)
      for (int64_t cp = 0; cp < p.sw; ++cp) {
        const int64_t at = p.plane_at(rp, cp);
        if (at < 0) continue;  // no tap reads this phase
        float* plane = planes + at;
        // Columns j of this phase hold input column j * sw + cp - pad_left: inside for [j_lo, j_hi).
        const int64_t first_iw = cp - p.pad_left;
        int64_t j_lo = first_iw >= 0 ? 0 : (-first_iw + p.sw - 1) / p.sw;
        int64_t j_hi = p.in_w - first_iw > 0 ? (p.in_w - first_iw + p.sw - 1) / p.sw : 0;
        j_lo = j_lo < p.cols ? j_lo : p.cols;
        j_hi = j_hi < p.cols ? j_hi : p.cols;
        if (j_hi < j_lo) j_hi = j_lo;
        for (int64_t r = 0; r < p.rows; ++r) {
          float* row = plane + r * p.cols;
          const int64_t ih = r * p.sh + rp - p.pad_top;
          if (ih < 0 || ih >= p.in_h || j_hi == j_lo) {
            for (int64_t j = 0; j < p.cols; ++j) row[j] = 0.0f;
            continue;
          }
          for (int64_t j = 0; j < j_lo; ++j) row[j] = 0.0f;
          const float* src = xc + ih * p.in_w + (j_lo * p.sw + first_iw);
          const int64_t n = j_hi - j_lo;
          if (p.sw == 1) {
            window_copy<S>(src, end - src, row + j_lo, n);
          } else if (p.sw == 2) {
            window_copy_even<S>(src, end - src, row + j_lo, n);
          } else {
            for (int64_t j = 0; j < n; ++j) row[j_lo + j] = src[j * p.sw];
          }
          for (int64_t j = j_hi; j < p.cols; ++j) row[j] = 0.0f;
        }
      }
    // The last tile's vectors may run past the last plane: keep what they read finite.
    for (int64_t i = p.used_rows * p.used_cols * p.phase_size; i < p.size; ++i) planes[i] = 0.0f;
  }
}

}  // namespace
}  // namespace onyxrt::kernels
