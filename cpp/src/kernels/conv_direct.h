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

const char* conv_direct_f32_kernel_name();

}  // namespace onyxrt::kernels
