// GroupNormalization over an (N, C, spatial...) input: the C channels split into num_groups
// groups, statistics per (n, group), then y = (x - mean) / sqrt(var + epsilon) * scale + bias.
// Opset 18 has one scale / bias per group, opset 21 one per channel (and stash_type).
// Types: float, double, float16 / bfloat16 through float; statistics accumulate in double.
#include <algorithm>
#include <cmath>
#include <type_traits>
#include <vector>

#include "base/parallel.h"
#include "ops/float_staging.h"
#include "ops/registry.h"

namespace onyxrt::ops {
namespace {

constexpr int64_t kGrain = 16384;  // elements per parallel chunk

class GroupNormalization final : public OpKernel {
 public:
  explicit GroupNormalization(const KernelInfo& info)
      : per_channel_(info.opset() >= 21),
        epsilon_(info.attr_float("epsilon", 1e-5f)),
        groups_(info.required_int("num_groups")) {
    if (groups_ < 1) info.fail(ErrorCode::InvalidGraph, "attribute 'num_groups' must be positive, got ", groups_);
    const int64_t stash = info.attr_int("stash_type", 1);
    if (stash != 1 && stash != 11)
      info.fail(ErrorCode::NotImplemented, "stash_type ", stash, " is not supported (1 float or 11 double)");
  }

  void compute(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    if (x.rank() < 2)
      ctx.fail(ErrorCode::InvalidArgument, "input must have N and C axes, got shape ", shape_to_string(x.shape()));
    const int64_t n = x.dim(0), c = x.dim(1);
    if (c % groups_ != 0)
      ctx.fail(ErrorCode::InvalidArgument, "num_groups ", groups_, " does not divide the ", c,
               " channels of input shape ", shape_to_string(x.shape()));
    int64_t inner = 1;
    for (size_t d = 2; d < x.rank(); ++d) inner *= x.dim(d);
    const int64_t per_group = c / groups_, group_size = per_group * inner;
    const Tensor &scale_t = ctx.input(1), &bias_t = ctx.input(2);
    const int64_t want = per_channel_ ? c : groups_;
    if (scale_t.size() != want || bias_t.size() != want)
      ctx.fail(ErrorCode::InvalidArgument, "scale (shape ", shape_to_string(scale_t.shape()), ") and bias (shape ",
               shape_to_string(bias_t.shape()), ") must have ", want, per_channel_ ? " (C)" : " (num_groups)",
               " values for input shape ", shape_to_string(x.shape()));
    const std::vector<double> scale = values_as_double(scale_t), bias = values_as_double(bias_t);
    Tensor& y = ctx.output(0, x.dtype(), x.shape());
    if (y.size() == 0) return;
    with_compute_type(x, y, [&](const auto* xd, auto* yd) {
      using T = std::remove_const_t<std::remove_pointer_t<decltype(xd)>>;
      parallel_for(n * groups_, std::max<int64_t>(1, kGrain / std::max<int64_t>(1, group_size)), ctx.threads(),
                   [&](int64_t begin, int64_t end) {
                     for (int64_t ng = begin; ng < end; ++ng) {
                       const T* xg = xd + ng * group_size;
                       T* yg = yd + ng * group_size;
                       double mean = 0, var = 0;
                       for (int64_t i = 0; i < group_size; ++i) mean += xg[i];
                       mean /= static_cast<double>(std::max<int64_t>(1, group_size));
                       for (int64_t i = 0; i < group_size; ++i) var += (xg[i] - mean) * (xg[i] - mean);
                       var /= static_cast<double>(std::max<int64_t>(1, group_size));
                       const double inv = 1.0 / std::sqrt(var + epsilon_);
                       const int64_t g = ng % groups_;
                       for (int64_t k = 0; k < per_group; ++k) {
                         const int64_t p = per_channel_ ? g * per_group + k : g;
                         const double a = scale[p] * inv, b = bias[p] - mean * a;
                         const T* xc = xg + k * inner;
                         T* yc = yg + k * inner;
                         for (int64_t i = 0; i < inner; ++i) yc[i] = static_cast<T>(xc[i] * a + b);
                       }
                     }
                   });
    });
  }

 private:
  bool per_channel_;
  double epsilon_;
  int64_t groups_;
};

}  // namespace

void register_group_norm(Registry& r) {
  for (int since : {18, 21}) r.add({"", "GroupNormalization", since, kFloatTypes, make_kernel<GroupNormalization>});
}

}  // namespace onyxrt::ops
