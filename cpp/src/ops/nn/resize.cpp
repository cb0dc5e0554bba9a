// Resize (10, 11, 13, 18, 19): every output value is a weighted average of input values near the
// output position mapped back into the input (ops/nn/resize_plan.h), axis by axis.
//   10: inputs (X, scales); nearest or linear; asymmetric coordinates, the "simple" nearest rule.
//   11: inputs (X, roi, scales, sizes); cubic; coordinate_transformation_mode, nearest_mode,
//       cubic_coeff_a, exclude_outside, extrapolation_value. An empty scales tensor means "use sizes".
//   13: roi and scales may be omitted (empty input names); bfloat16.
//   18: axes (roi, scales and sizes then refer to those axes), antialias, keep_aspect_ratio_policy.
//   19: half_pixel_symmetric.
// With scales, out = floor(in * scale) as onnxruntime and onnx.reference compute it (the roi does
// not enter, although the operator text multiplies by its extent).
#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "ops/elementwise_types.h"
#include "ops/float_staging.h"
#include "ops/nn/resize_apply.h"
#include "ops/registry.h"
#include "ops/tensor/tensor_args.h"

namespace onyxrt::ops {
namespace {

struct ResizeVersion {
  bool roi_and_sizes = false;  // 11
  bool axes = false;           // 18
  bool symmetric = false;      // 19
};

enum class AspectPolicy { Stretch, NotLarger, NotSmaller };

ResizeMode parse_mode(const KernelInfo& info, bool cubic_allowed) {
  const std::string mode = info.attr_string("mode", "nearest");
  if (mode == "nearest") return ResizeMode::Nearest;
  if (mode == "linear") return ResizeMode::Linear;
  if (mode == "cubic" && cubic_allowed) return ResizeMode::Cubic;
  info.fail(ErrorCode::InvalidGraph, "attribute 'mode' is '", mode, "', expected 'nearest', 'linear'",
            cubic_allowed ? " or 'cubic'" : " (cubic needs opset 11)");
}

CoordinateMode parse_coordinate_mode(const KernelInfo& info, const ResizeVersion& v) {
  const std::string name = info.attr_string("coordinate_transformation_mode", "half_pixel");
  static const std::pair<const char*, CoordinateMode> kModes[] = {
      {"half_pixel", CoordinateMode::HalfPixel},
      {"half_pixel_symmetric", CoordinateMode::HalfPixelSymmetric},
      {"pytorch_half_pixel", CoordinateMode::PytorchHalfPixel},
      {"align_corners", CoordinateMode::AlignCorners},
      {"asymmetric", CoordinateMode::Asymmetric},
      // Dropped from the operator text at 13; onnxruntime still runs it, and so do we.
      {"tf_half_pixel_for_nn", CoordinateMode::TfHalfPixelForNN},
      {"tf_crop_and_resize", CoordinateMode::TfCropAndResize},
  };
  for (const auto& [key, mode] : kModes) {
    if (name != key) continue;
    if (mode == CoordinateMode::HalfPixelSymmetric && !v.symmetric)
      info.fail(ErrorCode::InvalidGraph, "coordinate_transformation_mode 'half_pixel_symmetric' needs opset 19");
    return mode;
  }
  info.fail(ErrorCode::InvalidGraph, "attribute 'coordinate_transformation_mode' is '", name,
            "', expected half_pixel, half_pixel_symmetric, pytorch_half_pixel, align_corners, asymmetric, "
            "tf_half_pixel_for_nn or tf_crop_and_resize");
}

NearestMode parse_nearest_mode(const KernelInfo& info) {
  const std::string name = info.attr_string("nearest_mode", "round_prefer_floor");
  if (name == "round_prefer_floor") return NearestMode::RoundPreferFloor;
  if (name == "round_prefer_ceil") return NearestMode::RoundPreferCeil;
  if (name == "floor") return NearestMode::Floor;
  if (name == "ceil") return NearestMode::Ceil;
  info.fail(ErrorCode::InvalidGraph, "attribute 'nearest_mode' is '", name,
            "', expected round_prefer_floor, round_prefer_ceil, floor or ceil");
}

AspectPolicy parse_policy(const KernelInfo& info) {
  const std::string name = info.attr_string("keep_aspect_ratio_policy", "stretch");
  if (name == "stretch") return AspectPolicy::Stretch;
  if (name == "not_larger") return AspectPolicy::NotLarger;
  if (name == "not_smaller") return AspectPolicy::NotSmaller;
  info.fail(ErrorCode::InvalidGraph, "attribute 'keep_aspect_ratio_policy' is '", name,
            "', expected stretch, not_larger or not_smaller");
}

// An attribute of a later version would change the result; refuse it rather than ignore it.
void reject_later_attributes(const KernelInfo& info, std::initializer_list<const char*> names, int since) {
  for (const char* name : names)
    if (info.has_attr(name)) info.fail(ErrorCode::InvalidGraph, "attribute '", name, "' needs opset ", since);
}

class Resize final : public OpKernel {
 public:
  Resize(const KernelInfo& info, ResizeVersion v) : version_(v) {
    options_.mode = parse_mode(info, v.roi_and_sizes);
    if (!v.roi_and_sizes) {
      reject_later_attributes(info, {"coordinate_transformation_mode", "nearest_mode", "cubic_coeff_a",
                                     "exclude_outside", "extrapolation_value"}, 11);
      options_.coordinate = CoordinateMode::Asymmetric;
      options_.nearest = NearestMode::Simple;
      if (!info.has_input(1)) info.fail(ErrorCode::InvalidGraph, "input 'scales' is required");
    } else {
      options_.coordinate = parse_coordinate_mode(info, v);
      options_.nearest = parse_nearest_mode(info);
      options_.cubic_coeff_a = info.attr_float("cubic_coeff_a", -0.75f);
      options_.exclude_outside = info.attr_int("exclude_outside", 0) != 0;
      options_.extrapolation_value = info.attr_float("extrapolation_value", 0.0f);
    }
    if (!v.axes) {
      reject_later_attributes(info, {"axes", "antialias", "keep_aspect_ratio_policy"}, 18);
    } else {
      options_.antialias = info.attr_int("antialias", 0) != 0;
      if (options_.antialias && options_.mode == ResizeMode::Nearest)
        info.fail(ErrorCode::InvalidGraph, "antialias applies to the linear and cubic modes, not to nearest");
      policy_ = parse_policy(info);
      has_axes_ = info.has_attr("axes");
      axes_ = info.attr_ints("axes");
    }
  }

