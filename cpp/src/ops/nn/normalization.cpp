// Per-channel normalizations over an (N, C, spatial...) input: BatchNormalization (opsets 1, 6,
// 7, 9, 14, 15; inference and training), InstanceNormalization (1, 6) and LRN (1, 13).
// LayerNormalization and LpNormalization, which normalize along an axis, are in layer_norm.cpp.
// Types: float, double, float16 / bfloat16 through float; statistics accumulate in double.
#include <algorithm>
#include <cmath>
#include <type_traits>
#include <vector>

#include "base/parallel.h"
#include "ops/float_staging.h"
#include "ops/registry.h"

namespace onyxrt::ops {

void register_axis_normalization(Registry& r);

namespace {

constexpr int64_t kPlaneGrain = 16384;  // elements per parallel chunk, so small inputs stay inline

// N, C and the number of elements per (n, c) plane; fails on rank < 2.
struct Planes {
  int64_t n = 0, c = 0, inner = 1;
};

Planes planes_of(const KernelContext& ctx, const Tensor& x) {
  if (x.rank() < 2)
    ctx.fail(ErrorCode::InvalidArgument, "input must have N and C axes, got shape ", shape_to_string(x.shape()));
  Planes p{x.dim(0), x.dim(1), 1};
  for (size_t d = 2; d < x.rank(); ++d) p.inner *= x.dim(d);
  return p;
}

int64_t plane_grain(const Planes& p) { return std::max<int64_t>(1, kPlaneGrain / std::max<int64_t>(1, p.inner)); }

// The mean and (population) variance of each channel over N and the spatial axes, in double.
template <class T>
void batch_statistics(const T* x, const Planes& p, int threads, std::vector<double>& mean, std::vector<double>& var) {
  const int64_t count = p.n * p.inner;
  mean.assign(static_cast<size_t>(p.c), 0.0), var.assign(static_cast<size_t>(p.c), 0.0);
  parallel_for(p.c, std::max<int64_t>(1, kPlaneGrain / std::max<int64_t>(1, count)), threads,
               [&](int64_t begin, int64_t end) {
                 for (int64_t c = begin; c < end; ++c) {
                   double sum = 0, squares = 0;
                   for (int64_t n = 0; n < p.n; ++n)
                     for (int64_t i = 0; i < p.inner; ++i) sum += x[(n * p.c + c) * p.inner + i];
                   mean[c] = sum / static_cast<double>(count);  // no elements: NaN, as numpy
                   for (int64_t n = 0; n < p.n; ++n)
                     for (int64_t i = 0; i < p.inner; ++i) {
                       const double d = x[(n * p.c + c) * p.inner + i] - mean[c];
                       squares += d * d;
                     }
                   var[c] = squares / static_cast<double>(count);
                 }
               });
}

// y = x * a + b over n values, one channel's plane: the multiply-add in T, one vectorized pass
// (y may be x: the compiler's overlap check then keeps the vector loop, as each y[i] reads x[i] only).
template <class T>
void scale_shift(const T* x, T* y, int64_t n, double a, double b) {
  const T at = static_cast<T>(a), bt = static_cast<T>(b);
  for (int64_t i = 0; i < n; ++i) y[i] = x[i] * at + bt;
}

// spatial=0: a and b per element of the plane.
template <class T>
void scale_shift(const T* x, T* y, int64_t n, const double* a, const double* b) {
  for (int64_t i = 0; i < n; ++i) y[i] = x[i] * static_cast<T>(a[i]) + static_cast<T>(b[i]);
}

// Output i as a 1-D tensor of `type` holding the values.
void output_values(KernelContext& ctx, size_t i, DataType type, const std::vector<double>& values) {
  Tensor& t = ctx.output(i, type, {static_cast<int64_t>(values.size())});
  if (type == DataType::Double) {
    std::copy(values.begin(), values.end(), t.data<double>());
    return;
  }
  const std::vector<float> narrowed(values.begin(), values.end());
  narrow_from_float(narrowed.data(), t);
}

// y = x * a[c] + b[c] (or per element of a plane when the parameters have C * inner values).
// Training (training_mode=1 from opset 14; before, the presence of the extra outputs) uses the
// batch's mean and population variance, and outputs running_mean = input_mean * momentum +
// mean * (1 - momentum) (running_var likewise) in the type of input_mean; opsets 1-9 also output
// saved_mean (the batch mean) and saved_var, as onnxruntime fills it: 1 / sqrt(var + epsilon).
class BatchNormalization final : public OpKernel {
 public:
  explicit BatchNormalization(const KernelInfo& info)
      : epsilon_(info.attr_float("epsilon", 1e-5f)), momentum_(info.attr_float("momentum", 0.9f)) {
    if (info.opset() >= 14) {
      training_ = info.attr_int("training_mode", 0) != 0;
    } else {
      for (size_t i = 1; i < info.output_count(); ++i) training_ = training_ || info.has_output(i);
    }
    spatial_ = info.attr_int("spatial", 1) != 0;
    if (training_ && !spatial_)
      info.fail(ErrorCode::NotImplemented, "training (batch statistics) with spatial=0 is not supported");
    saved_outputs_ = info.opset() < 14;
    // Inference with constant parameters (every model once exported) folds them into y = x * a + b
    // once, so that a run is one pass over x; the shapes are still checked against X per run.
    const Tensor* params[4] = {info.constant_input(1), info.constant_input(2), info.constant_input(3),
                               info.constant_input(4)};
    bool constant = !training_;
    for (const Tensor* t : params) constant = constant && t != nullptr && t->size() == params[0]->size();
    if (constant) affine(values_as_double(*params[0]), values_as_double(*params[1]), values_as_double(*params[2]),
                         values_as_double(*params[3]), a_, b_);
  }

