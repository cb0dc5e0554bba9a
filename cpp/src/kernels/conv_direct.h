#pragma once

#include <cstdint>

#include "kernels/conv.h"
#include "kernels/gemm.h"

// Convolution without lowering: the packed-weight GEMM tile of the running CPU, with its B
// operand read from the input itself (a pointwise convolution) or from the input's zero-padded
// stride-phase planes (conv/window_planes.h: any 1-D or 2-D window, stride, dilation, padding),
// so no im2col matrix is written and no B panel is packed per call. It computes the output on
// the planes' grid (each output row padded to the planes' width) and compacts the rows when the
// two differ.
namespace onyxrt::kernels {

// Applied to each output element after the sums, in the unfused graph's order: + bias[row]
// (bias may be null), + z (a residual in y's layout, or null), then, when clamp is set,
// min(hi, max(lo, v)) (Relu: lo = 0, hi = inf; Clip: its bounds). NaN stays NaN, as through the
// operators.
struct ConvDirectEpilogue {
  const float* bias = nullptr;
  const float* z = nullptr;
  bool clamp = false;
  float lo = 0.0f, hi = 0.0f;
};

// Whether conv_direct_f32 serves a convolution of this geometry (g.channels: input channels of
// one group) with weights w packed by pack_a_f32 (w.k() == g.channels * g.kernel_size()).
bool conv_direct_f32_supported(const ConvGeometry& g, const PackedMatrixA& w);

// y[i * ldy + o] = sum over (c, kernel tap) of W[i][c, tap] * x[c][input of output o and tap] +
// epilogue, for the w.m() output channels i of one group and every output position o; x is the
// group's first input channel ([channels, input...]). Runs on at most `threads` threads.
void conv_direct_f32(const ConvGeometry& g, const PackedMatrixA& w, const float* x, float* y, int64_t ldy,
                     const ConvDirectEpilogue& epilogue, int threads);

// The channels-in-lanes form (conv_direct/variants.h, ConvDirectTTiles) with W^T packed by
// pack_b_f32(true, C x kernel, M, W, C x kernel): for the CPUs that have it, and grids whose
// rows would leave the positions-in-lanes tile partly empty. Same results, same contract.
bool conv_direct_t_f32_available();
// Whether the transposed form is expected to be faster for this geometry and m output channels.
bool conv_direct_t_f32_preferred(const ConvGeometry& g, int64_t m);
bool conv_direct_t_f32_supported(const ConvGeometry& g, const PackedMatrixB& w);
void conv_direct_t_f32(const ConvGeometry& g, const PackedMatrixB& w, const float* x, float* y, int64_t ldy,
                       const ConvDirectEpilogue& epilogue, int threads);

const char* conv_direct_f32_kernel_name();

}  // namespace onyxrt::kernels
