// Upsample (7: scales attribute; 9: scales input), deprecated at 10 in favour of Resize but still
// in exported models; a model of a later opset gets the opset-9 kernel, as onnx.reference runs it.
// out = floor(in * scale) with every scale >= 1; nearest or linear over any rank, asymmetric
// coordinates (x = y / scale) and the nearest rule of Resize-10, through the Resize tables.
#include <memory>
#include <string>
#include <vector>

#include "ops/elementwise_types.h"
#include "ops/nn/resize_apply.h"
#include "ops/registry.h"

namespace onyxrt::ops {
namespace {

class Upsample final : public OpKernel {
 public:
  Upsample(const KernelInfo& info, bool scales_input) : scales_input_(scales_input) {
    const std::string mode = info.attr_string("mode", "nearest");
    if (mode == "nearest") {
      options_.mode = ResizeMode::Nearest;
    } else if (mode == "linear") {
      options_.mode = ResizeMode::Linear;
    } else {
      info.fail(ErrorCode::InvalidGraph, "attribute 'mode' is '", mode, "', expected 'nearest' or 'linear'");
    }
    options_.coordinate = CoordinateMode::Asymmetric;
    options_.nearest = NearestMode::Simple;
    if (scales_input_) {
      if (!info.has_input(1)) info.fail(ErrorCode::InvalidGraph, "input 'scales' is required");
      return;
    }
    if (!info.has_attr("scales")) info.fail(ErrorCode::InvalidGraph, "required attribute 'scales' is missing");
    for (float s : info.attr_floats("scales")) scales_.push_back(s);
    for (double s : scales_)
      if (!(s >= 1) || !std::isfinite(s))
        info.fail(ErrorCode::InvalidGraph, "attribute 'scales' must be finite and >= 1, got ", s);
  }

  void compute(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    std::vector<double> scales = scales_;
    if (scales_input_) {
      const Tensor& s = ctx.input(1);
      if (s.dtype() != DataType::Float || s.rank() != 1)
        ctx.fail(ErrorCode::InvalidArgument, "'scales' must be a 1-D float tensor, got ", data_type_name(s.dtype()),
                 " of shape ", shape_to_string(s.shape()));
      scales.assign(s.data<float>(), s.data<float>() + s.size());
      for (double v : scales)
        if (!(v >= 1) || !std::isfinite(v))
          ctx.fail(ErrorCode::InvalidArgument, "'scales' must be finite and >= 1, got ", v);
    }
    if (x.rank() == 0 || scales.size() != x.rank())
      ctx.fail(ErrorCode::InvalidArgument, "'scales' has ", scales.size(), " values, expected one per axis of X (",
               x.rank(), ")");
    std::vector<AxisGeometry> geometry(x.rank());
    for (size_t d = 0; d < x.rank(); ++d) {
      AxisGeometry& g = geometry[d];
      g.in = x.dim(d);
      g.scale = scales[d];
      g.out = scaled_length(ctx, g.in, g.scale);
    }
    run_resize(ctx, options_, x, geometry);
  }

 private:
  bool scales_input_;
  ResizeOptions options_;
  std::vector<double> scales_;
};

template <bool ScalesInput>
std::unique_ptr<OpKernel> make_upsample(const KernelInfo& info) {
  return std::make_unique<Upsample>(info, ScalesInput);
}

}  // namespace

void register_upsample(Registry& r) {
  r.add({"", "Upsample", 7, kWholeByteTypesNoBf16, make_upsample<false>});
  r.add({"", "Upsample", 9, kWholeByteTypesNoBf16, make_upsample<true>});
}

}  // namespace onyxrt::ops
