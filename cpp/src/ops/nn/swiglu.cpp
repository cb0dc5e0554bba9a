// SwiGLU (28): Y = Swish_alpha(A) * B, Swish_alpha(a) = a * sigmoid(alpha * a). A and B have one
// shape and one type; nothing broadcasts.
// Types: float, double; float16 / bfloat16 through float, the gate rounded to 16 bits before the
// product as the function body (Swish, then Mul) rounds it.
#include <algorithm>
#include <cmath>
#include <type_traits>

#include "base/parallel.h"
#include "ops/elementwise_types.h"
#include "ops/registry.h"

namespace onyxrt::ops {
namespace {

constexpr int64_t kGrain = 16384;

class SwiGLU final : public OpKernel {
 public:
  explicit SwiGLU(const KernelInfo& info) : alpha_(info.attr_float("alpha", 1.0f)) {}

  void compute(KernelContext& ctx) const override {
    const Tensor& a = ctx.input(0);
    const Tensor& b = ctx.input(1);
    if (b.dtype() != a.dtype() || b.shape() != a.shape())
      ctx.fail(ErrorCode::InvalidArgument, "A (", data_type_name(a.dtype()), " ", shape_to_string(a.shape()),
               ") and B (", data_type_name(b.dtype()), " ", shape_to_string(b.shape()),
               ") must have the same type and shape; SwiGLU does not broadcast");
    Tensor& y = ctx.output(0, a.dtype(), a.shape());
    visit_type(a.dtype(), FloatTypeList{}, [&](auto tag) {
      using T = typename decltype(tag)::type;
      using C = compute_t<T>;
      const T* ad = a.data<T>();
      const T* bd = b.data<T>();
      T* yd = y.data<T>();
      const C alpha = static_cast<C>(alpha_);
      parallel_for(a.size(), kGrain, ctx.threads(), [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i) {
          const C x = to_compute(ad[i]);
          const T gate = from_compute<T>(x / (C(1) + std::exp(-alpha * x)));
          yd[i] = from_compute<T>(to_compute(gate) * to_compute(bd[i]));
        }
      });
    });
  }

 private:
  float alpha_;
};

}  // namespace

void register_swiglu(Registry& r) {
  r.add({"", "SwiGLU", 28, kFloatTypes, make_kernel<SwiGLU>});
}

}  // namespace onyxrt::ops