  void compute(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    const Planes p = planes_of(ctx, x);
    const int64_t per = spatial_ ? p.c : p.c * p.inner;  // parameter count
    const char* names[4] = {"scale", "B", "input_mean", "input_var"};
    for (int i = 0; i < 4; ++i) {
      const Tensor& t = ctx.input(1 + i);
      if (t.size() != per)
        ctx.fail(ErrorCode::InvalidArgument, names[i], " has shape ", shape_to_string(t.shape()), " but X (shape ",
                 shape_to_string(x.shape()), ") needs ", per, " values");
    }
    std::vector<double> a, b;
    if (training_ || static_cast<int64_t>(a_.size()) != per) {
      std::vector<double> param[4];
      for (int i = 0; i < 4; ++i) param[i] = values_as_double(ctx.input(1 + i));
      std::vector<double> mean = param[2], var = param[3];
      if (training_) {
        if (x.dtype() == DataType::Double) {
          batch_statistics(x.data<double>(), p, ctx.threads(), mean, var);
        } else {
          batch_statistics(widen_to_float(x).data<float>(), p, ctx.threads(), mean, var);
        }
        write_training_outputs(ctx, x, param[2], param[3], mean, var);
      }
      affine(param[0], param[1], mean, var, a, b);
    }
    const std::vector<double>& as = a.empty() ? a_ : a;
    const std::vector<double>& bs = b.empty() ? b_ : b;
    Tensor& y = ctx.output(0, x.dtype(), x.shape());
    with_compute_type(x, y, [&](const auto* xd, auto* yd) {
      parallel_for(p.n * p.c, plane_grain(p), ctx.threads(), [&](int64_t begin, int64_t end) {
        for (int64_t plane = begin; plane < end; ++plane) {
          const int64_t c = plane % p.c, off = plane * p.inner;
          if (spatial_) {
            scale_shift(xd + off, yd + off, p.inner, as[c], bs[c]);
          } else {
            scale_shift(xd + off, yd + off, p.inner, as.data() + c * p.inner, bs.data() + c * p.inner);
          }
        }
      });
    });
  }

 private:
  void write_training_outputs(KernelContext& ctx, const Tensor& x, const std::vector<double>& input_mean,
                              const std::vector<double>& input_var, const std::vector<double>& mean,
                              const std::vector<double>& var) const {
    const DataType stats_type = ctx.input(3).dtype();
    std::vector<double> running_mean(mean.size()), running_var(var.size());
    for (size_t c = 0; c < mean.size(); ++c) {
      running_mean[c] = input_mean[c] * momentum_ + mean[c] * (1 - momentum_);
      running_var[c] = input_var[c] * momentum_ + var[c] * (1 - momentum_);
    }
    if (ctx.has_output(1)) output_values(ctx, 1, stats_type, running_mean);
    if (ctx.has_output(2)) output_values(ctx, 2, stats_type, running_var);
    if (!saved_outputs_) return;
    std::vector<double> inv_std(var.size());
    for (size_t c = 0; c < var.size(); ++c) inv_std[c] = 1 / std::sqrt(var[c] + epsilon_);
    if (ctx.has_output(3)) output_values(ctx, 3, x.dtype(), mean);
    if (ctx.has_output(4)) output_values(ctx, 4, x.dtype(), inv_std);
  }

  // a = scale / sqrt(var + epsilon), b = B - mean * a.
  void affine(const std::vector<double>& scale, const std::vector<double>& bias, const std::vector<double>& mean,
              const std::vector<double>& var, std::vector<double>& a, std::vector<double>& b) const {
    a.resize(scale.size()), b.resize(scale.size());
    for (size_t i = 0; i < scale.size(); ++i) {
      a[i] = scale[i] / std::sqrt(var[i] + epsilon_);
      b[i] = bias[i] - mean[i] * a[i];
    }
  }

  double epsilon_, momentum_;
  std::vector<double> a_, b_;  // the inference affine map of constant parameters; empty otherwise
  bool spatial_ = true;
  bool training_ = false;
  bool saved_outputs_ = false;  // opsets before 14 also have saved_mean / saved_var
};

// y = scale[c] * (x - mean) / sqrt(var + epsilon) + B[c], statistics per (n, c) plane.
class InstanceNormalization final : public OpKernel {
 public:
  explicit InstanceNormalization(const KernelInfo& info) : epsilon_(info.attr_float("epsilon", 1e-5f)) {}