  void compute(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    const int64_t rank = static_cast<int64_t>(x.rank());
    if (rank == 0) ctx.fail(ErrorCode::InvalidArgument, "input 'X' is a scalar; Resize needs rank >= 1");
    std::vector<int64_t> axes = axes_;
    if (has_axes_) {
      normalize_axes(ctx, axes, rank);
    } else {
      axes.resize(static_cast<size_t>(rank));
      for (int64_t d = 0; d < rank; ++d) axes[static_cast<size_t>(d)] = d;
    }
    std::vector<AxisGeometry> geometry(static_cast<size_t>(rank));
    for (int64_t d = 0; d < rank; ++d) geometry[d].in = geometry[d].out = x.dim(static_cast<size_t>(d));

    const size_t scales_index = version_.roi_and_sizes ? 2 : 1;
    const bool has_scales = ctx.has_input(scales_index) && ctx.input(scales_index).size() > 0;
    const bool has_sizes = version_.roi_and_sizes && ctx.has_input(3) && ctx.input(3).size() > 0;
    if (has_scales == has_sizes)
      ctx.fail(ErrorCode::InvalidArgument, has_scales ? "'scales' and 'sizes' are both given; exactly one may be"
                                                      : "one of 'scales' and 'sizes' must be given (non-empty)");
    if (has_scales) {
      apply_scales(ctx, ctx.input(scales_index), axes, geometry);
    } else {
      apply_sizes(ctx, read_int64_list(ctx, 3, "sizes"), axes, geometry);
    }
    if (options_.coordinate == CoordinateMode::TfCropAndResize) apply_roi(ctx, axes, geometry);
    run_resize(ctx, options_, x, geometry);
  }

 private:
  static void check_count(const KernelContext& ctx, const char* what, size_t given, size_t wanted, bool has_axes) {
    if (given != wanted)
      ctx.fail(ErrorCode::InvalidArgument, "'", what, "' has ", given, " values, expected ", wanted,
               has_axes ? " (one per entry of 'axes')" : " (the rank of X)");
  }

  void apply_scales(const KernelContext& ctx, const Tensor& scales, const std::vector<int64_t>& axes,
                    std::vector<AxisGeometry>& geometry) const {
    if (scales.dtype() != DataType::Float)
      ctx.fail(ErrorCode::InvalidArgument, "'scales' has element type ", data_type_name(scales.dtype()),
               ", expected float");
    if (scales.rank() != 1)
      ctx.fail(ErrorCode::InvalidArgument, "'scales' must be 1-D, got shape ", shape_to_string(scales.shape()));
    check_count(ctx, "scales", static_cast<size_t>(scales.size()), axes.size(), has_axes_);
    for (size_t i = 0; i < axes.size(); ++i) {
      const double s = scales.data<float>()[i];
      if (!(s > 0) || !std::isfinite(s))
        ctx.fail(ErrorCode::InvalidArgument, "'scales' must be positive and finite, got ", s, " at index ", i);
      AxisGeometry& g = geometry[static_cast<size_t>(axes[i])];
      g.scale = s;
      g.out = scaled_length(ctx, g.in, s);
    }
  }

