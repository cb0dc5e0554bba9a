// Normalizations along axes, part of the normalization family (registered from
// normalization.cpp): LayerNormalization (17) over the axes from `axis` on, with Scale and B
// broadcast to those axes and the optional Mean / InvStdDev outputs; LpNormalization (1) along
// one axis (p = 1 or 2; a zero norm gives 0, as onnx.reference does).
// Types: float, double, float16 / bfloat16 through float (LayerNormalization's Mean / InvStdDev
// are float then, double for double input).
#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>
#include <vector>

#include "base/parallel.h"
#include "kernels/layer_norm.h"
#include "ops/axis_view.h"
#include "ops/float_staging.h"
#include "ops/nn/norm_broadcast.h"
#include "ops/registry.h"

namespace onyxrt::ops {
namespace {

constexpr int64_t kGrain = 16384;  // elements per parallel chunk

class LayerNormalization final : public OpKernel {
 public:
  explicit LayerNormalization(const KernelInfo& info)
      : axis_(info.attr_int("axis", -1)), epsilon_(info.attr_float("epsilon", 1e-5f)) {
    const int64_t stash = info.attr_int("stash_type", 1);
    if (stash != 1) info.fail(ErrorCode::NotImplemented, "stash_type ", stash, " is not supported (only 1, float)");
  }

  void compute(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    const int64_t axis = resolve_axis(ctx, axis_, x.shape());
    const AxisView v = view_flattened_at(x.shape(), axis);
    const Shape normalized(x.shape().begin() + axis, x.shape().end());
    const Tensor& scale_t = ctx.input(1);
    const Tensor* bias_t = ctx.has_input(2) ? &ctx.input(2) : nullptr;

    Shape stat_shape = x.shape();
    std::fill(stat_shape.begin() + axis, stat_shape.end(), 1);
    const DataType stat_type = x.dtype() == DataType::Double ? DataType::Double : DataType::Float;
    Tensor& y = ctx.output(0, x.dtype(), x.shape());
    Tensor* mean_out = ctx.has_output(1) ? &ctx.output(1, stat_type, stat_shape) : nullptr;
    Tensor* inv_out = ctx.has_output(2) ? &ctx.output(2, stat_type, stat_shape) : nullptr;

    if (x.dtype() != DataType::Double) {
      normalize_float(ctx, x, scale_t, bias_t, normalized, v, y, mean_out, inv_out);
      return;
    }
    const std::vector<double> scale = values_as_double(scale_t);
    const std::vector<double> bias = bias_t ? values_as_double(*bias_t) : std::vector<double>();
    const std::vector<int64_t> scale_index = normalized_broadcast_index(ctx, "Scale", scale_t.shape(), normalized);
    const std::vector<int64_t> bias_index =
        bias_t ? normalized_broadcast_index(ctx, "B", bias_t->shape(), normalized) : std::vector<int64_t>();
    const double* xd = x.data<double>();
    double* yd = y.data<double>();
    double* mean_d = mean_out ? mean_out->data<double>() : nullptr;
    double* inv_d = inv_out ? inv_out->data<double>() : nullptr;
    const int64_t n = v.axis;
    parallel_for(v.outer, std::max<int64_t>(1, kGrain / std::max<int64_t>(1, n)), ctx.threads(),
                 [&](int64_t begin, int64_t end) {
                   for (int64_t r = begin; r < end; ++r) {
                     const double* xr = xd + r * n;
                     double* yr = yd + r * n;
                     double mean = 0, var = 0;
                     for (int64_t j = 0; j < n; ++j) mean += xr[j];
                     mean /= static_cast<double>(std::max<int64_t>(1, n));
                     for (int64_t j = 0; j < n; ++j) var += (xr[j] - mean) * (xr[j] - mean);
                     var /= static_cast<double>(std::max<int64_t>(1, n));
                     const double inv = 1.0 / std::sqrt(var + epsilon_);
                     for (int64_t j = 0; j < n; ++j) {
                       double s = scale[scale_index.empty() ? j : scale_index[j]];
                       double b = bias_t ? bias[bias_index.empty() ? j : bias_index[j]] : 0.0;
                       yr[j] = (xr[j] - mean) * inv * s + b;
                     }
                     if (mean_d) mean_d[r] = mean;
                     if (inv_d) inv_d[r] = inv;
                   }
                 });
  }

