// MeanVarianceNormalization (opsets 9, 13): y = (x - mean) / (sqrt(var) + 1e-9), the statistics
// taken over `axes` (default [0, 2, 3]: per channel of an NCHW tensor). The ONNX function body
// computes var as E[x^2] - E[x]^2; here it is E[(x - mean)^2], the same value without the
// cancellation, and both means accumulate in double, so that a constant slice gives exactly 0.
// The means run on the shared reduction engine; the broadcasts walk Y once each.
// Types: float, double, float16 / bfloat16 through float.
#include <algorithm>
#include <cmath>
#include <type_traits>
#include <vector>

#include "base/parallel.h"
#include "ops/float_staging.h"
#include "ops/reduce/reduction_engine.h"
#include "ops/registry.h"

namespace onyxrt::ops {
namespace {

constexpr double kEpsilon = 1e-9;  // the function body's constant, added to the standard deviation

// The mean of x (or of x^2) in the reduction engine's Reducer form, accumulated in double.
template <class T, bool kSquares>
struct MeanInDouble {
  using Acc = double;
  static constexpr bool kArithmeticAdd = true;
  Acc identity() const { return 0; }
  Acc add(Acc a, const T& x) const { return a + (kSquares ? double(x) * double(x) : double(x)); }
  Acc merge(Acc a, Acc b) const { return a + b; }
  T finish(Acc a, int64_t count) const { return static_cast<T>(a / static_cast<double>(count)); }
};

// y[i] = f(y[i], stat[the statistic of element i]) over a tensor of `dims`, in parallel.
template <class T, class F>
void apply_per_statistic(const std::vector<int64_t>& dims, const std::vector<int64_t>& stat_strides,
                         const T* stat, const T* in, T* out, int64_t size, int threads, F f) {
  parallel_for(size, kReduceGrain, threads, [&](int64_t begin, int64_t end) {
    OffsetWalker walk(dims, stat_strides, begin);
    for (int64_t i = begin; i < end; ++i, walk.next()) out[i] = f(in[i], stat[walk.offset()]);
  });
}

class MeanVarianceNormalization final : public OpKernel {
 public:
  explicit MeanVarianceNormalization(const KernelInfo& info) : axes_(info.attr_ints("axes", {0, 2, 3})) {
    check_axes_attribute(info, axes_);
  }

  void compute(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    const int64_t rank = static_cast<int64_t>(x.rank());
    const std::vector<bool> reduced = reduced_axes_mask(ctx, axes_, false, rank);
    const ReductionPlan plan = plan_reduction(ctx, x.shape(), reduced, true);
    Tensor& y = ctx.output(0, x.dtype(), x.shape());
    if (y.size() == 0) return;
    // Row-major strides of the statistics (keepdims shape), 0 along the reduced axes.
    std::vector<int64_t> strides(static_cast<size_t>(rank), 0);
    for (int64_t d = rank - 1, step = 1; d >= 0; --d) {
      if (!reduced[d]) strides[d] = step, step *= x.dim(d);
    }
    with_compute_type(x, y, [&](const auto* xd, auto* yd) {
      using T = std::remove_const_t<std::remove_pointer_t<decltype(xd)>>;
      std::vector<T> stat(static_cast<size_t>(plan.output_size));
      const int threads = ctx.threads();
      run_reduction(MeanInDouble<T, false>{}, plan, xd, stat.data(), threads);
      apply_per_statistic(x.shape(), strides, stat.data(), xd, yd, y.size(), threads,
                          [](T v, T mean) { return v - mean; });
      run_reduction(MeanInDouble<T, true>{}, plan, yd, stat.data(), threads);
      apply_per_statistic(x.shape(), strides, stat.data(), yd, yd, y.size(), threads,
                          [](T centered, T var) { return centered / (std::sqrt(var) + static_cast<T>(kEpsilon)); });
    });
  }

 private:
  std::vector<int64_t> axes_;
};

}  // namespace

void register_mvn(Registry& r) {
  const TypeSet types{DataType::Float, DataType::Double, DataType::Float16};
  r.add({"", "MeanVarianceNormalization", 9, types, make_kernel<MeanVarianceNormalization>});
  r.add({"", "MeanVarianceNormalization", 13, types | TypeSet{DataType::BFloat16},
         make_kernel<MeanVarianceNormalization>});
}

}  // namespace onyxrt::ops
