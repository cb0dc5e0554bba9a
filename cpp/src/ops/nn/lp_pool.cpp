// LpPool (opsets 2, 11, 18): y = (sum over the window of |x|^p)^(1/p), padding counting as 0.
// The window (kernel_shape, strides, pads, auto_pad; dilations and ceil_mode from 18) is resolved
// by the pooling / Conv window rules in ops/window_geometry.h. Each (n, c) plane is one unit of
// parallel work; windows are clipped to the input once per axis and output index.
// Types: float, double, float16 through float; sums accumulate in double.
#include <algorithm>
#include <cmath>
#include <type_traits>
#include <vector>

#include "base/parallel.h"
#include "ops/float_staging.h"
#include "ops/registry.h"
#include "ops/window_geometry.h"

namespace onyxrt::ops {
namespace {

using kernels::ConvGeometry;

int64_t ceil_div(int64_t a, int64_t b) { return a >= 0 ? (a + b - 1) / b : -((-a) / b); }

// One axis's windows, per output index: the input position of tap 0 and the taps [lo, hi) that
// fall inside the input. Axes beyond the geometry's rank are leading unit axes.
struct Axis {
  int64_t input = 1, dilation = 1, output = 1;
  std::vector<int64_t> start{0}, lo{0}, hi{1};
};

void make_axes(const ConvGeometry& g, Axis* axes) {
  const int shift = kMaxPoolSpatialRank - g.rank;
  for (int d = shift; d < kMaxPoolSpatialRank; ++d) {
    const int s = d - shift;
    Axis& a = axes[d];
    a.input = g.input[s], a.dilation = g.dilation[s], a.output = g.output[s];
    const size_t n = static_cast<size_t>(a.output);
    a.start.resize(n), a.lo.resize(n), a.hi.resize(n);
    for (int64_t o = 0; o < a.output; ++o) {
      const int64_t start = o * g.stride[s] - g.pad_begin[s];
      a.start[o] = start;
      a.lo[o] = std::max<int64_t>(0, ceil_div(-start, a.dilation));
      a.hi[o] = std::max(a.lo[o], std::min<int64_t>(g.kernel[s], ceil_div(a.input - start, a.dilation)));
    }
  }
}

// The p-norm of every window of one plane. Axis indices run outermost first.
template <class T>
void lp_plane(const Axis* axes, int64_t p, const T* xp, T* yp) {
  const Axis &a0 = axes[0], &a1 = axes[1], &a2 = axes[2];
  int64_t out = 0;
  for (int64_t o0 = 0; o0 < a0.output; ++o0)
    for (int64_t o1 = 0; o1 < a1.output; ++o1)
      for (int64_t o2 = 0; o2 < a2.output; ++o2, ++out) {
        double sum = 0;
        for (int64_t k0 = a0.lo[o0]; k0 < a0.hi[o0]; ++k0) {
          const int64_t i0 = a0.start[o0] + k0 * a0.dilation;
          for (int64_t k1 = a1.lo[o1]; k1 < a1.hi[o1]; ++k1) {
            const int64_t i1 = a1.start[o1] + k1 * a1.dilation;
            const T* row = xp + (i0 * a1.input + i1) * a2.input;
            for (int64_t k2 = a2.lo[o2]; k2 < a2.hi[o2]; ++k2) {
              const double v = row[a2.start[o2] + k2 * a2.dilation];
              sum += p == 2 ? v * v : p == 1 ? std::fabs(v) : std::pow(std::fabs(v), static_cast<double>(p));
            }
          }
        }
        const double norm = p == 2 ? std::sqrt(sum) : p == 1 ? sum : std::pow(sum, 1.0 / static_cast<double>(p));
        yp[out] = static_cast<T>(norm);
      }
}

class LpPool final : public OpKernel {
 public:
  explicit LpPool(const KernelInfo& info) : window_(parse_window_attributes(info)), p_(info.attr_int("p", 2)) {
    if (window_.kernel_shape.empty())
      info.fail(ErrorCode::InvalidGraph, "required attribute 'kernel_shape' is missing");
    if (p_ < 1) info.fail(ErrorCode::InvalidGraph, "attribute 'p' must be positive, got ", p_);
  }

  void compute(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    const WindowPlan plan = resolve_pool_window(window_, ctx, x.shape());
    const Shape out_shape = window_output_shape(plan, x.dim(0), x.dim(1));
    Tensor& y = ctx.output(0, x.dtype(), out_shape);
    if (y.size() == 0) return;
    const ConvGeometry& g = plan.geometry;
    Axis axes[kMaxPoolSpatialRank];
    make_axes(g, axes);
    const int64_t planes = x.dim(0) * x.dim(1), in_size = g.input_size(), out_size = g.output_size();
    const int64_t grain = std::max<int64_t>(1, 16384 / std::max<int64_t>(1, out_size * g.kernel_size()));
    with_compute_type(x, y, [&](const auto* xd, auto* yd) {
      parallel_for(planes, grain, ctx.threads(), [&](int64_t begin, int64_t end) {
        for (int64_t pl = begin; pl < end; ++pl) lp_plane(axes, p_, xd + pl * in_size, yd + pl * out_size);
      });
    });
  }

 private:
  WindowAttributes window_;
  int64_t p_;
};

}  // namespace

void register_lp_pool(Registry& r) {
  // 11 lets pads default per auto_pad as the other pools do; 18 adds dilations and ceil_mode.
  const TypeSet floats{DataType::Float, DataType::Double, DataType::Float16};
  for (int since : {2, 11, 18}) r.add({"", "LpPool", since, floats, make_kernel<LpPool>});
}

}  // namespace onyxrt::ops