 private:
  // float, float16 and bfloat16 rows: the vectorized row kernel in float, with Scale and B as one
  // float per normalized position (param_per_position).
  void normalize_float(KernelContext& ctx, const Tensor& x, const Tensor& scale_t, const Tensor* bias_t,
                       const Shape& normalized, const AxisView& v, Tensor& y, Tensor* mean_out, Tensor* inv_out) const {
    const FloatParam scale = param_per_position(ctx, "Scale", scale_t, normalized);
    const FloatParam bias = bias_t ? param_per_position(ctx, "B", *bias_t, normalized) : FloatParam();
    const float *gamma = scale.values(), *beta = bias.values();
    float* mean_d = mean_out ? mean_out->data<float>() : nullptr;
    float* inv_d = inv_out ? inv_out->data<float>() : nullptr;
    const int64_t n = v.axis;
    const float epsilon = static_cast<float>(epsilon_);
    auto run = [&](const float* xd, float* yd) {
      parallel_for(v.outer, std::max<int64_t>(1, kGrain / std::max<int64_t>(1, n)), ctx.threads(),
                   [&](int64_t begin, int64_t end) {
                     // An empty row (n = 0) keeps mean 0 and variance 0, as the double path has it.
                     float stats[2] = {0.0f, static_cast<float>(1.0 / std::sqrt(epsilon_))};
                     for (int64_t r = begin; r < end; ++r) {
                       if (n > 0)
                         kernels::layer_norm_f32(xd + r * n, gamma, beta, yd + r * n, n, epsilon, true, stats);
                       if (mean_d) mean_d[r] = stats[0];
                       if (inv_d) inv_d[r] = stats[1];
                     }
                   });
    };
    with_float_compute(x, y, run);
  }

  // A parameter as one float per position of the normalized shape: its own data when it is a
  // float tensor of that shape (the usual case: nothing allocated per run), else its broadcast.
  struct FloatParam {
    const float* borrowed = nullptr;  // the tensor's own floats
    std::vector<float> storage;       // or a converted / broadcast copy
    const float* values() const { return storage.empty() ? borrowed : storage.data(); }
  };
  static FloatParam param_per_position(const KernelContext& ctx, const char* name, const Tensor& param,
                                       const Shape& normalized) {
    const std::vector<int64_t> index = normalized_broadcast_index(ctx, name, param.shape(), normalized);
    FloatParam p;
    if (index.empty() && param.dtype() == DataType::Float) {
      p.borrowed = param.data<float>();
      return p;
    }
    const std::vector<double> values = values_as_double(param);
    if (index.empty()) {
      p.storage.assign(values.begin(), values.end());
    } else {
      p.storage.resize(index.size());
      for (size_t j = 0; j < index.size(); ++j)
        p.storage[j] = static_cast<float>(values[static_cast<size_t>(index[j])]);
    }
    return p;
  }

  int64_t axis_;
  double epsilon_;
};

class LpNormalization final : public OpKernel {
 public:
  explicit LpNormalization(const KernelInfo& info) : axis_(info.attr_int("axis", -1)), p_(info.attr_int("p", 2)) {
    if (p_ != 1 && p_ != 2) info.fail(ErrorCode::InvalidGraph, "attribute 'p' must be 1 or 2, got ", p_);
  }

  void compute(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    const int64_t axis = resolve_axis(ctx, axis_, x.shape());
    const AxisView v = view_around_axis(x.shape(), axis);
    Tensor& y = ctx.output(0, x.dtype(), x.shape());
    with_compute_type(x, y, [&](const auto* xd, auto* yd) {
      using T = std::remove_const_t<std::remove_pointer_t<decltype(xd)>>;
      const int64_t lines = v.outer * v.inner;
      parallel_for(lines, std::max<int64_t>(1, kGrain / std::max<int64_t>(1, v.axis)), ctx.threads(),
                   [&](int64_t begin, int64_t end) {
                     for (int64_t l = begin; l < end; ++l) {
                       const int64_t base = (l / v.inner) * v.axis * v.inner + l % v.inner;
                       double norm = 0;
                       for (int64_t j = 0; j < v.axis; ++j) {
                         const double e = xd[base + j * v.inner];
                         norm += p_ == 1 ? std::fabs(e) : e * e;
                       }
                       if (p_ == 2) norm = std::sqrt(norm);
                       for (int64_t j = 0; j < v.axis; ++j) {
                         const int64_t i = base + j * v.inner;
                         yd[i] = norm == 0 ? T(0) : static_cast<T>(xd[i] / norm);
                       }
                     }
                   });
    });
  }

 private:
  int64_t axis_, p_;
};

}  // namespace

void register_axis_normalization(Registry& r) {
  const TypeSet floats{DataType::Float, DataType::Double, DataType::Float16};
  r.add({"", "LayerNormalization", 17, floats | TypeSet{DataType::BFloat16}, make_kernel<LayerNormalization>});
  r.add({"", "LpNormalization", 1, floats, make_kernel<LpNormalization>});
}

}  // namespace onyxrt::ops
