#pragma once

#include <cstdint>
#include <vector>

#include "kernels/conv.h"
#include "ops/kernel.h"
#include "ops/window_geometry.h"

// The integer convolution under ConvInteger and QLinearConv:
//   Y[n, m] (int32) = sum over the window of (x - x_zero_point) * (w[m] - w_zero_point[m]),
// padding counting as x_zero_point (a zero after the subtraction). Lowered as Conv is, per image
// and group, to a product of W[g] with the im2col matrix of the input, here exact in int32.
namespace onyxrt::ops {

struct IntegerConvShape {
  int64_t batch = 0, group = 1, c = 0, c_g = 0, m = 0, m_g = 0, k_g = 0;
  int64_t in_size = 0, out_size = 0;
  kernels::ConvGeometry geometry;
  bool pointwise = false;
  Shape output;
};

class IntegerConv {
 public:
  // Parses the window attributes and 'group'; packs W minus its zero points once when both are
  // session constants (inputs w_input and w_zero_input; the latter may be absent).
  IntegerConv(const KernelInfo& info, size_t w_input, size_t w_zero_input);

  // Checks x and w against each other and the attributes (InvalidArgument naming the shapes).
  IntegerConvShape plan(const KernelContext& ctx, const Tensor& x, const Tensor& w) const;

  // y (int32, s.output) = the convolution. w_zero holds one value or one per output channel.
  void run(const KernelContext& ctx, const IntegerConvShape& s, const Tensor& x, int32_t x_zero, const Tensor& w,
           const std::vector<int32_t>& w_zero, int32_t* y) const;

 private:
  WindowAttributes window_;
  int64_t group_ = 1;
  Shape packed_shape_;
  std::vector<int16_t> packed_w_;  // M x (C/group * kernel), zero points subtracted
};

// The zero point of W as one value or one per output channel: absent (0), one element, or a 1-D
// tensor of `channels` values of W's type; fails with InvalidArgument naming `name` otherwise.
std::vector<int32_t> channel_zero_points(const KernelContext& ctx, const Tensor* zero, const Tensor& w,
                                         const char* name);

// A zero point that must be one value of `like`'s type (absent: 0).
int32_t tensor_zero_point(const KernelContext& ctx, const Tensor* zero, const Tensor& like, const char* name);

}  // namespace onyxrt::ops
