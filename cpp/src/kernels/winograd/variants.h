#pragma once

#include <cstdint>

#include "base/cpu_features.h"

// The ISA-specific halves of the Winograd convolution (kernels/winograd.h): the input transform
// of a band of tile rows and the output transform of their GEMM results.
namespace onyxrt::kernels {

// A band of tile rows [ty0, ty1) of one image: which inputs its tiles read and which outputs
// they write. Tile (ty, tx) covers outputs [4 ty, 4 ty + 4) x [4 tx, 4 tx + 4) and reads inputs
// from (4 ty - pad_top, 4 tx - pad_left), 6 x 6 of them (zero outside the image). The band's
// tiles are columns [first_tile, first_tile + tiles()) of GEMM operands that hold point_tiles
// tiles per point, so that the bands of several images share one set of point GEMMs.
struct WinogradBand {
  int64_t channels = 0, out_channels = 0;
  int64_t in_h = 0, in_w = 0, out_h = 0, out_w = 0;
  int64_t pad_top = 0, pad_left = 0;
  int64_t tiles_x = 0, ty0 = 0, ty1 = 0;
  int64_t first_tile = 0, point_tiles = 0;
  // The channels a call covers: input channels for the input transform, output channels for
  // the output one (so that threads can share a band's transforms by channels: split by tiles,
  // they would write parts of the same cache lines of v).
  int64_t channel_begin = 0, channel_end = 0;
  int64_t tiles() const { return (ty1 - ty0) * tiles_x; }
};

// v[e][c][first_tile + t] (point e = 6 i + k, channel c in [channel_begin, channel_end), tile t of
// the band in row-major order; channels * point_tiles floats per point e) = (B^T d B)[i][k] of
// the tile's input block d in channel c.
// work: at least 48 * (tiles_x + 1) floats.
using WinogradInputF32Fn = void (*)(const WinogradBand& band, const float* x, float* v, float* work);
// For every tile t of the band and output channel o in [channel_begin, channel_end): the 4 x 4
// outputs A^T m A of
// m[e] = prod[e][first_tile + t][o] (rows of out_channels values, point_tiles rows per point),
// plus bias[o], plus Z, clamped to [lo, hi] when clamp; only the outputs inside the image are
// written (Z read just before each).
using WinogradOutputF32Fn = void (*)(const WinogradBand& band, const float* prod, const float* bias, const float* z,
                                     bool clamp, float lo, float hi, float* y);

struct WinogradF32Variant {
  const char* name;
  IsaTier tier;
  WinogradInputF32Fn input;
  WinogradOutputF32Fn output;
};

#define WINOGRAD_F32_KERNEL(name, tier)                                                           \
  void name##_input(const WinogradBand& band, const float* x, float* v, float* work);             \
  void name##_output(const WinogradBand& band, const float* prod, const float* bias, const float* z, \
                     bool clamp, float lo, float hi, float* y);
#include "kernels/winograd/winograd_f32.inc"
#undef WINOGRAD_F32_KERNEL

inline constexpr WinogradF32Variant kWinogradF32Variants[] = {
#define WINOGRAD_F32_KERNEL(name, tier) {#name, IsaTier::tier, name##_input, name##_output},
#include "kernels/winograd/winograd_f32.inc"
#undef WINOGRAD_F32_KERNEL
};
static_assert(kWinogradF32Variants[0].tier == IsaTier::Generic,
              "winograd_f32.inc must list the generic variant first");

}  // namespace onyxrt::kernels
