// StringConcat (20): Z = X + Y elementwise on strings, numpy broadcasting (ops/broadcast.h).
#include <string>

#include "ops/broadcast.h"
#include "ops/registry.h"
#include "ops/shape_check.h"

namespace onyxrt::ops {
namespace {

class StringConcat final : public OpKernel {
 public:
  explicit StringConcat(const KernelInfo&) {}

  void compute(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    const Tensor& y = ctx.input(1);
    if (y.dtype() != DataType::String)
      ctx.fail(ErrorCode::InvalidArgument, "Y has element type ", data_type_name(y.dtype()), ", expected string");
    const Shape shape = broadcast_input_shapes(ctx, 0, 2);
    checked_output_size(ctx, shape);
    const BroadcastPlan plan(shape, {&x.shape(), &y.shape()});
    std::string* out = ctx.output(0, DataType::String, shape).data<std::string>();
    const std::string* xs = x.data<std::string>();
    const std::string* ys = y.data<std::string>();
    const int64_t sx = plan.inner_stride(0), sy = plan.inner_stride(1);
    parallel_runs(plan, ctx.threads(), [&](int64_t o, const int64_t* in, int64_t n) {
      for (int64_t i = 0; i < n; ++i) {
        const std::string& a = xs[in[0] + i * sx];
        const std::string& b = ys[in[1] + i * sy];
        std::string& z = out[o + i];
        z.reserve(a.size() + b.size());
        z.assign(a).append(b);
      }
    });
  }
};

}  // namespace

void register_string_concat(Registry& r) {
  r.add({"", "StringConcat", 20, TypeSet{DataType::String}, make_kernel<StringConcat>});
}

}  // namespace onyxrt::ops
