#include <iterator>
#include <vector>

#include "ops/elementwise_types.h"
#include "ops/op_table.h"
#include "ops/reduce/reduce_parts.h"
#include "ops/reduce/reducers.h"
#include "ops/reduce/reduction_engine.h"

// ReduceSum, ReduceMean, ReduceMax, ReduceMin, ReduceProd, ReduceL1, ReduceL2, ReduceLogSum,
// ReduceLogSumExp, ReduceSumSquare: one kernel over the shared engine, a fold per op, and a row
// per operator version. The axes moved from an attribute to an optional input (ReduceSum at 13,
// the others at 18), which brought noop_with_empty_axes: those are separate rows.
namespace onyxrt::ops {
namespace {

using namespace reducers;

using ReduceTypeList = TypeList<float, double, fp16_t, bf16_t, int32_t, int64_t, uint32_t, uint64_t>;
using ExtremeTypeList = decltype(ReduceTypeList{} + TypeList<int8_t, uint8_t, bool>{});

// An operator: the element types it may be instantiated for and its fold per type.
#define ONYXRT_REDUCE_OP(Name, Types, ...) \
  struct Name {                            \
    using TypeList = Types;                \
    template <class T>                     \
    using Reducer = __VA_ARGS__;           \
  };
ONYXRT_REDUCE_OP(Sum, ReduceTypeList, SumOf<T, Plain, Total>)
ONYXRT_REDUCE_OP(Mean, ReduceTypeList, SumOf<T, Plain, Average>)
ONYXRT_REDUCE_OP(L1, ReduceTypeList, SumOf<T, Absolute, Total>)
ONYXRT_REDUCE_OP(L2, ReduceTypeList, SumOf<T, Square, SquareRoot>)
ONYXRT_REDUCE_OP(LogSum, ReduceTypeList, SumOf<T, Plain, Logarithm>)
ONYXRT_REDUCE_OP(SumSquare, ReduceTypeList, SumOf<T, Square, Total>)
ONYXRT_REDUCE_OP(Prod, ReduceTypeList, ProductOf<T>)
ONYXRT_REDUCE_OP(LogSumExp, ReduceTypeList, LogSumExpOf<T>)
ONYXRT_REDUCE_OP(Max, ExtremeTypeList, ExtremeOf<T, true>)
ONYXRT_REDUCE_OP(Min, ExtremeTypeList, ExtremeOf<T, false>)
#undef ONYXRT_REDUCE_OP

enum class AxesFrom { Attribute, Input };

template <class Op, AxesFrom kAxes>
class ReduceKernel final : public OpKernel {
 public:
  explicit ReduceKernel(const KernelInfo& info) : keepdims_(info.attr_int("keepdims", 1) != 0) {
    if constexpr (kAxes == AxesFrom::Attribute) {
      axes_ = info.attr_ints("axes");
      check_axes_attribute(info, axes_);
    } else {
      noop_with_empty_axes_ = info.attr_int("noop_with_empty_axes", 0) != 0;
    }
  }

  void compute(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    std::vector<int64_t> input_axes;
    if constexpr (kAxes == AxesFrom::Input) input_axes = read_axes_input(ctx, 1);
    const std::vector<int64_t>& axes = kAxes == AxesFrom::Input ? input_axes : axes_;
    const std::vector<bool> reduced =
        reduced_axes_mask(ctx, axes, noop_with_empty_axes_, static_cast<int64_t>(x.rank()));
    const ReductionPlan plan = plan_reduction(ctx, x.shape(), reduced, keepdims_);

    const bool supported = visit_type(x.dtype(), typename Op::TypeList{}, [&](auto tag) {
      using T = typename decltype(tag)::type;
      using R = typename Op::template Reducer<T>;
      if constexpr (R::kIdentityOnOne) {
        if (plan.reduces_nothing) {  // every output is one input element: share the input's storage
          ctx.set_output(0, x.reshaped(plan.output_shape));
          return;
        }
      }
      Tensor& y = ctx.output(0, x.dtype(), plan.output_shape);
      run_reduction(R{}, plan, x.data<T>(), y.data<T>(), ctx.threads());
    });
    if (!supported)
      ctx.fail(ErrorCode::NotImplemented, "element type ", data_type_name(x.dtype()), " is not supported");
  }

