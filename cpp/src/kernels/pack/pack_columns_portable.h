#pragma once

// The portable transposing panel packer (pack/variants.h's contract), shared by the generic
// variant and, for the widths it has no vector path for, every other one.
#include <cstdint>
#include <type_traits>

namespace onyxrt::kernels {

// Columns is a transpose, done in W x depth tiles so that each source row is read a run of
// `depth` values at a time; the per-element gather (one value of every row per step) reads each
// line W times, and re-fetches it from L2 when the rows alias in L1 (ld a multiple of 1024
// floats: every row of a 4096 x 9216 weight), 2.7x slower at W = 32. Two tile shapes, each the
// faster one for its widths (measured on Zen 4):
//  - wide panels (B's NR = 16, 32): a whole 64-byte line per row, scattered straight into the
//    tile's steps, which stay in L1 while the tile is done (a line must be used up at once when
//    W aliasing rows would evict it in between). Staging the tile in a local array first
//    measured ~1.5x slower here.
//  - narrow panels (A's MR = 4..12): 8 values per row staged in a local W x 8 array, then
//    written out as 8 contiguous W-wide steps (~15% faster than the scatter at W = 6).
constexpr int kWideTileDepth = 16, kNarrowTileDepth = 8;

// Full: live == W known at compile time (every panel but the last), so the row loops have fixed
// trip counts and the narrow tile stays in registers.
template <int W, bool Full>
inline void pack_panel_columns_f32(const float* src, int64_t ld, int live, int64_t kc, float* panel) {
  const int rows = Full ? W : live;
  constexpr bool wide = W >= 16;
  constexpr int depth = wide ? kWideTileDepth : kNarrowTileDepth;
  int64_t p = 0;
  for (; p + depth <= kc; p += depth) {
    float* d = panel + p * W;
    if constexpr (wide) {
      for (int i = 0; i < rows; ++i)
        for (int q = 0; q < depth; ++q) d[q * W + i] = src[i * ld + p + q];
      for (int i = rows; i < W; ++i)
        for (int q = 0; q < depth; ++q) d[q * W + i] = 0.0f;
    } else {
      float tile[W][depth];
      for (int i = 0; i < rows; ++i)
        for (int q = 0; q < depth; ++q) tile[i][q] = src[i * ld + p + q];
      for (int i = rows; i < W; ++i)
        for (int q = 0; q < depth; ++q) tile[i][q] = 0.0f;
      for (int q = 0; q < depth; ++q)
        for (int i = 0; i < W; ++i) d[q * W + i] = tile[i][q];
    }
  }
  for (; p < kc; ++p) {
    float* d = panel + p * W;
    for (int i = 0; i < rows; ++i) d[i] = src[i * ld + p];
    for (int i = rows; i < W; ++i) d[i] = 0.0f;
  }
}

template <int W>
void pack_columns_fixed_f32(const float* src, int64_t ld, int live, int64_t kc, float* panel) {
  if (live == W) {
    pack_panel_columns_f32<W, true>(src, ld, live, kc, panel);
  } else {
    pack_panel_columns_f32<W, false>(src, ld, live, kc, panel);
  }
}

// Calls fn(std::integral_constant<int, W>{}) for a width W with a fixed-size packing path (every
// MR and NR of gemm_f32.inc, which pack_f32.cpp checks) and returns true; false for any other
// width, which takes the run-time-width loop.
template <class Fn>
constexpr bool with_fixed_panel_width(int width, Fn&& fn) {
  switch (width) {
    case 4: return fn(std::integral_constant<int, 4>{}), true;
    case 6: return fn(std::integral_constant<int, 6>{}), true;
    case 8: return fn(std::integral_constant<int, 8>{}), true;
    case 12: return fn(std::integral_constant<int, 12>{}), true;
    case 16: return fn(std::integral_constant<int, 16>{}), true;
    case 32: return fn(std::integral_constant<int, 32>{}), true;
    default: return false;
  }
}

inline bool pack_columns_f32_portable(int width, const float* src, int64_t ld, int live, int64_t kc, float* panel) {
  return with_fixed_panel_width(width, [&](auto w) { pack_columns_fixed_f32<decltype(w)::value>(src, ld, live, kc, panel); });
}

}  // namespace onyxrt::kernels
