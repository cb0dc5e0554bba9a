#pragma once

#include <cstdint>
#include <vector>

#include "kernels/conv.h"
#include "ops/kernel.h"

// The sliding-window attributes that Conv and the pooling operators share (auto_pad, pads,
// strides, dilations, kernel_shape, ceil_mode): parsed and checked once when the kernel is built,
// then resolved against each run's input shape into a kernels::ConvGeometry.
namespace onyxrt::ops {

enum class AutoPad { NotSet, SameUpper, SameLower, Valid };

struct WindowAttributes {
  AutoPad auto_pad = AutoPad::NotSet;
  std::vector<int64_t> kernel_shape;  // empty when absent (Conv takes it from W)
  std::vector<int64_t> strides, dilations, pads;  // empty when absent: 1s, 1s, 0s
  bool ceil_mode = false;
};

// Reads the attributes the node has; fails with InvalidGraph naming the node on an unknown
// auto_pad, non-positive kernel dims / strides / dilations, negative pads, or lists whose lengths
// disagree with each other.
WindowAttributes parse_window_attributes(const KernelInfo& info);

// A window resolved for one input: geometry (channels left 0 for the caller) and end pads.
struct WindowPlan {
  kernels::ConvGeometry geometry;
  int64_t pad_end[kernels::kMaxConvSpatialRank] = {};
};

// Resolves the window over the spatial dims of `input` (N, C, spatial...) with the given kernel
// dims. Fails with InvalidArgument naming the node and the input shape when the attribute lists
// do not match the spatial rank or the window does not fit the padded input, and with
// NotImplemented beyond kernels::kMaxConvSpatialRank spatial dims.
WindowPlan resolve_window(const WindowAttributes& attrs, const KernelContext& ctx, const Shape& input,
                          const std::vector<int64_t>& kernel);
// The same at session creation, for a shape known ahead (KernelInfo::static_input_shape).
WindowPlan resolve_window(const WindowAttributes& attrs, const KernelInfo& info, const Shape& input,
                          const std::vector<int64_t>& kernel);

// Spatial axes the pooling kernels handle; fewer are run as leading unit axes.
inline constexpr int kMaxPoolSpatialRank = 3;

// resolve_window with the pool's own kernel_shape, failing with NotImplemented beyond
// kMaxPoolSpatialRank spatial axes.
WindowPlan resolve_pool_window(const WindowAttributes& attrs, const KernelContext& ctx, const Shape& input);

// The output shape: N, `channels`, then the plan's spatial output dims.
Shape window_output_shape(const WindowPlan& plan, int64_t batch, int64_t channels);

}  // namespace onyxrt::ops
