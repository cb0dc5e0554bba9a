#include <algorithm>
#include <iterator>
#include <optional>
#include <type_traits>
#include <utility>

#include "ops/elementwise_apply.h"
#include "ops/math/elementwise_parts.h"
#include "ops/math/unary_ops.h"
#include "ops/minifloat.h"
#include "ops/op_table.h"

namespace onyxrt::ops {
namespace {

template <class Op, class = void>
struct HasVmath : std::false_type {};
template <class Op>
struct HasVmath<Op, std::void_t<decltype(std::declval<const Op&>().vmath_f32())>> : std::true_type {};

// y = f(x) by a kernels/vmath.h array function, in parallel chunks; 16-bit floats are widened
// and narrowed around it a block at a time (float32 results round to them as std:: ones do).
template <class T>
void vmath_apply(kernels::VmathF32 f, const T* x, T* y, int64_t n, int threads) {
  parallel_for(n, kElementwiseGrain, threads, [&](int64_t begin, int64_t end) {
    if constexpr (std::is_same_v<T, float>) {
      kernels::vmath_f32(f, x + begin, y + begin, end - begin);
    } else {
      constexpr int64_t kBlock = 512;
      float buffer[kBlock];
      for (int64_t i = begin; i < end; i += kBlock) {
        const int64_t m = std::min(kBlock, end - i);
        for (int64_t j = 0; j < m; ++j) buffer[j] = to_compute(x[i + j]);
        kernels::vmath_f32(f, buffer, buffer, m);
        for (int64_t j = 0; j < m; ++j) y[i + j] = from_compute<T>(buffer[j]);
      }
    }
  });
}

// y = Op(x) elementwise; the output has x's shape and type (bool for IsNaN / IsInf).
template <class Op>
class UnaryKernel final : public OpKernel {
 public:
  explicit UnaryKernel(const KernelInfo& info) : op_(make_op(info)) {}

  void compute(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    if constexpr (Op::kBoolOutput) {
      if (compute_float8_predicate(ctx, x)) return;
    }
    bool supported = visit_type(x.dtype(), typename Op::Types{}, [&](auto tag) {
      using T = typename decltype(tag)::type;
      using R = std::conditional_t<Op::kBoolOutput, bool, T>;
      Tensor& y = ctx.output_in_place_of(0, 0, data_type_v<R>, x.shape());
      if constexpr (HasVmath<Op>::value && (std::is_same_v<T, float> || std::is_same_v<T, fp16_t> ||
                                            std::is_same_v<T, bf16_t>)) {
        if (const std::optional<kernels::VmathF32> f = op_.vmath_f32()) {
          vmath_apply(*f, x.data<T>(), y.data<T>(), x.size(), ctx.threads());
          return;
        }
      }
      unary_apply(x.data<T>(), y.data<R>(), x.size(), op_, ctx.threads());
    });
    if (!supported) ctx.fail(ErrorCode::NotImplemented, "element type ", data_type_name(x.dtype()), " is not supported");
  }

 private:
  // IsNaN / IsInf-20 also take the float8 types: decoded one by one (they are rare).
  bool compute_float8_predicate(KernelContext& ctx, const Tensor& x) const {
    const MiniFloatFormat* format = minifloat_format(x.dtype());
    if (format == nullptr || data_type_bits(x.dtype()) != 8) return false;
    Tensor& y = ctx.output(0, DataType::Bool, x.shape());
    const uint8_t* in = x.data<uint8_t>();
    bool* out = y.data<bool>();
    for (int64_t i = 0; i < x.size(); ++i) out[i] = op_(minifloat_decode(*format, in[i]));
    return true;
  }