 private:
  bool keepdims_;
  bool noop_with_empty_axes_ = false;
  std::vector<int64_t> axes_;
};

template <class Op>
constexpr KernelFactory axes_attribute = make_kernel<ReduceKernel<Op, AxesFrom::Attribute>>;
template <class Op>
constexpr KernelFactory axes_input = make_kernel<ReduceKernel<Op, AxesFrom::Input>>;

// Type sets of the versions, named by what they hold.
constexpr TypeSet kTypes1{DataType::Float,  DataType::Double, DataType::Float16, DataType::Int32,
                          DataType::Int64,  DataType::UInt32, DataType::UInt64};
constexpr TypeSet kTypes13 = kTypes1 | TypeSet{DataType::BFloat16};
constexpr TypeSet kExtremeTypes12 = kTypes1 | TypeSet{DataType::Int8, DataType::UInt8};
constexpr TypeSet kExtremeTypes13 = kExtremeTypes12 | TypeSet{DataType::BFloat16};
constexpr TypeSet kExtremeTypes20 = kExtremeTypes13 | TypeSet{DataType::Bool};

// Versions whose only change was allowing negative axes (11) are served by the row before.
constexpr OpRow kReduceRows[] = {
    {"ReduceSum", 1, kTypes1, axes_attribute<Sum>},
    {"ReduceSum", 13, kTypes13, axes_input<Sum>},
    {"ReduceMean", 1, kTypes1, axes_attribute<Mean>},
    {"ReduceMean", 13, kTypes13, axes_attribute<Mean>},
    {"ReduceMean", 18, kTypes13, axes_input<Mean>},
    {"ReduceProd", 1, kTypes1, axes_attribute<Prod>},
    {"ReduceProd", 13, kTypes13, axes_attribute<Prod>},
    {"ReduceProd", 18, kTypes13, axes_input<Prod>},
    {"ReduceL1", 1, kTypes1, axes_attribute<L1>},
    {"ReduceL1", 13, kTypes13, axes_attribute<L1>},
    {"ReduceL1", 18, kTypes13, axes_input<L1>},
    {"ReduceL2", 1, kTypes1, axes_attribute<L2>},
    {"ReduceL2", 13, kTypes13, axes_attribute<L2>},
    {"ReduceL2", 18, kTypes13, axes_input<L2>},
    {"ReduceSumSquare", 1, kTypes1, axes_attribute<SumSquare>},
    {"ReduceSumSquare", 13, kTypes13, axes_attribute<SumSquare>},
    {"ReduceSumSquare", 18, kTypes13, axes_input<SumSquare>},
    {"ReduceLogSum", 1, kTypes1, axes_attribute<LogSum>},
    {"ReduceLogSum", 13, kTypes13, axes_attribute<LogSum>},
    {"ReduceLogSum", 18, kTypes13, axes_input<LogSum>},
    {"ReduceLogSum", 28, kFloatTypes, axes_input<LogSum>},
    {"ReduceLogSumExp", 1, kTypes1, axes_attribute<LogSumExp>},
    {"ReduceLogSumExp", 13, kTypes13, axes_attribute<LogSumExp>},
    {"ReduceLogSumExp", 18, kTypes13, axes_input<LogSumExp>},
    {"ReduceLogSumExp", 28, kFloatTypes, axes_input<LogSumExp>},
    {"ReduceMax", 1, kTypes1, axes_attribute<Max>},
    {"ReduceMax", 12, kExtremeTypes12, axes_attribute<Max>},
    {"ReduceMax", 13, kExtremeTypes13, axes_attribute<Max>},
    {"ReduceMax", 18, kExtremeTypes13, axes_input<Max>},
    {"ReduceMax", 20, kExtremeTypes20, axes_input<Max>},
    {"ReduceMin", 1, kTypes1, axes_attribute<Min>},
    {"ReduceMin", 12, kExtremeTypes12, axes_attribute<Min>},
    {"ReduceMin", 13, kExtremeTypes13, axes_attribute<Min>},
    {"ReduceMin", 18, kExtremeTypes13, axes_input<Min>},
    {"ReduceMin", 20, kExtremeTypes20, axes_input<Min>},
};
static_assert(std::size(kReduceRows) == 35, "update the row count together with the table");

}  // namespace

void register_reduce(Registry& r) { register_rows(r, kReduceRows); }

}  // namespace onyxrt::ops
