#pragma once

#include <cstdint>

#include "base/cpu_features.h"
#include "kernels/conv.h"
#include "kernels/conv_direct.h"

namespace onyxrt::kernels {

// One call's worth of direct-convolution tiles: C[i][q] = sum_p W[i][p] * source[offset[p] + q]
// for rows i (output channels) and grid positions q (stored at their output positions), then the
// epilogue on the last K slice.
// W is a PackedMatrixA (MR-row panels, K cut in slices `slice` steps deep, the last one
// shorter: the slice from step s0 of the panel at row r starts at weights + s0 * mpad + r *
// that slice's depth). Every source[offset[p] + q] for
// q < positions is readable, and so are the NR - 1 floats past the last when tail_overread.
struct ConvDirectTiles {
  int64_t k = 0, slice = 0;
  const float* weights = nullptr;
  int64_t m = 0, mpad = 0;
  const float* source = nullptr;
  const int64_t* offset = nullptr;
  int64_t positions = 0;
  bool tail_overread = false;
  float* c = nullptr;
  int64_t ldc = 0;
  // Grid position q = row * cols + col is c's position row * out_w + col, stored only when col <
  // out_w (equal widths: position q is q). cols >= NR when they differ.
  int64_t cols = 0, out_w = 0;
  const float* bias = nullptr;  // per row, or null
  const float* z = nullptr;     // a residual in c's layout (row i, c's position o at z[i * ldc + o]), or null
  bool clamp = false;           // then min(hi, max(lo, v)): NaN stays NaN, as Relu and Clip keep it
  float lo = 0.0f, hi = 0.0f;
};

// Computes rows [m0, m1) x positions [q0, q1) of t (m0 a multiple of MR, q0 of NR).
using ConvDirectTilesFn = void (*)(const ConvDirectTiles& t, int64_t m0, int64_t m1, int64_t q0, int64_t q1);
// Copies channels [c0, c1) of x ([channels, input...] of g) into their stride-phase planes
// (conv/window_planes.h layout, padding zero), channel c at buf + c * channel_stride.
using ConvDirectPlanesFn = void (*)(const ConvGeometry& g, const float* x, int64_t c0, int64_t c1, float* buf,
                                    int64_t channel_stride);

struct ConvDirectF32Variant {
  const char* name;
  IsaTier tier;
  int mr, nr;  // the tile: MR must match the GEMM microkernel that packed the weights
  ConvDirectTilesFn tiles;
  ConvDirectPlanesFn planes;
};

#define CONV_DIRECT_F32_VARIANT(name, tier, mr, nr)                                                     \
  void name##_tiles(const ConvDirectTiles& t, int64_t m0, int64_t m1, int64_t q0, int64_t q1);          \
  void name##_planes(const ConvGeometry& g, const float* x, int64_t c0, int64_t c1, float* buf, int64_t channel_stride);
#include "kernels/conv_direct/conv_direct_f32.inc"
#undef CONV_DIRECT_F32_VARIANT

inline constexpr ConvDirectF32Variant kConvDirectF32Variants[] = {
#define CONV_DIRECT_F32_VARIANT(name, tier, mr, nr) {#name, IsaTier::tier, mr, nr, name##_tiles, name##_planes},
#include "kernels/conv_direct/conv_direct_f32.inc"
#undef CONV_DIRECT_F32_VARIANT
};
static_assert(kConvDirectF32Variants[0].tier == IsaTier::Generic, "conv_direct_f32.inc must list generic first");

// The channels-in-lanes form, for grids whose rows leave the position lanes part empty (7x7,
// 14x14): a tile is R <= rows output positions of one output row (broadcast from the source) x
// NR output channels (vectors of W^T, packed by pack_b_f32 as B panels), transposed in registers
// at the store. Output r (row-major over the output) reads grid position
// r + (r / out_w) * (cols - out_w).
struct ConvDirectTTiles {
  int64_t k = 0, slice = 0;
  const float* weights = nullptr;  // PackedMatrixB data (NR-column panels, K in slices as above)
  int64_t m = 0, npad = 0;         // output channels, rounded up to NR
  const float* source = nullptr;
  const int64_t* offset = nullptr;
  int64_t out_w = 0, cols = 0, outputs = 0;  // output row width, grid row width, output positions
  float* y = nullptr;
  int64_t ldy = 0;                 // channel i, output r at y[i * ldy + r]
  const float* bias = nullptr;
  const float* z = nullptr;        // residual in y's layout, or null
  bool clamp = false;
  float lo = 0.0f, hi = 0.0f;
};

// Computes channels [m0, m1) (m0 a multiple of NR) x output positions [r0, r1).
using ConvDirectTTilesFn = void (*)(const ConvDirectTTiles& t, int64_t m0, int64_t m1, int64_t r0, int64_t r1);

struct ConvDirectTF32Variant {
  const char* name = "none";
  IsaTier tier = IsaTier::Generic;
  int rows = 0, nr = 0;                 // positions per tile (at most), channels per tile
  ConvDirectTTilesFn tiles = nullptr;   // null: no such kernel for this CPU
};

#define CONV_DIRECT_T_F32_VARIANT(name, tier, rows, nr) \
  void name(const ConvDirectTTiles& t, int64_t m0, int64_t m1, int64_t r0, int64_t r1);
#include "kernels/conv_direct/conv_direct_t_f32.inc"
#undef CONV_DIRECT_T_F32_VARIANT

inline constexpr ConvDirectTF32Variant kConvDirectTF32Variants[] = {
    {},  // none: the generic tier has no transposed kernel
#define CONV_DIRECT_T_F32_VARIANT(name, tier, rows, nr) {#name, IsaTier::tier, rows, nr, name},
#include "kernels/conv_direct/conv_direct_t_f32.inc"
#undef CONV_DIRECT_T_F32_VARIANT
};

struct GemmF32Config;

// kernels/conv_direct.h's functions with an explicit variant and the GEMM configuration that
// packed the weights (tests run every variant).
bool conv_direct_f32_supported_with(const ConvDirectF32Variant& v, const GemmF32Config& cfg, const ConvGeometry& g,
                                    const PackedMatrixA& w);
void conv_direct_f32_with(const ConvDirectF32Variant& v, const GemmF32Config& cfg, const ConvGeometry& g,
                          const PackedMatrixA& w, const float* x, float* y, int64_t ldy,
                          const ConvDirectEpilogue& epilogue, int threads);
bool conv_direct_t_f32_supported_with(const ConvDirectTF32Variant& v, const GemmF32Config& cfg, const ConvGeometry& g,
                                      const PackedMatrixB& w);
void conv_direct_t_f32_with(const ConvDirectTF32Variant& v, const ConvDirectF32Variant& planes,
                            const GemmF32Config& cfg, const ConvGeometry& g, const PackedMatrixB& w,
                            const float* x, float* y, int64_t ldy, const ConvDirectEpilogue& epilogue, int threads);

}  // namespace onyxrt::kernels
