#pragma once

#include <cstdint>
#include <vector>

#include "kernels/conv.h"
#include "kernels/conv_direct.h"
#include "kernels/gemm.h"

// 3x3 convolution (stride 1, dilation 1, one group, 2-D) by Winograd's F(4x4, 3x3): each 4x4
// block of outputs comes from a 6x6 block of inputs as Y = A^T [U . V] A, with U = G w G^T the
// weights and V = B^T d B the input block transformed to 36 points. Per point the channel sums
// are one GEMM (tiles x C times C x M), so a 3x3 convolution costs 36 multiply-adds per 16
// outputs instead of 144. Rounding differs from the direct sum (up to a few 1e-6 of the
// output's magnitude against below 1e-6): tests/ops/test_conv_winograd.py bounds it.
namespace onyxrt::kernels {

// U for each of the 36 points as a GEMM right operand (C x M), packed once at session creation.
class WinogradWeightsF32 {
 public:
  static constexpr int kPoints = 36;
  WinogradWeightsF32() = default;
  // w: [m, c, 3, 3] float. The transform runs in double.
  WinogradWeightsF32(const float* w, int64_t m, int64_t c);
  bool empty() const { return points_.empty(); }
  int64_t m() const { return m_; }
  int64_t c() const { return c_; }
  const PackedMatrixB& point(int e) const { return points_[static_cast<size_t>(e)]; }

 private:
  std::vector<PackedMatrixB> points_;
  int64_t m_ = 0, c_ = 0;
};

// Whether winograd_conv_f32 computes this geometry (g.channels: input channels of the one group).
bool winograd_f32_supported(const ConvGeometry& g);

// y ([batch, m, output...]) = conv(x ([batch, c, input...]), W) + epilogue (bias per channel,
// then Z, shaped as y, then the clamp), on up to `threads` threads. The tiles of several images
// share the point GEMMs, so small planes reuse each transformed weight as large ones do. Bands
// of tile rows go to the threads one each when there are enough; otherwise the threads share
// each band by channels, so that none reads the whole weights for a few tiles.
void winograd_conv_f32(const ConvGeometry& g, const WinogradWeightsF32& w, int64_t batch, const float* x, float* y,
                       const ConvDirectEpilogue& epilogue, int threads);

}  // namespace onyxrt::kernels