  void apply_sizes(const KernelContext& ctx, const std::vector<int64_t>& sizes, const std::vector<int64_t>& axes,
                   std::vector<AxisGeometry>& geometry) const {
    check_count(ctx, "sizes", sizes.size(), axes.size(), has_axes_);
    for (size_t i = 0; i < axes.size(); ++i) {
      AxisGeometry& g = geometry[static_cast<size_t>(axes[i])];
      if (sizes[i] < 0)
        ctx.fail(ErrorCode::InvalidArgument, "'sizes' has a negative value ", sizes[i], " at index ", i);
      if (g.in == 0 && sizes[i] != 0)
        ctx.fail(ErrorCode::InvalidArgument, "'sizes' asks for ", sizes[i], " values along axis ", axes[i],
                 ", which is empty in X");
      g.out = sizes[i];
      g.scale = g.in == 0 ? 1.0 : static_cast<double>(sizes[i]) / static_cast<double>(g.in);
    }
    if (policy_ == AspectPolicy::Stretch) return;
    // One scale for every listed axis: the smallest (not_larger) or largest (not_smaller) ratio.
    double scale = policy_ == AspectPolicy::NotLarger ? std::numeric_limits<double>::infinity() : 0.0;
    for (int64_t axis : axes) {
      const AxisGeometry& g = geometry[static_cast<size_t>(axis)];
      if (g.in == 0) continue;
      scale = policy_ == AspectPolicy::NotLarger ? std::min(scale, g.scale) : std::max(scale, g.scale);
    }
    for (int64_t axis : axes) {
      AxisGeometry& g = geometry[static_cast<size_t>(axis)];
      if (g.in == 0) continue;
      g.scale = scale;
      g.out = scaled_length(ctx, g.in, scale, 0.5);
    }
  }

  // tf_crop_and_resize reads roi = [starts..., ends...], one pair per axis (per entry of axes).
  static void apply_roi(const KernelContext& ctx, const std::vector<int64_t>& axes,
                        std::vector<AxisGeometry>& geometry) {
    if (!ctx.has_input(1) || ctx.input(1).size() == 0)
      ctx.fail(ErrorCode::InvalidArgument, "coordinate_transformation_mode 'tf_crop_and_resize' needs the 'roi' input");
    const Tensor& roi_t = ctx.input(1);
    if (!kFloatTypes.contains(roi_t.dtype()))
      ctx.fail(ErrorCode::InvalidArgument, "'roi' has element type ", data_type_name(roi_t.dtype()),
               ", expected float16, float or double");
    const std::vector<double> roi = values_as_double(roi_t);
    if (roi.size() != 2 * axes.size())
      ctx.fail(ErrorCode::InvalidArgument, "'roi' has ", roi.size(), " values, expected ", 2 * axes.size(),
               " (a start and an end per resized axis)");
    for (size_t i = 0; i < axes.size(); ++i) {
      AxisGeometry& g = geometry[static_cast<size_t>(axes[i])];
      g.roi_start = roi[i];
      g.roi_end = roi[axes.size() + i];
      g.roi_in_float = roi_t.dtype() != DataType::Double;
    }
  }

  ResizeVersion version_;
  ResizeOptions options_;
  AspectPolicy policy_ = AspectPolicy::Stretch;
  std::vector<int64_t> axes_;
  bool has_axes_ = false;
};

template <int Since>
std::unique_ptr<OpKernel> make_resize(const KernelInfo& info) {
  return std::make_unique<Resize>(info, ResizeVersion{Since >= 11, Since >= 18, Since >= 19});
}

}  // namespace

void register_resize(Registry& r) {
  // 11 adds roi / sizes / cubic and the coordinate attributes; 13 makes roi and scales optional
  // (the kernel already treats an omitted or empty one alike) and adds bfloat16.
  r.add({"", "Resize", 10, kWholeByteTypesNoBf16, make_resize<10>});
  r.add({"", "Resize", 11, kWholeByteTypesNoBf16, make_resize<11>});
  r.add({"", "Resize", 13, kWholeByteTypes, make_resize<13>});
  r.add({"", "Resize", 18, kWholeByteTypes, make_resize<18>});
  r.add({"", "Resize", 19, kWholeByteTypes, make_resize<19>});
}

}  // namespace onyxrt::ops
