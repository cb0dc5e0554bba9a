#pragma once

#include <string>
#include <vector>

#include "ops/broadcast.h"
#include "ops/elementwise_types.h"
#include "ops/float_staging.h"
#include "ops/registry.h"

// The shared frame of the ai.onnx.preview.training optimizers (Adagrad, Adam, Momentum).
// Inputs are grouped by role, not by tensor: R (learning rate), T (update count), then the n
// optimized tensors X_1..X_n, their gradients G_1..G_n, then each per-tensor state (Adagrad: H;
// Adam: V, H; Momentum: V) for all n in turn. Outputs follow the same grouping: X_new_1..n, then
// each new state for all n. Each tensor's update is elementwise with numpy broadcasting among its
// X, G and states; all outputs of that tensor take the broadcast shape. Arithmetic in double.
//
// A Rule provides: kStates; a constructor from the KernelInfo (attributes); and
// `Step at(double r, int64_t t) const`, whose Step::operator()(x, g, const double* s,
// double* s_new) returns X_new.
namespace onyxrt::ops {

template <class Rule>
class OptimizerKernel final : public OpKernel {
  static constexpr size_t kStates = Rule::kStates;
  static constexpr size_t kOperands = 2 + kStates;  // X, G, states

 public:
  explicit OptimizerKernel(const KernelInfo& info) : rule_(info) {
    const size_t inputs = info.input_count();
    if (inputs < 2 + kOperands || (inputs - 2) % kOperands != 0)
      info.fail(ErrorCode::InvalidGraph, "expected R, T and ", kOperands,
                " inputs per optimized tensor (X..., G..., then each state for every X), got ", inputs, " inputs");
    tensors_ = (inputs - 2) / kOperands;
    const size_t outputs = info.output_count();
    if (outputs < 1 || outputs > tensors_ * (1 + kStates))
      info.fail(ErrorCode::InvalidGraph, "expected at most ", tensors_ * (1 + kStates), " outputs for ", tensors_,
                " optimized tensors, got ", outputs);
  }

  void compute(KernelContext& ctx) const override {
    const Tensor& r = ctx.input(0);
    if (r.size() != 1 || r.rank() > 1)
      ctx.fail(ErrorCode::InvalidArgument, "learning rate 'R' must be a scalar, got ", shape_to_string(r.shape()));
    const Tensor& t = ctx.input(1);
    if (t.dtype() != DataType::Int64 || t.size() != 1 || t.rank() > 1)
      ctx.fail(ErrorCode::InvalidArgument, "update count 'T' must be an int64 scalar, got ", data_type_name(t.dtype()),
               " ", shape_to_string(t.shape()));
    const auto step = rule_.at(values_as_double(r)[0], t.data<int64_t>()[0]);
    for (size_t i = 0; i < tensors_; ++i) update(ctx, i, step);
  }

 private:
  template <class Step>
  void update(KernelContext& ctx, size_t i, const Step& step) const {
    const Tensor* in[kOperands];
    std::vector<const Shape*> shapes;
    const Tensor& x = ctx.input(2 + i);
    if (x.dtype() != DataType::Float && x.dtype() != DataType::Double)
      ctx.fail(ErrorCode::InvalidArgument, "'", ctx.node().inputs[2 + i], "' has element type ",
               data_type_name(x.dtype()), ", expected float or double");
    Shape out_shape = x.shape();
    for (size_t k = 0; k < kOperands; ++k) {
      const size_t index = 2 + k * tensors_ + i;
      in[k] = &ctx.input(index);
      shapes.push_back(&in[k]->shape());
      if (in[k]->dtype() != x.dtype())
        ctx.fail(ErrorCode::InvalidArgument, "'", ctx.node().inputs[index], "' has element type ",
                 data_type_name(in[k]->dtype()), ", its tensor '", ctx.node().inputs[2 + i], "' has ",
                 data_type_name(x.dtype()));
      if (!broadcast_shape_into(out_shape, in[k]->shape()))
        ctx.fail(ErrorCode::InvalidArgument, "'", ctx.node().inputs[index], "' of shape ",
                 shape_to_string(in[k]->shape()), " does not broadcast with the other inputs of tensor '",
                 ctx.node().inputs[2 + i], "' (shape ", shape_to_string(x.shape()), ")");
    }
    // out[0] is X_new, out[1 + s] state s; outputs the node does not list go to scratch tensors.
    Tensor* out[1 + kStates];
    std::vector<Tensor> unlisted;
    unlisted.reserve(1 + kStates);
    for (size_t k = 0; k <= kStates; ++k) {
      const size_t index = k * tensors_ + i;
      if (index < ctx.output_count()) {
        out[k] = &ctx.output(index, x.dtype(), out_shape);
      } else {
        out[k] = &unlisted.emplace_back(x.dtype(), out_shape);
      }
    }
    const BroadcastPlan plan(out_shape, shapes);
    visit_type(x.dtype(), TypeList<float, double>{}, [&](auto tag) {
      using T = typename decltype(tag)::type;
      const T* src[kOperands];
      int64_t stride[kOperands];
      for (size_t k = 0; k < kOperands; ++k) src[k] = in[k]->template data<T>(), stride[k] = plan.inner_stride(k);
      T* dst[1 + kStates];
      for (size_t k = 0; k <= kStates; ++k) dst[k] = out[k]->template data<T>();
      parallel_runs(plan, ctx.threads(), [&](int64_t o, const int64_t* offsets, int64_t len) {
        for (int64_t j = 0; j < len; ++j) {
          double v[kOperands], states[kStates];
          for (size_t k = 0; k < kOperands; ++k) v[k] = static_cast<double>(src[k][offsets[k] + j * stride[k]]);
          dst[0][o + j] = static_cast<T>(step(v[0], v[1], v + 2, states));
          for (size_t s = 0; s < kStates; ++s) dst[1 + s][o + j] = static_cast<T>(states[s]);
        }
      });
    });
  }

  Rule rule_;
  size_t tensors_ = 0;
};

}  // namespace onyxrt::ops