  void compute(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    const Planes p = planes_of(ctx, x);
    const Tensor &scale_t = ctx.input(1), &bias_t = ctx.input(2);
    if (scale_t.size() != p.c || bias_t.size() != p.c)
      ctx.fail(ErrorCode::InvalidArgument, "scale (shape ", shape_to_string(scale_t.shape()), ") and B (shape ",
               shape_to_string(bias_t.shape()), ") must have C = ", p.c, " values for X of shape ",
               shape_to_string(x.shape()));
    const std::vector<double> scale = values_as_double(scale_t), bias = values_as_double(bias_t);
    Tensor& y = ctx.output(0, x.dtype(), x.shape());
    with_compute_type(x, y, [&](const auto* xd, auto* yd) {
      using T = std::remove_const_t<std::remove_pointer_t<decltype(xd)>>;
      parallel_for(p.n * p.c, plane_grain(p), ctx.threads(), [&](int64_t begin, int64_t end) {
        for (int64_t plane = begin; plane < end; ++plane) {
          const T* xp = xd + plane * p.inner;
          T* yp = yd + plane * p.inner;
          double mean = 0, var = 0;
          for (int64_t i = 0; i < p.inner; ++i) mean += xp[i];
          mean /= static_cast<double>(std::max<int64_t>(1, p.inner));
          for (int64_t i = 0; i < p.inner; ++i) var += (xp[i] - mean) * (xp[i] - mean);
          var /= static_cast<double>(std::max<int64_t>(1, p.inner));
          const int64_t c = plane % p.c;
          const double a = scale[c] / std::sqrt(var + epsilon_), b = bias[c] - mean * a;
          for (int64_t i = 0; i < p.inner; ++i) yp[i] = static_cast<T>(xp[i] * a + b);
        }
      });
    });
  }

 private:
  double epsilon_;
};

// Local response normalization across channels:
//   y = x / (bias + alpha / size * sum of x^2 over channels [c - floor((size-1)/2), c + ceil((size-1)/2)])^beta
class LRN final : public OpKernel {
 public:
  explicit LRN(const KernelInfo& info)
      : alpha_(info.attr_float("alpha", 1e-4f)),
        beta_(info.attr_float("beta", 0.75f)),
        bias_(info.attr_float("bias", 1.0f)),
        size_(info.required_int("size")) {
    if (size_ < 1) info.fail(ErrorCode::InvalidGraph, "attribute 'size' must be at least 1, got ", size_);
  }

  void compute(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    const Planes p = planes_of(ctx, x);
    Tensor& y = ctx.output(0, x.dtype(), x.shape());
    const int64_t before = (size_ - 1) / 2, after = size_ - 1 - before;
    with_compute_type(x, y, [&](const auto* xd, auto* yd) {
      using T = std::remove_const_t<std::remove_pointer_t<decltype(xd)>>;
      parallel_for(p.n * p.c, plane_grain(p), ctx.threads(), [&](int64_t begin, int64_t end) {
        for (int64_t plane = begin; plane < end; ++plane) {
          const int64_t n = plane / p.c, c = plane % p.c;
          const int64_t c0 = std::max<int64_t>(0, c - before), c1 = std::min<int64_t>(p.c - 1, c + after);
          const T* xn = xd + n * p.c * p.inner;
          for (int64_t i = 0; i < p.inner; ++i) {
            double sum = 0;
            for (int64_t k = c0; k <= c1; ++k) sum += static_cast<double>(xn[k * p.inner + i]) * xn[k * p.inner + i];
            const double v = xn[c * p.inner + i];
            yd[plane * p.inner + i] = static_cast<T>(v / std::pow(bias_ + alpha_ / size_ * sum, beta_));
          }
        }
      });
    });
  }

 private:
  double alpha_, beta_, bias_;
  int64_t size_;
};

}  // namespace

void register_normalization(Registry& r) {
  const TypeSet floats{DataType::Float, DataType::Double, DataType::Float16};
  const TypeSet with_bf16 = floats | TypeSet{DataType::BFloat16};
  // 1 and 6 (is_test, consumed_inputs) compute the same in inference; 7 adds 'spatial'.
  for (int since : {1, 6, 7, 9}) r.add({"", "BatchNormalization", since, floats, make_kernel<BatchNormalization>});
  for (int since : {14, 15}) r.add({"", "BatchNormalization", since, with_bf16, make_kernel<BatchNormalization>});
  for (int since : {1, 6}) r.add({"", "InstanceNormalization", since, floats, make_kernel<InstanceNormalization>});
  r.add({"", "LRN", 1, floats, make_kernel<LRN>});
  r.add({"", "LRN", 13, with_bf16, make_kernel<LRN>});
  register_axis_normalization(r);
}

}  // namespace onyxrt::ops