  static Op make_op(const KernelInfo& info) {
    if constexpr (std::is_constructible_v<Op, const KernelInfo&>) {
      return Op(info);
    } else {
      return Op();
    }
  }
  Op op_;
};

template <class Op>
constexpr KernelFactory unary = make_kernel<UnaryKernel<Op>>;

// Type sets of the versions, named by what they hold.
constexpr TypeSet kF = kFloatTypes;      // float, double, float16, bfloat16
constexpr TypeSet kF6 = kIeeeFloatTypes;  // float, double, float16
constexpr TypeSet kSignedNumeric = kFloatTypes | kSignedIntTypes;
constexpr TypeSet kSignedNumeric6 = kIeeeFloatTypes | kSignedIntTypes;

constexpr OpRow kUnaryRows[] = {
    {"Abs", 6, kNumericTypesNoBf16, unary<unary::Abs>},
    {"Abs", 13, kNumericTypes, unary<unary::Abs>},
    {"Neg", 6, kSignedNumeric6, unary<unary::Neg>},
    {"Neg", 13, kSignedNumeric, unary<unary::Neg>},
    {"Exp", 6, kF6, unary<unary::Exp>},
    {"Exp", 13, kF, unary<unary::Exp>},
    {"Log", 6, kF6, unary<unary::Log>},
    {"Log", 13, kF, unary<unary::Log>},
    {"Sqrt", 6, kF6, unary<unary::Sqrt>},
    {"Sqrt", 13, kF, unary<unary::Sqrt>},
    {"Reciprocal", 6, kF6, unary<unary::Reciprocal>},
    {"Reciprocal", 13, kF, unary<unary::Reciprocal>},
    {"Floor", 6, kF6, unary<unary::Floor>},
    {"Floor", 13, kF, unary<unary::Floor>},
    {"Ceil", 6, kF6, unary<unary::Ceil>},
    {"Ceil", 13, kF, unary<unary::Ceil>},
    {"Sigmoid", 6, kF6, unary<unary::Sigmoid>},
    {"Sigmoid", 13, kF, unary<unary::Sigmoid>},
    {"Tanh", 6, kF6, unary<unary::Tanh>},
    {"Tanh", 13, kF, unary<unary::Tanh>},
    {"Round", 11, kF6, unary<unary::Round>},
    {"Round", 22, kF, unary<unary::Round>},
    {"Sign", 9, kNumericTypesNoBf16, unary<unary::Sign>},
    {"Sign", 13, kNumericTypes, unary<unary::Sign>},
    {"Relu", 6, kF6, unary<unary::Relu>},
    {"Relu", 13, kF, unary<unary::Relu>},
    {"Relu", 14, kSignedNumeric, unary<unary::Relu>},
    {"Erf", 9, kNumericTypesNoBf16, unary<unary::Erf>},
    {"Erf", 13, kF, unary<unary::Erf>},
    {"Sin", 7, kF6, unary<unary::Sin>},
    {"Sin", 22, kF, unary<unary::Sin>},
    {"Cos", 7, kF6, unary<unary::Cos>},
    {"Cos", 22, kF, unary<unary::Cos>},
    {"Tan", 7, kF6, unary<unary::Tan>},
    {"Tan", 22, kF, unary<unary::Tan>},
    {"Asin", 7, kF6, unary<unary::Asin>},
    {"Asin", 22, kF, unary<unary::Asin>},
    {"Acos", 7, kF6, unary<unary::Acos>},
    {"Acos", 22, kF, unary<unary::Acos>},
    {"Atan", 7, kF6, unary<unary::Atan>},
    {"Atan", 22, kF, unary<unary::Atan>},
    {"Sinh", 9, kF6, unary<unary::Sinh>},
    {"Sinh", 22, kF, unary<unary::Sinh>},
    {"Cosh", 9, kF6, unary<unary::Cosh>},
    {"Cosh", 22, kF, unary<unary::Cosh>},
    {"Asinh", 9, kF6, unary<unary::Asinh>},
    {"Asinh", 22, kF, unary<unary::Asinh>},
    {"Acosh", 9, kF6, unary<unary::Acosh>},
    {"Acosh", 22, kF, unary<unary::Acosh>},
    {"Atanh", 9, kF6, unary<unary::Atanh>},
    {"Atanh", 22, kF, unary<unary::Atanh>},
    {"Softplus", 1, kF6, unary<unary::Softplus>},
    {"Softplus", 22, kF, unary<unary::Softplus>},
    {"Softsign", 1, kF6, unary<unary::Softsign>},
    {"Softsign", 22, kF, unary<unary::Softsign>},
    {"IsNaN", 9, kF6, unary<unary::IsNaN>},
    {"IsNaN", 13, kF, unary<unary::IsNaN>},
    {"IsNaN", 20, kF | kFloat8Types, unary<unary::IsNaN>},
    {"IsInf", 10, TypeSet{DataType::Float, DataType::Double}, unary<unary::IsInf>},
    {"IsInf", 20, kF | kFloat8Types, unary<unary::IsInf>},
    {"Not", 1, kBoolTypes, unary<unary::Not>},
    {"BitwiseNot", 18, kIntTypes, unary<unary::BitwiseNot>},
    {"LeakyRelu", 6, kF6, unary<unary::LeakyRelu>},
    {"LeakyRelu", 16, kF, unary<unary::LeakyRelu>},
    {"Elu", 6, kF6, unary<unary::Elu>},
    {"Elu", 22, kF, unary<unary::Elu>},
    {"Selu", 6, kF6, unary<unary::Selu>},
    {"Selu", 22, kF, unary<unary::Selu>},
    {"HardSigmoid", 6, kF6, unary<unary::HardSigmoid>},
    {"HardSigmoid", 22, kF, unary<unary::HardSigmoid>},
    {"ThresholdedRelu", 10, kF6, unary<unary::ThresholdedRelu>},
    {"ThresholdedRelu", 22, kF, unary<unary::ThresholdedRelu>},
    {"HardSwish", 14, kF6, unary<unary::HardSwish>},
    {"HardSwish", 22, kF, unary<unary::HardSwish>},
    {"Celu", 12, TypeSet{DataType::Float}, unary<unary::Celu>},
    {"Celu", 28, kF, unary<unary::Celu>},
    {"Mish", 18, kF6, unary<unary::Mish>},
    {"Mish", 22, kF, unary<unary::Mish>},
    {"Gelu", 20, kF, unary<unary::Gelu>},
    {"Shrink", 9, kNumericTypesNoBf16, unary<unary::Shrink>},
    {"Swish", 24, kF, unary<unary::Swish>},
};
static_assert(std::size(kUnaryRows) == 81, "update the row count together with the table");

}  // namespace

void register_unary(Registry& r) { register_rows(r, kUnaryRows); }

}  // namespace onyxrt::ops
