#pragma once

#include <cstdint>
#include <memory>
#include <vector>

// Convolution in the channel-blocked layout (NCHW16c): a tensor [N, C, H, W] is held as
// [N, ceil(C / 16), H, W, 16], each position's 16 channels of a block side by side, the channels
// past C zero. A reduction step of the kernel broadcasts one input channel at R output positions
// (one cache line per position holds the next 15 steps' values too) and multiplies two vectors of
// 16 output channels' weights: R x 32 accumulators, the weights and the source read in order.
// In NCHW each step of a 1x1 convolution reads a line of a different channel plane, planes
// apart; blocked, ResNet-50's 256 -> 64 1x1 layer at 56 x 56 runs at about 90% of the FMA peak.
// The optimizer's layout stage (optimizer/layout_blocked.cpp) keeps chains of convolutions in this
// layout, reordering only where the chain meets other operators.
namespace onyxrt::kernels {

inline constexpr int64_t kChannelBlock = 16;
inline int64_t channel_blocks(int64_t channels) { return (channels + kChannelBlock - 1) / kChannelBlock; }

// One 2-D convolution (group 1) over blocked images: x [n][channel_blocks(c)][ih][iw][16] into
// y [n][channel_blocks(m)][oh][ow][16]. An input position read is oh * sh - ph + kh * dh (rows)
// and likewise for columns; outside the input it counts as zero.
struct ConvBlockedShape {
  int64_t batch = 1, c = 0, m = 0;
  int64_t ih = 0, iw = 0, oh = 0, ow = 0;
  int64_t kh = 1, kw = 1, sh = 1, sw = 1, dh = 1, dw = 1, ph = 0, pw = 0;
};

// W [m][c][kh][kw] repacked once (at session creation) into panels of two output channel blocks
// (the last one block when their count is odd), each [c blocks][kh][kw][16 inputs][32 outputs],
// zero where a channel is past m or c; the bias (zero when absent) padded to whole blocks. The
// panels come from allocate_buffer, as the GEMM's packed weights: on a cache line (every weight
// vector load one line), under the session's allocation limit, from creation's buffer cache.
struct ConvBlockedWeights {
  int64_t m = 0, c = 0, kh = 0, kw = 0;
  std::shared_ptr<void> storage;
  const float* panels = nullptr;
  std::vector<float> bias;
};
ConvBlockedWeights pack_conv_blocked_weights(const float* w, const float* bias, int64_t m, int64_t c, int64_t kh,
                                             int64_t kw);

// Applied to each output after the sums and the bias: + z (a residual in y's blocked layout, or
// null), then, when clamp is set, min(hi, max(lo, v)) with NaN passing through (Relu: lo = 0,
// hi = inf; Clip: its bounds).
struct ConvBlockedEpilogue {
  const float* z = nullptr;
  bool clamp = false;
  float lo = 0.0f, hi = 0.0f;
};

// y = conv(x, w) + epilogue for every image of s.batch, on at most `threads` threads.
void conv_blocked_f32(const ConvBlockedShape& s, const ConvBlockedWeights& w, const float* x, float* y,
                      const ConvBlockedEpilogue& epilogue, int threads);

// [n][c][positions] <-> [n][channel_blocks(c)][positions][16]; to_blocked writes the padding
// channels as zeros, from_blocked drops them.
void reorder_to_blocked_f32(const float* x, int64_t batch, int64_t c, int64_t positions, float* y, int threads);
void reorder_from_blocked_f32(const float* x, int64_t batch, int64_t c, int64_t positions, float* y, int threads);

// Whether this CPU has the vector kernel (AVX-512); elsewhere conv_blocked_f32 runs a portable
// loop with the same results up to rounding order, and the optimizer leaves models in NCHW.
bool conv_blocked_f32_fast();

}  // namespace onyxrt::kernels
