// NegativeLogLikelihoodLoss (opsets 12, 13, 22) and SoftmaxCrossEntropyLoss (opsets 12, 13).
// The input is [N, C] or [N, C, d1..dk] (scores for SCE, log-probabilities for NLL); the target
// is [N] or [N, d1..dk] of int32/int64 class indices; the optional weight is [C]. Each element's
// loss is -log_prob[n, target, d] * weight[target], or 0 where target == ignore_index. Reductions:
// "none" (shape [N, d1..dk]), "sum", and "mean" (the sum divided by the summed weights of the
// targets that are not ignored). A target outside [0, C) that is not ignore_index fails with
// InvalidArgument naming the node. SCE computes log_softmax along axis 1 first and can return it
// as its second output. Types: float, double, float16 / bfloat16 through float (bfloat16 from 13).
// Losses are accumulated in double.
#include <algorithm>
#include <cmath>
#include <string>
#include <type_traits>
#include <vector>

#include "base/parallel.h"
#include "kernels/softmax.h"
#include "ops/float_staging.h"
#include "ops/registry.h"
#include "ops/tensor/index_args.h"

namespace onyxrt::ops {
namespace {

enum class Reduction { None, Sum, Mean };

Reduction parse_reduction(const KernelInfo& info) {
  const std::string r = info.attr_string("reduction", "mean");
  if (r == "none") return Reduction::None;
  if (r == "sum") return Reduction::Sum;
  if (r == "mean") return Reduction::Mean;
  info.fail(ErrorCode::InvalidGraph, "reduction must be 'none', 'sum' or 'mean', got '", r, "'");
}

// The attributes both losses share.
struct LossOptions {
  Reduction reduction;
  bool has_ignore;
  int64_t ignore_index;
};

LossOptions parse_loss_options(const KernelInfo& info) {
  return {parse_reduction(info), info.has_attr("ignore_index"), info.attr_int("ignore_index", 0)};
}

// Writes double values into t (Float, Double, Float16 or BFloat16), t.size() of them.
void write_values(const std::vector<double>& v, Tensor& t) {
  if (t.dtype() == DataType::Double) {
    std::copy(v.begin(), v.end(), t.data<double>());
  } else if (t.dtype() == DataType::Float) {
    std::transform(v.begin(), v.end(), t.data<float>(), [](double d) { return static_cast<float>(d); });
  } else {
    std::vector<float> f(v.begin(), v.end());
    narrow_from_float(f.data(), t);
  }
}

// The input's geometry: N, C and D = d1 * ... * dk (1 for 2-D input).
struct LossGeometry {
  int64_t n = 0, c = 0, d = 1;
};

LossGeometry check_shapes(const KernelContext& ctx, const Tensor& x, const Tensor& target, const Tensor* weight) {
  if (x.rank() < 2) ctx.fail(ErrorCode::InvalidArgument, "input must have shape [N, C, ...], got ", shape_to_string(x.shape()));
  LossGeometry g;
  g.n = x.dim(0);
  g.c = x.dim(1);
  for (size_t a = 2; a < x.rank(); ++a) g.d *= x.dim(a);
  Shape expected{g.n};
  expected.insert(expected.end(), x.shape().begin() + 2, x.shape().end());
  if (target.shape() != expected)
    ctx.fail(ErrorCode::InvalidArgument, "target has shape ", shape_to_string(target.shape()), ", expected ",
             shape_to_string(expected), " for input of shape ", shape_to_string(x.shape()));
  if (weight && (weight->rank() != 1 || weight->dim(0) != g.c))
    ctx.fail(ErrorCode::InvalidArgument, "weight has shape ", shape_to_string(weight->shape()), ", expected [", g.c,
             "]");
  return g;
}

// Computes the loss output from log-probabilities (logp, laid out [N, C, D]).
template <class T>
void compute_loss(KernelContext& ctx, const T* logp, const LossGeometry& g, const Tensor& target_tensor,
                  const Tensor* weight_tensor, const LossOptions& options, DataType out_type) {
  const auto [reduction, has_ignore, ignore_index] = options;
  const std::vector<int64_t> target = index_values(ctx, target_tensor);
  std::vector<double> weight;
  if (weight_tensor) weight = values_as_double(*weight_tensor);
  const int64_t count = g.n * g.d;
  std::vector<double> loss(static_cast<size_t>(count), 0.0);
  double weight_sum = 0.0;
  for (int64_t i = 0; i < count; ++i) {
    const int64_t t = target[static_cast<size_t>(i)];
    if (has_ignore && t == ignore_index) continue;
    if (t < 0 || t >= g.c)
      ctx.fail(ErrorCode::InvalidArgument, "target ", t, " (element ", i, " of '", ctx.node().inputs[1],
               "') is out of range for ", g.c, " classes");
    const int64_t n = i / g.d, k = i % g.d;
    const double w = weight_tensor ? weight[static_cast<size_t>(t)] : 1.0;
    loss[static_cast<size_t>(i)] = -static_cast<double>(logp[(n * g.c + t) * g.d + k]) * w;
    weight_sum += w;
  }
  if (reduction == Reduction::None) {
    Shape shape = target_tensor.shape();
    write_values(loss, ctx.output(0, out_type, std::move(shape)));
    return;
  }
  double total = 0.0;
  for (double v : loss) total += v;
  if (reduction == Reduction::Mean) total /= weight_sum;
  write_values({total}, ctx.output(0, out_type, Shape{}));
}

class NllLoss final : public OpKernel {
 public:
  explicit NllLoss(const KernelInfo& info)
      : options_(parse_loss_options(info)) {}

