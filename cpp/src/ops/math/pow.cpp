#include <cmath>
#include <iterator>
#include <optional>
#include <type_traits>

#include "ops/elementwise_apply.h"
#include "ops/math/elementwise_parts.h"
#include "ops/op_table.h"

namespace onyxrt::ops {
namespace {

// Z = X ^ Y with broadcasting. From opset 12 the exponent may have another type than the base;
// Z has the base's type (numpy.power(x, y).astype(x.dtype), the ONNX reference).
struct PowOp {
  template <class A, class B>
  A operator()(A base, B exponent) const {
    if constexpr (std::is_integral_v<A> && std::is_integral_v<B>) {
      return integer_power(base, exponent);
    } else if constexpr (std::is_integral_v<A>) {
      return float_to_integer<A>(std::pow(static_cast<double>(base), static_cast<double>(exponent)));
    } else if constexpr (std::is_same_v<A, float> && std::is_same_v<B, float>) {
      return std::pow(base, exponent);
    } else {
      return static_cast<A>(std::pow(static_cast<double>(base), static_cast<double>(exponent)));
    }
  }

  // Exact (wrapping) integer power by squaring. A negative exponent gives the truncated
  // reciprocal: 1 and -1 keep a magnitude of 1, anything else gives 0 (0 ^ -n too, not a crash).
  template <class A, class B>
  static A integer_power(A base, B exponent) {
    if constexpr (std::is_signed_v<B>) {
      if (exponent < B(0)) {
        if (base == A(1)) return A(1);
        if (base == A(-1)) return (exponent % 2 == 0) ? A(1) : A(-1);
        return A(0);
      }
    }
    A result = 1;
    auto e = static_cast<std::make_unsigned_t<B>>(exponent);
    while (e != 0) {
      if (e & 1u) result = wrapping_mul(result, base);
      base = wrapping_mul(base, base);
      e >>= 1;
    }
    return result;
  }
};

using PowBaseTypes = TypeList<float, double, fp16_t, bf16_t, int32_t, int64_t>;

// Pow-1 broadcasts Y by the 'broadcast' / 'axis' attributes (kLegacy), later versions like numpy.
template <bool kLegacy>
class PowKernel final : public OpKernel {
 public:
  explicit PowKernel(const KernelInfo& info) {
    if constexpr (kLegacy) legacy_.emplace(info);
  }

  void compute(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    const Tensor& y = ctx.input(1);
    Shape out_shape = kLegacy ? x.shape() : broadcast_input_shapes(ctx, 0, 2);
    Shape y_view = kLegacy ? legacy_->view_of_b(ctx, x.shape(), y.shape()) : y.shape();
    bool supported = false;
    visit_type(x.dtype(), PowBaseTypes{}, [&](auto base_tag) {
      using A = typename decltype(base_tag)::type;
      supported = visit_type(y.dtype(), NumericTypeList{}, [&](auto exponent_tag) {
        using B = typename decltype(exponent_tag)::type;
        Tensor& z = ctx.output(0, data_type_v<A>, out_shape);
        BroadcastPlan plan(out_shape, {&x.shape(), &y_view});
        binary_apply(plan, x.data<A>(), y.data<B>(), z.data<A>(), PowOp{}, ctx.threads());
      });
    });
    if (!supported)
      ctx.fail(ErrorCode::NotImplemented, "base of type ", data_type_name(x.dtype()), " with exponent of type ",
               data_type_name(y.dtype()), " is not supported");
  }

 private:
  std::optional<LegacyBroadcast> legacy_;
};

constexpr TypeSet kPowBase12 = kIeeeFloatTypes | TypeSet{DataType::Int32, DataType::Int64};

// Pow-15 only widens the exponent's types (bfloat16), which the kernel takes at every version.
constexpr OpRow kPowRows[] = {
    {"Pow", 1, kIeeeFloatTypes, make_kernel<PowKernel<true>>},
    {"Pow", 7, kIeeeFloatTypes, make_kernel<PowKernel<false>>},
    {"Pow", 12, kPowBase12, make_kernel<PowKernel<false>>},
    {"Pow", 13, kPowBase12 | TypeSet{DataType::BFloat16}, make_kernel<PowKernel<false>>},
    {"Pow", 15, kPowBase12 | TypeSet{DataType::BFloat16}, make_kernel<PowKernel<false>>},
};
static_assert(std::size(kPowRows) == 5, "update the row count together with the table");

}  // namespace

void register_pow(Registry& r) { register_rows(r, kPowRows); }

}  // namespace onyxrt::ops
