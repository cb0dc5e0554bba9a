// RMSNormalization (23): y = x / sqrt(mean(x^2) + epsilon) * Scale, the mean taken over the axes
// from `axis` on, Scale broadcast (numpy rules) to those axes. Y has Scale's type.
// Types: float, double, float16 / bfloat16 through float. With stash_type 1 (float) and X and Scale
// of one float type the mean of squares is float (the row kernel of kernels/layer_norm.h, over
// partial sums); otherwise it accumulates in double (stash_type 11, double and mixed types).
#include <algorithm>
#include <cmath>
#include <type_traits>
#include <vector>

#include "base/parallel.h"
#include "kernels/layer_norm.h"
#include "ops/axis_view.h"
#include "ops/broadcast.h"
#include "ops/float_staging.h"
#include "ops/nn/norm_broadcast.h"
#include "ops/registry.h"

namespace onyxrt::ops {
namespace {

constexpr int64_t kGrain = 16384;  // elements per parallel chunk

class RMSNormalization final : public OpKernel {
 public:
  explicit RMSNormalization(const KernelInfo& info)
      : axis_(info.attr_int("axis", -1)), epsilon_(info.attr_float("epsilon", 1e-5f)) {
    const int64_t stash = info.attr_int("stash_type", 1);
    float_stash_ = stash == 1;
    if (stash != 1 && stash != 11)
      info.fail(ErrorCode::NotImplemented, "stash_type ", stash, " is not supported (1 float or 11 double)");
  }

  void compute(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    const int64_t axis = resolve_axis(ctx, axis_, x.shape());
    const AxisView v = view_flattened_at(x.shape(), axis);
    const Shape normalized(x.shape().begin() + axis, x.shape().end());
    const Tensor& scale_t = ctx.input(1);
    const std::vector<double> scale = values_as_double(scale_t);
    const std::vector<int64_t> index = normalized_broadcast_index(ctx, "scale", scale_t.shape(), normalized);
    // Y has Scale's type (V), which may differ from X's (T).
    Tensor& y = ctx.output(0, scale_t.dtype(), x.shape());
    if (y.size() == 0) return;
    auto normalize = [&](const auto* xd, auto* yd) {
      using T = std::remove_pointer_t<decltype(yd)>;
      const int64_t n = v.axis;
      parallel_for(v.outer, std::max<int64_t>(1, kGrain / std::max<int64_t>(1, n)), ctx.threads(),
                   [&](int64_t begin, int64_t end) {
                     for (int64_t r = begin; r < end; ++r) {
                       const auto* xr = xd + r * n;
                       T* yr = yd + r * n;
                       double sum = 0;
                       for (int64_t j = 0; j < n; ++j) sum += static_cast<double>(xr[j]) * xr[j];
                       const double inv = 1.0 / std::sqrt(sum / static_cast<double>(n) + epsilon_);
                       for (int64_t j = 0; j < n; ++j)
                         yr[j] = static_cast<T>(xr[j] * inv * scale[index.empty() ? j : index[j]]);
                     }
                   });
    };
    if (float_stash_ && scale_t.dtype() == x.dtype() && x.dtype() != DataType::Double) {
      normalize_float(ctx, x, scale, index, v, y);
      return;
    }
    if (scale_t.dtype() == x.dtype()) {
      with_compute_type(x, y, normalize);
      return;
    }
    // Mixed types: through double, then stored in Y's type.
    const std::vector<double> xs = values_as_double(x);
    std::vector<double> ys(xs.size());
    normalize(xs.data(), ys.data());
    if (y.dtype() == DataType::Double) {
      std::copy(ys.begin(), ys.end(), y.data<double>());
    } else {
      const std::vector<float> yf(ys.begin(), ys.end());
      narrow_from_float(yf.data(), y);
    }
  }

 private:
  // float, float16 and bfloat16 with Scale of the same type: the vectorized row kernel in float
  // (sum of squares over float partial sums), Scale expanded to one float per position.
  void normalize_float(KernelContext& ctx, const Tensor& x, const std::vector<double>& scale,
                       const std::vector<int64_t>& index, const AxisView& v, Tensor& y) const {
    const int64_t n = v.axis;
    std::vector<float> g(static_cast<size_t>(n));
    for (int64_t j = 0; j < n; ++j) g[j] = static_cast<float>(scale[static_cast<size_t>(index.empty() ? j : index[j])]);
    const float epsilon = static_cast<float>(epsilon_);
    auto run = [&](const float* xd, float* yd) {
      parallel_for(v.outer, std::max<int64_t>(1, kGrain / std::max<int64_t>(1, n)), ctx.threads(),
                   [&](int64_t begin, int64_t end) {
                     for (int64_t r = begin; r < end; ++r)
                       kernels::layer_norm_f32(xd + r * n, g.data(), nullptr, yd + r * n, n, epsilon, false, nullptr);
                   });
    };
    with_float_compute(x, y, run);
  }

  int64_t axis_;
  double epsilon_;
  bool float_stash_;
};

}  // namespace

void register_rms_norm(Registry& r) {
  r.add({"", "RMSNormalization", 23, kFloatTypes, make_kernel<RMSNormalization>});
}

}  // namespace onyxrt::ops
