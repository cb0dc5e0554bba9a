// Per-channel normalizations over an (N, C, spatial...) input: BatchNormalization (inference;
// opsets 1, 6, 7, 9, 14, 15), InstanceNormalization (1, 6) and LRN (1, 13). LayerNormalization and
// LpNormalization, which normalize along an axis, are in layer_norm.cpp.
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

// y = x * a[c] + b[c] (or per element of a plane when the parameters have C * inner values).
class BatchNormalization final : public OpKernel {
 public:
  explicit BatchNormalization(const KernelInfo& info) : epsilon_(info.attr_float("epsilon", 1e-5f)) {
    if (info.attr_int("training_mode", 0) != 0)
      info.fail(ErrorCode::NotImplemented, "training_mode=1 is not supported (inference only)");
    if (info.opset() < 14) {  // before 14 the extra outputs exist only in training
      for (size_t i = 1; i < info.output_count(); ++i)
        if (info.has_output(i))
          info.fail(ErrorCode::NotImplemented, "training outputs (mean, var, saved mean / var) are not supported");
    }
    spatial_ = info.attr_int("spatial", 1) != 0;
  }

  void compute(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    const Planes p = planes_of(ctx, x);
    const int64_t per = spatial_ ? p.c : p.c * p.inner;  // parameter count
    std::vector<double> param[4];
    const char* names[4] = {"scale", "B", "input_mean", "input_var"};
    for (int i = 0; i < 4; ++i) {
      const Tensor& t = ctx.input(1 + i);
      if (t.size() != per)
        ctx.fail(ErrorCode::InvalidArgument, names[i], " has shape ", shape_to_string(t.shape()), " but X (shape ",
                 shape_to_string(x.shape()), ") needs ", per, " values");
      param[i] = values_as_double(t);
    }
    std::vector<double> a(per), b(per);
    for (int64_t i = 0; i < per; ++i) {
      a[i] = param[0][i] / std::sqrt(param[3][i] + epsilon_);
      b[i] = param[1][i] - param[2][i] * a[i];
    }
    Tensor& y = ctx.output(0, x.dtype(), x.shape());
    with_compute_type(x, y, [&](const auto* xd, auto* yd) {
      using T = std::remove_const_t<std::remove_pointer_t<decltype(xd)>>;
      parallel_for(p.n * p.c, plane_grain(p), ctx.threads(), [&](int64_t begin, int64_t end) {
        for (int64_t plane = begin; plane < end; ++plane) {
          const int64_t c = plane % p.c, off = plane * p.inner;
          if (spatial_) {
            const T ac = static_cast<T>(a[c]), bc = static_cast<T>(b[c]);
            for (int64_t i = 0; i < p.inner; ++i) yd[off + i] = xd[off + i] * ac + bc;
          } else {
            for (int64_t i = 0; i < p.inner; ++i)
              yd[off + i] = xd[off + i] * static_cast<T>(a[c * p.inner + i]) + static_cast<T>(b[c * p.inner + i]);
          }
        }
      });
    });
  }

 private:
  double epsilon_;
  bool spatial_ = true;
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
