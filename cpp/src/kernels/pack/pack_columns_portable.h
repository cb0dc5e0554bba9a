#pragma once

// The portable transposing panel packer (pack/variants.h's contract), shared by the generic
// variant and, for the widths it has no vector path for, every other one.
#include <cstdint>

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
bool pack_columns_fixed_f32(const float* src, int64_t ld, int live, int64_t kc, float* panel) {
  if (live == W) {
    pack_panel_columns_f32<W, true>(src, ld, live, kc, panel);
  } else {
    pack_panel_columns_f32<W, false>(src, ld, live, kc, panel);
  }
  return true;
}

// The widths of pack_f32.cpp's kFixedPanelWidths; false for any other.
inline bool pack_columns_f32_portable(int width, const float* src, int64_t ld, int live, int64_t kc, float* panel) {
  switch (width) {
    case 4: return pack_columns_fixed_f32<4>(src, ld, live, kc, panel);
    case 6: return pack_columns_fixed_f32<6>(src, ld, live, kc, panel);
    case 8: return pack_columns_fixed_f32<8>(src, ld, live, kc, panel);
    case 12: return pack_columns_fixed_f32<12>(src, ld, live, kc, panel);
    case 16: return pack_columns_fixed_f32<16>(src, ld, live, kc, panel);
    case 32: return pack_columns_fixed_f32<32>(src, ld, live, kc, panel);
    default: return false;
  }
}

}  // namespace onyxrt::kernels
