// QLinearConv (opset 10): the integer convolution of quantized x and w, plus the int32 bias B,
// requantized per output channel m:
//   y = saturate(round((conv(x - x_zero_point, w - w_zero_point[m]) + B[m]) * x_scale * w_scale[m] / y_scale)
//                + y_zero_point),
// round half to even. x's and y's scale and zero point are per tensor; w's per tensor or per
// output channel. The scale ratio is a float (as the reference computes it), the product double.
#include <algorithm>

#include "base/parallel.h"
#include "ops/elementwise_types.h"
#include "ops/quantization/integer_conv.h"
#include "ops/quantization/quant_params.h"
#include "ops/registry.h"

namespace onyxrt::ops {
namespace {

constexpr TypeSet kInt8Types{DataType::Int8, DataType::UInt8};

template <class Q>
void requantize_channels(const IntegerConvShape& s, const int32_t* acc, const int32_t* bias,
                         const std::vector<double>& multiplier, double zero, Q* y, int threads) {
  double lo = 0, hi = 0;
  quantized_integer_range(data_type_v<Q>, lo, hi);
  const int64_t planes = s.batch * s.m, size = s.out_size;
  parallel_for(planes, std::max<int64_t>(1, 16384 / std::max<int64_t>(1, size)), threads, [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p) {
      const int64_t m = p % s.m;
      const double mult = multiplier[m], b = bias ? bias[m] : 0;
      for (int64_t i = p * size; i < (p + 1) * size; ++i)
        y[i] = static_cast<Q>(quantize_to_range((acc[i] + b) * mult, zero, lo, hi));
    }
  });
}

class QLinearConv final : public OpKernel {
 public:
  explicit QLinearConv(const KernelInfo& info) : conv_(info, 3, 5) {}

  void compute(KernelContext& ctx) const override {
    const Tensor &x = ctx.input(0), &x_scale = ctx.input(1), &x_zero = ctx.input(2);
    const Tensor &w = ctx.input(3), &w_scale = ctx.input(4), &w_zero = ctx.input(5);
    const Tensor &y_scale = ctx.input(6), &y_zero = ctx.input(7);
    const Tensor* bias = ctx.has_input(8) ? &ctx.input(8) : nullptr;
    if (!kInt8Types.contains(y_zero.dtype()))
      ctx.fail(ErrorCode::InvalidArgument, "y_zero_point has type ", data_type_name(y_zero.dtype()),
               ", expected int8 or uint8");
    for (const Tensor* t : {&x_scale, &w_scale, &y_scale})
      if (t->dtype() != DataType::Float)
        ctx.fail(ErrorCode::InvalidArgument, "x_scale, w_scale and y_scale must be float, got ",
                 data_type_name(t->dtype()));
    if (x_scale.size() != 1 || y_scale.size() != 1 || y_zero.size() != 1)
      ctx.fail(ErrorCode::InvalidArgument, "x_scale, y_scale and y_zero_point must hold one value each (per tensor)");
    const int32_t xz = tensor_zero_point(ctx, &x_zero, x, "x_zero_point");
    const IntegerConvShape s = conv_.plan(ctx, x, w);
    const std::vector<int32_t> wz = channel_zero_points(ctx, &w_zero, w, "w_zero_point");
    if (w_scale.size() != 1 && !(w_scale.rank() == 1 && w_scale.size() == s.m))
      ctx.fail(ErrorCode::InvalidArgument, "w_scale has shape ", shape_to_string(w_scale.shape()),
               "; expected one value or one per output channel (", s.m, ")");
    if (bias != nullptr && (bias->dtype() != DataType::Int32 || bias->rank() != 1 || bias->dim(0) != s.m))
      ctx.fail(ErrorCode::InvalidArgument, "B must be int32 of shape [", s.m, "], got ", data_type_name(bias->dtype()),
               " of shape ", shape_to_string(bias->shape()));

    Tensor& y = ctx.output(0, y_zero.dtype(), s.output);
    if (y.size() == 0) return;
    Tensor acc(DataType::Int32, s.output);
    conv_.run(ctx, s, x, xz, w, wz, acc.data<int32_t>());
    const double xs = param_values(ctx, x_scale)[0], ys = param_values(ctx, y_scale)[0];
    const std::vector<double> ws = param_values(ctx, w_scale);
    std::vector<double> multiplier(static_cast<size_t>(s.m));
    for (int64_t m = 0; m < s.m; ++m) multiplier[m] = scale_ratio(xs, ws[ws.size() == 1 ? 0 : m], ys);
    const double yz = param_values(ctx, y_zero)[0];
    const int32_t* bd = bias ? bias->data<int32_t>() : nullptr;
    if (y.dtype() == DataType::Int8) {
      requantize_channels(s, acc.data<int32_t>(), bd, multiplier, yz, y.data<int8_t>(), ctx.threads());
    } else {
      requantize_channels(s, acc.data<int32_t>(), bd, multiplier, yz, y.data<uint8_t>(), ctx.threads());
    }
  }

 private:
  IntegerConv conv_;
};

}  // namespace

void register_qlinear_conv(Registry& r) { r.add({"", "QLinearConv", 10, kInt8Types, make_kernel<QLinearConv>}); }

}  // namespace onyxrt::ops
