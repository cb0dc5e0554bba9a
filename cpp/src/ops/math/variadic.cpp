#include <iterator>
#include <type_traits>

#include "ops/elementwise_apply.h"
#include "ops/math/binary_ops.h"
#include "ops/op_table.h"

namespace onyxrt::ops {
namespace {

// Max / Min propagate NaN, as numpy.maximum / minimum (the ONNX reference).
struct MaxOp {
  template <class T>
  T operator()(T a, T b) const {
    if constexpr (std::is_floating_point_v<T>) {
      return (a > b || a != a) ? a : b;
    } else {
      return a > b ? a : b;
    }
  }
};
struct MinOp {
  template <class T>
  T operator()(T a, T b) const {
    if constexpr (std::is_floating_point_v<T>) {
      return (a < b || a != a) ? a : b;
    } else {
      return a < b ? a : b;
    }
  }
};

// acc[i] = op(acc[i], b[i * stride_b]) over one run: the in-place step after the first pair.
template <class T, class Op>
inline void accumulate_run(T* acc, const T* b, int64_t stride_b, int64_t n, const Op& op) {
  if (stride_b) {
    for (int64_t i = 0; i < n; ++i) acc[i] = from_compute<T>(op(to_compute(acc[i]), to_compute(b[i])));
  } else {
    const auto bv = to_compute(b[0]);
    for (int64_t i = 0; i < n; ++i) acc[i] = from_compute<T>(op(to_compute(acc[i]), bv));
  }
}

// Sum / Max / Min / Mean of N inputs broadcast together (opset 8; earlier versions required equal
// shapes, which broadcasting serves too). Folded left to right in the element type, rounding at
// each step as the reference does; Mean divides the sum at the end.
template <class Op, class Types, bool kMean>
class VariadicKernel final : public OpKernel {
 public:
  explicit VariadicKernel(const KernelInfo& info) {
    if (info.input_count() == 0) info.fail(ErrorCode::InvalidGraph, "needs at least one input");
  }

  void compute(KernelContext& ctx) const override {
    const size_t n = ctx.input_count();
    const Tensor& first = ctx.input(0);
    for (size_t i = 1; i < n; ++i)
      if (ctx.input(i).dtype() != first.dtype())
        ctx.fail(ErrorCode::InvalidArgument, "input '", ctx.node().inputs[i], "' has element type ",
                 data_type_name(ctx.input(i).dtype()), ", the first input ", data_type_name(first.dtype()));
    if (n == 1) {  // nothing to combine: share the input
      ctx.set_output(0, ctx.input_value(0));
      return;
    }
    Shape out_shape = broadcast_input_shapes(ctx, 0, n);
    bool supported = visit_type(first.dtype(), Types{}, [&](auto tag) {
      using T = typename decltype(tag)::type;
      Tensor& out = ctx.output(0, first.dtype(), out_shape);
      T* acc = out.data<T>();
      const Tensor& second = ctx.input(1);
      BroadcastPlan pair(out_shape, {&first.shape(), &second.shape()});
      binary_apply(pair, first.data<T>(), second.data<T>(), acc, Op{}, ctx.threads());
      for (size_t i = 2; i < n; ++i) {
        const Tensor& next = ctx.input(i);
        const T* b = next.data<T>();
        BroadcastPlan plan(out_shape, {&next.shape()});
        const int64_t stride = plan.inner_stride(0);
        parallel_runs(plan, ctx.threads(), [&](int64_t o, const int64_t* in, int64_t len) {
          accumulate_run(acc + o, b + in[0], stride, len, Op{});
        });
      }
      if constexpr (kMean) {
        using C = compute_t<T>;
        const C count = static_cast<C>(n);
        parallel_for(out.size(), kElementwiseGrain, ctx.threads(), [&](int64_t begin, int64_t end) {
          for (int64_t i = begin; i < end; ++i) acc[i] = from_compute<T>(to_compute(acc[i]) / count);
        });
      }
    });
    if (!supported)
      ctx.fail(ErrorCode::NotImplemented, "element type ", data_type_name(first.dtype()), " is not supported");
  }
};

using SumKernel = VariadicKernel<binary::Add, FloatTypeList, false>;
using MeanKernel = VariadicKernel<binary::Add, FloatTypeList, true>;
using MaxKernel = VariadicKernel<MaxOp, NumericTypeList, false>;
using MinKernel = VariadicKernel<MinOp, NumericTypeList, false>;

constexpr OpRow kVariadicRows[] = {
    {"Sum", 6, kIeeeFloatTypes, make_kernel<SumKernel>},
    {"Sum", 8, kIeeeFloatTypes, make_kernel<SumKernel>},
    {"Sum", 13, kFloatTypes, make_kernel<SumKernel>},
    {"Mean", 6, kIeeeFloatTypes, make_kernel<MeanKernel>},
    {"Mean", 8, kIeeeFloatTypes, make_kernel<MeanKernel>},
    {"Mean", 13, kFloatTypes, make_kernel<MeanKernel>},
    {"Max", 6, kIeeeFloatTypes, make_kernel<MaxKernel>},
    {"Max", 8, kIeeeFloatTypes, make_kernel<MaxKernel>},
    {"Max", 12, kNumericTypesNoBf16, make_kernel<MaxKernel>},
    {"Max", 13, kNumericTypes, make_kernel<MaxKernel>},
    {"Min", 6, kIeeeFloatTypes, make_kernel<MinKernel>},
    {"Min", 8, kIeeeFloatTypes, make_kernel<MinKernel>},
    {"Min", 12, kNumericTypesNoBf16, make_kernel<MinKernel>},
    {"Min", 13, kNumericTypes, make_kernel<MinKernel>},
};
static_assert(std::size(kVariadicRows) == 14, "update the row count together with the table");

}  // namespace

void register_variadic(Registry& r) { register_rows(r, kVariadicRows); }

}  // namespace onyxrt::ops
