#include <iterator>

#include "ops/elementwise_apply.h"
#include "ops/math/elementwise_parts.h"
#include "ops/op_table.h"

namespace onyxrt::ops {
namespace {

// out = condition ? X : Y, the three broadcast together. Elements are only moved, so the loop
// is instantiated per element width (and for strings), not per type.
template <class W>
void select_runs(const BroadcastPlan& plan, const bool* cond, const W* x, const W* y, W* out, int threads) {
  const int64_t sc = plan.inner_stride(0), sx = plan.inner_stride(1), sy = plan.inner_stride(2);
  parallel_runs(plan, threads, [&](int64_t o, const int64_t* in, int64_t n) {
    const bool* __restrict c = cond + in[0];
    const W* __restrict a = x + in[1];
    const W* __restrict b = y + in[2];
    W* __restrict dst = out + o;
    if (sc && sx && sy) {
      for (int64_t i = 0; i < n; ++i) dst[i] = c[i] ? a[i] : b[i];
    } else {
      for (int64_t i = 0; i < n; ++i) dst[i] = c[i * sc] ? a[i * sx] : b[i * sy];
    }
  });
}

class WhereKernel final : public OpKernel {
 public:
  explicit WhereKernel(const KernelInfo&) {}

  void compute(KernelContext& ctx) const override {
    const Tensor& cond = ctx.input(0);
    const Tensor& x = ctx.input(1);
    const Tensor& y = ctx.input(2);
    if (cond.dtype() != DataType::Bool)
      ctx.fail(ErrorCode::InvalidArgument, "condition has element type ", data_type_name(cond.dtype()),
               ", expected bool");
    if (x.dtype() != y.dtype())
      ctx.fail(ErrorCode::InvalidArgument, "X and Y have different element types (", data_type_name(x.dtype()),
               " and ", data_type_name(y.dtype()), ")");
    Shape out_shape = broadcast_input_shapes(ctx, 0, 3);
    BroadcastPlan plan(out_shape, {&cond.shape(), &x.shape(), &y.shape()});
    bool supported = visit_element_width(x.dtype(), [&](auto tag) {
      using W = typename decltype(tag)::type;
      Tensor& out = ctx.output(0, x.dtype(), out_shape);
      select_runs(plan, cond.data<bool>(), x.data<W>(), y.data<W>(), out.data<W>(), ctx.threads());
    });
    if (!supported) ctx.fail(ErrorCode::NotImplemented, "element type ", data_type_name(x.dtype()), " is not supported");
  }
};

// The executor checks the first input's type: for Where that is the bool condition. Where-16
// added bfloat16 to X and Y, which every version here accepts.
constexpr OpRow kWhereRows[] = {
    {"Where", 9, kBoolTypes, make_kernel<WhereKernel>},
    {"Where", 16, kBoolTypes, make_kernel<WhereKernel>},
};
static_assert(std::size(kWhereRows) == 2, "update the row count together with the table");

}  // namespace

void register_where(Registry& r) { register_rows(r, kWhereRows); }

}  // namespace onyxrt::ops
