// CausalConvWithState (27): depthwise causal 1-D convolution carrying its left context between
// calls. Per (batch, channel), with k the kernel size:
//   padded  = past_state (k - 1 values, zeros when absent) ++ input (L values)
//   output[l] = bias + sum_j weight[j] * padded[l + j]   (then x * sigmoid(x) for silu / swish)
//   present_state = the last k - 1 values of padded
// input / output [B, C, L], weight [C, 1, k], bias [C], past_state / present_state [B, C, k - 1].
// Types: float, float16 / bfloat16 through float (one rounding per output).
#include <algorithm>
#include <cmath>
#include <vector>

#include "base/parallel.h"
#include "ops/float_staging.h"
#include "ops/registry.h"

namespace onyxrt::ops {
namespace {

enum Input : size_t { kInput, kWeight, kBias, kPastState };

class CausalConvWithState final : public OpKernel {
 public:
  explicit CausalConvWithState(const KernelInfo& info) {
    const std::string activation = info.attr_string("activation", "none");
    if (activation != "none" && activation != "silu" && activation != "swish")
      info.fail(ErrorCode::InvalidGraph, "attribute 'activation' is '", activation,
                "', expected 'none', 'silu' or 'swish'");
    silu_ = activation != "none";
  }

  void compute(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(kInput);
    const Tensor& w = ctx.input(kWeight);
    check_inputs(ctx, x, w);
    const int64_t batch = x.dim(0), channels = x.dim(1), len = x.dim(2), k = w.dim(2), carry = k - 1;
    Tensor& out = ctx.output(0, x.dtype(), x.shape());
    Tensor& present = ctx.output(1, x.dtype(), {batch, channels, carry});
    const Tensor xf = widen_to_float(x), wf = widen_to_float(w);
    const Tensor bf = ctx.has_input(kBias) ? widen_to_float(ctx.input(kBias)) : Tensor();
    const Tensor pf = ctx.has_input(kPastState) ? widen_to_float(ctx.input(kPastState)) : Tensor();
    Tensor of = x.dtype() == DataType::Float ? out : Tensor(DataType::Float, out.shape());
    Tensor sf = x.dtype() == DataType::Float ? present : Tensor(DataType::Float, present.shape());
    const int64_t grain = std::max<int64_t>(1, 16384 / std::max<int64_t>(1, (len + carry) * k));
    parallel_for(batch * channels, grain, ctx.threads(), [&](int64_t begin, int64_t end) {
      std::vector<float> padded(static_cast<size_t>(len + carry));
      for (int64_t row = begin; row < end; ++row) {
        const int64_t c = row % channels;
        if (pf.defined()) {
          std::copy(pf.data<float>() + row * carry, pf.data<float>() + (row + 1) * carry, padded.begin());
        } else {
          std::fill(padded.begin(), padded.begin() + carry, 0.0f);
        }
        std::copy(xf.data<float>() + row * len, xf.data<float>() + (row + 1) * len, padded.begin() + carry);
        const float* wc = wf.data<float>() + c * k;
        const float bias = bf.defined() ? bf.data<float>()[c] : 0.0f;
        float* y = of.data<float>() + row * len;
        for (int64_t l = 0; l < len; ++l) {
          float acc = bias;
          for (int64_t j = 0; j < k; ++j) acc += wc[j] * padded[l + j];
          y[l] = silu_ ? acc / (1.0f + std::exp(-acc)) : acc;
        }
        std::copy(padded.end() - carry, padded.end(), sf.data<float>() + row * carry);
      }
    });
    if (x.dtype() != DataType::Float) {
      narrow_from_float(of.data<float>(), out);
      narrow_from_float(sf.data<float>(), present);
    }
  }

 private:
  void check_inputs(const KernelContext& ctx, const Tensor& x, const Tensor& w) const {
    if (x.rank() != 3)
      ctx.fail(ErrorCode::InvalidArgument, "input must be 3-D (batch_size, channels, length), got ",
               shape_to_string(x.shape()));
    if (w.rank() != 3 || w.dim(0) != x.dim(1) || w.dim(1) != 1 || w.dim(2) < 1)
      ctx.fail(ErrorCode::InvalidArgument, "weight must have shape (channels = ", x.dim(1), ", 1, k >= 1), got ",
               shape_to_string(w.shape()));
    const char* names[] = {"input", "weight", "bias", "past_state"};
    for (size_t i : {kWeight, kBias, kPastState})
      if (ctx.has_input(i) && ctx.input(i).dtype() != x.dtype())
        ctx.fail(ErrorCode::InvalidArgument, names[i], " has element type ", data_type_name(ctx.input(i).dtype()),
                 ", expected ", data_type_name(x.dtype()), " like input");
    if (ctx.has_input(kBias) && ctx.input(kBias).shape() != Shape{x.dim(1)})
      ctx.fail(ErrorCode::InvalidArgument, "bias must have shape (", x.dim(1), "), got ",
               shape_to_string(ctx.input(kBias).shape()));
    const Shape state{x.dim(0), x.dim(1), w.dim(2) - 1};
    if (ctx.has_input(kPastState) && ctx.input(kPastState).shape() != state)
      ctx.fail(ErrorCode::InvalidArgument, "past_state must have shape ", shape_to_string(state),
               " (batch_size, channels, k - 1), got ", shape_to_string(ctx.input(kPastState).shape()));
  }

  bool silu_ = false;
};

}  // namespace

void register_causal_conv_with_state(Registry& r) {
  r.add({"",
         "CausalConvWithState",
         27,
         {DataType::Float, DataType::Float16, DataType::BFloat16},
         make_kernel<CausalConvWithState>});
}

}  // namespace onyxrt::ops
