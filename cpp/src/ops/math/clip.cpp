#include <iterator>
#include <limits>

#include "ops/elementwise_apply.h"
#include "ops/math/elementwise_parts.h"
#include "ops/op_table.h"

namespace onyxrt::ops {
namespace {

// min(max(x, lo), hi): when lo > hi everything becomes hi, as the spec says; NaN stays NaN.
template <class C>
struct ClampOp {
  C lo, hi;
  C operator()(C x) const {
    C y = x < lo ? lo : x;
    return y > hi ? hi : y;
  }
};

template <class T>
void clamp_tensor(KernelContext& ctx, const Tensor& x, compute_t<T> lo, compute_t<T> hi) {
  Tensor& y = ctx.output(0, x.dtype(), x.shape());
  unary_apply(x.data<T>(), y.data<T>(), x.size(), ClampOp<compute_t<T>>{lo, hi}, ctx.threads());
}

// Clip-6: the bounds are float attributes.
class ClipAttributeKernel final : public OpKernel {
 public:
  explicit ClipAttributeKernel(const KernelInfo& info)
      : lo_(info.attr_float("min", std::numeric_limits<float>::lowest())),
        hi_(info.attr_float("max", std::numeric_limits<float>::max())) {}

  void compute(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    bool supported = visit_type(x.dtype(), FloatTypeList{}, [&](auto tag) {
      using T = typename decltype(tag)::type;
      clamp_tensor<T>(ctx, x, compute_t<T>(lo_), compute_t<T>(hi_));
    });
    if (!supported) ctx.fail(ErrorCode::NotImplemented, "element type ", data_type_name(x.dtype()), " is not supported");
  }

 private:
  float lo_, hi_;
};

// Clip-11 and later: the bounds are optional scalar inputs of the input's type.
class ClipInputKernel final : public OpKernel {
 public:
  explicit ClipInputKernel(const KernelInfo&) {}

  void compute(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    bool supported = visit_type(x.dtype(), NumericTypeList{}, [&](auto tag) {
      using T = typename decltype(tag)::type;
      using C = compute_t<T>;
      C lo = std::numeric_limits<C>::lowest(), hi = std::numeric_limits<C>::max();
      if constexpr (std::is_floating_point_v<C>) {
        lo = -std::numeric_limits<C>::infinity();
        hi = std::numeric_limits<C>::infinity();
      }
      if (ctx.has_input(1)) lo = bound<T>(ctx, 1, "min");
      if (ctx.has_input(2)) hi = bound<T>(ctx, 2, "max");
      clamp_tensor<T>(ctx, x, lo, hi);
    });
    if (!supported) ctx.fail(ErrorCode::NotImplemented, "element type ", data_type_name(x.dtype()), " is not supported");
  }

 private:
  template <class T>
  static compute_t<T> bound(const KernelContext& ctx, size_t i, const char* what) {
    const Tensor& t = ctx.input(i);
    if (t.dtype() != ctx.input(0).dtype())
      ctx.fail(ErrorCode::InvalidArgument, "'", what, "' has element type ", data_type_name(t.dtype()),
               ", expected the input's ", data_type_name(ctx.input(0).dtype()));
    if (t.size() != 1)
      ctx.fail(ErrorCode::InvalidArgument, "'", what, "' must be a scalar, got shape ", shape_to_string(t.shape()));
    return to_compute(t.data<T>()[0]);
  }
};

constexpr OpRow kClipRows[] = {
    {"Clip", 6, kIeeeFloatTypes, make_kernel<ClipAttributeKernel>},
    {"Clip", 11, kIeeeFloatTypes, make_kernel<ClipInputKernel>},
    {"Clip", 12, kNumericTypesNoBf16, make_kernel<ClipInputKernel>},
    {"Clip", 13, kNumericTypes, make_kernel<ClipInputKernel>},
};
static_assert(std::size(kClipRows) == 4, "update the row count together with the table");

}  // namespace

void register_clip(Registry& r) { register_rows(r, kClipRows); }

}  // namespace onyxrt::ops