  void compute(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    const Tensor& target = ctx.input(1);
    const Tensor* weight = ctx.has_input(2) ? &ctx.input(2) : nullptr;
    const LossGeometry g = check_shapes(ctx, x, target, weight);
    if (x.dtype() == DataType::Double) {
      compute_loss(ctx, x.data<double>(), g, target, weight, options_, x.dtype());
    } else {
      const Tensor xf = widen_to_float(x);
      compute_loss(ctx, xf.data<float>(), g, target, weight, options_, x.dtype());
    }
  }

 private:
  LossOptions options_;
};

// log_softmax of one line of n values at stride `stride`.
template <class T>
void log_softmax_line(const T* x, T* y, int64_t n, int64_t stride) {
  T max = x[0];
  for (int64_t j = 1; j < n; ++j) max = std::max(max, x[j * stride]);
  T sum = 0;
  for (int64_t j = 0; j < n; ++j) sum += std::exp(x[j * stride] - max);
  const T shift = max + std::log(sum);
  for (int64_t j = 0; j < n; ++j) y[j * stride] = x[j * stride] - shift;
}

class SoftmaxCrossEntropyLoss final : public OpKernel {
 public:
  explicit SoftmaxCrossEntropyLoss(const KernelInfo& info)
      : options_(parse_loss_options(info)) {}

  void compute(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    const Tensor& target = ctx.input(1);
    const Tensor* weight = ctx.has_input(2) ? &ctx.input(2) : nullptr;
    const LossGeometry g = check_shapes(ctx, x, target, weight);
    Tensor scratch;
    Tensor* log_prob = nullptr;
    if (ctx.has_output(1)) {
      log_prob = &ctx.output(1, x.dtype(), x.shape());
    } else {
      scratch = Tensor(x.dtype(), x.shape());
      log_prob = &scratch;
    }
    with_compute_type(x, *log_prob, [&](const auto* xd, auto* yd) {
      using T = std::remove_const_t<std::remove_pointer_t<decltype(xd)>>;
      const int64_t lines = g.n * g.d;
      if (g.c > 0) {
        const int64_t grain = std::max<int64_t>(1, 16384 / g.c);
        parallel_for(lines, grain, ctx.threads(), [&](int64_t begin, int64_t end) {
          for (int64_t l = begin; l < end; ++l) {
            const int64_t base = (l / g.d) * g.c * g.d + l % g.d;
            if constexpr (std::is_same_v<T, float>) {
              if (g.d == 1) {  // a contiguous float row: the vectorized kernel
                kernels::softmax_f32(xd + base, yd + base, g.c, /*log=*/true);
                continue;
              }
            }
            log_softmax_line(xd + base, yd + base, g.c, g.d);
          }
        });
      }
      compute_loss(ctx, static_cast<const T*>(yd), g, target, weight, options_,
                   x.dtype());
    });
  }

 private:
  LossOptions options_;
};

}  // namespace

void register_losses(Registry& r) {
  const TypeSet floats{DataType::Float, DataType::Double, DataType::Float16};
  const TypeSet with_bf16 = floats | TypeSet{DataType::BFloat16};
  r.add({"", "NegativeLogLikelihoodLoss", 12, floats, make_kernel<NllLoss>});
  r.add({"", "NegativeLogLikelihoodLoss", 13, with_bf16, make_kernel<NllLoss>});
  r.add({"", "NegativeLogLikelihoodLoss", 22, with_bf16, make_kernel<NllLoss>});
  r.add({"", "SoftmaxCrossEntropyLoss", 12, floats, make_kernel<SoftmaxCrossEntropyLoss>});
  r.add({"", "SoftmaxCrossEntropyLoss", 13, with_bf16, make_kernel<SoftmaxCrossEntropyLoss>});
}

}  // namespace onyxrt::ops
