// onnxruntime's GELU contrib ops (com.microsoft, opset 1), as it defines them; the optimizer's
// fuse_gelu rule emits them, and onnxruntime loads what it writes.
//   Gelu(X)             = X (1 + erf(X / sqrt 2)) / 2
//   BiasGelu(A, B)      = Gelu(A + B)
//   FastGelu(X [, B])   = x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3))) / 2, x = X (+ B)
// B is a 1-D bias over X's last dimension. float32, as onnxruntime's CPU kernels; the math is
// kernels/vmath.h's.
#include <algorithm>

#include "base/parallel.h"
#include "kernels/vmath.h"
#include "ops/broadcast.h"
#include "ops/registry.h"

namespace onyxrt::ops {
namespace {

class GeluContrib final : public OpKernel {
 public:
  GeluContrib(const KernelInfo& info, kernels::VmathF32 function, bool bias_required)
      : function_(function), bias_required_(bias_required) {
    const size_t max_inputs = function == kernels::VmathF32::GeluErf && !bias_required ? 1 : 2;
    if (info.input_count() > max_inputs)
      info.fail(ErrorCode::InvalidGraph, "takes at most ", max_inputs, " inputs, got ", info.input_count());
  }

  void compute(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    const bool has_bias = ctx.has_input(1);
    if (bias_required_ && !has_bias) ctx.fail(ErrorCode::InvalidArgument, "input 1 (bias) is required");
    Tensor& y = ctx.output(0, DataType::Float, x.shape());
    const float* xd = x.data<float>();
    float* yd = y.data<float>();
    if (!has_bias) {
      parallel_for(x.size(), kElementwiseGrain, ctx.threads(), [&](int64_t begin, int64_t end) {
        kernels::vmath_f32(function_, xd + begin, yd + begin, end - begin);
      });
      return;
    }
    const Tensor& b = ctx.input(1);
    if (b.dtype() != DataType::Float) ctx.fail(ErrorCode::InvalidArgument, "bias must be float like the input");
    if (b.rank() != 1 || x.rank() < 1 || b.dim(0) != x.dim(x.rank() - 1))
      ctx.fail(ErrorCode::InvalidArgument, "bias must be 1-D with the input's last dimension (",
               x.rank() < 1 ? 0 : x.dim(x.rank() - 1), "), got shape ", shape_text(b.shape()));
    const int64_t n = b.dim(0);
    if (x.size() == 0) return;
    const float* bd = b.data<float>();
    parallel_for(x.size() / n, std::max<int64_t>(1, kElementwiseGrain / n), ctx.threads(),
                 [&](int64_t begin, int64_t end) {
                   for (int64_t r = begin; r < end; ++r) {
                     const float* xr = xd + r * n;
                     float* yr = yd + r * n;
                     for (int64_t j = 0; j < n; ++j) yr[j] = xr[j] + bd[j];
                     kernels::vmath_f32(function_, yr, yr, n);
                   }
                 });
  }

 private:
  static std::string shape_text(const Shape& s) {
    std::string text = "[";
    for (size_t i = 0; i < s.size(); ++i) text += (i ? ", " : "") + std::to_string(s[i]);
    return text + "]";
  }

  kernels::VmathF32 function_;
  bool bias_required_;
};

std::unique_ptr<OpKernel> make_gelu(const KernelInfo& info) {
  return std::make_unique<GeluContrib>(info, kernels::VmathF32::GeluErf, false);
}
std::unique_ptr<OpKernel> make_bias_gelu(const KernelInfo& info) {
  return std::make_unique<GeluContrib>(info, kernels::VmathF32::GeluErf, true);
}
std::unique_ptr<OpKernel> make_fast_gelu(const KernelInfo& info) {
  return std::make_unique<GeluContrib>(info, kernels::VmathF32::GeluTanh, false);
}

}  // namespace

void register_gelu_contrib(Registry& r) {
  const TypeSet f32{DataType::Float};
  r.add({"com.microsoft", "Gelu", 1, f32, make_gelu});
  r.add({"com.microsoft", "BiasGelu", 1, f32, make_bias_gelu});
  r.add({"com.microsoft", "FastGelu", 1, f32, make_fast_gelu});
}

}  // namespace onyxrt::ops
