#include <iterator>
#include <optional>
#include <type_traits>

#include "ops/elementwise_apply.h"
#include "ops/math/binary_ops.h"
#include "ops/math/elementwise_parts.h"
#include "ops/op_table.h"

namespace onyxrt::ops {
namespace {

// How B's shape meets A's: numpy's multidirectional broadcasting (opset 7 on), the 'broadcast'
// and 'axis' attributes before opset 7, or PRelu-6's per-channel slope (a 1-D slope of dim(1)
// elements applies along axis 1, as the PyTorch exporters of that time meant).
enum class BroadcastRule { Numpy, LegacyAttributes, PReluChannel };

// C = Op(A, B); A and B share one element type, C has it too (bool for comparisons).
template <class Op, BroadcastRule kRule = BroadcastRule::Numpy>
class BinaryKernel final : public OpKernel {
 public:
  explicit BinaryKernel(const KernelInfo& info) : op_(make_op(info)) {
    if constexpr (kRule == BroadcastRule::LegacyAttributes) legacy_.emplace(info);
  }

  void compute(KernelContext& ctx) const override {
    const Tensor& a = ctx.input(0);
    const Tensor& b = ctx.input(1);
    if (a.dtype() != b.dtype())
      ctx.fail(ErrorCode::InvalidArgument, "inputs have different element types (", data_type_name(a.dtype()),
               " and ", data_type_name(b.dtype()), ")");
    Shape out_shape, b_view;
    if constexpr (kRule == BroadcastRule::Numpy) {
      out_shape = broadcast_input_shapes(ctx, 0, 2);
      b_view = b.shape();
    } else {
      out_shape = a.shape();
      b_view = kRule == BroadcastRule::LegacyAttributes ? legacy_->view_of_b(ctx, a.shape(), b.shape())
                                                        : channel_view(ctx, a.shape(), b.shape());
    }
    bool supported = visit_type(a.dtype(), typename Op::Types{}, [&](auto tag) {
      using T = typename decltype(tag)::type;
      using R = std::conditional_t<Op::kBoolOutput, bool, T>;
      if constexpr (Op::kIntegerDivision && std::is_integral_v<T>) check_no_zero(ctx, b.data<T>(), b.size());
      // In place of an input of the output's own shape (a residual or bias Add, a scaling Mul).
      const size_t donor = a.shape() == out_shape ? 0 : 1;
      Tensor& c = ctx.output_in_place_of(donor, 0, data_type_v<R>, out_shape);
      BroadcastPlan plan(out_shape, {&a.shape(), &b_view});
      binary_apply(plan, a.data<T>(), b.data<T>(), c.data<R>(), op_, ctx.threads());
    });
    if (!supported) ctx.fail(ErrorCode::NotImplemented, "element type ", data_type_name(a.dtype()), " is not supported");
  }

 private:
  static Op make_op(const KernelInfo& info) {
    if constexpr (std::is_constructible_v<Op, const KernelInfo&>) {
      return Op(info);
    } else {
      return Op();
    }
  }

  static Shape channel_view(const KernelContext& ctx, const Shape& x, const Shape& slope) {
    Shape view = slope;
    if (slope.size() == 1 && slope[0] != 1 && x.size() >= 2 && slope[0] == x[1]) {
      view.assign(x.size() - 1, 1);
      view[0] = slope[0];
    }
    Shape out = x;
    if (!broadcast_shape_into(out, view) || out != x)
      ctx.fail(ErrorCode::InvalidArgument, "slope of shape ", shape_to_string(slope),
               " does not broadcast to input of shape ", shape_to_string(x));
    return view;
  }

  // Checked up front: the loop runs on worker threads, where an error cannot be raised.
  template <class T>
  static void check_no_zero(const KernelContext& ctx, const T* divisor, int64_t n) {
    for (int64_t i = 0; i < n; ++i)
      if (divisor[i] == T(0))
        ctx.fail(ErrorCode::InvalidArgument, "integer division by zero: element ", i, " of input '",
                 ctx.node().inputs[1], "' is 0");
  }

  Op op_;
  std::optional<LegacyBroadcast> legacy_;  // under BroadcastRule::LegacyAttributes
};

template <class Op>
constexpr KernelFactory binary_kernel = make_kernel<BinaryKernel<Op>>;
template <class Op>
constexpr KernelFactory legacy_binary_kernel = make_kernel<BinaryKernel<Op, BroadcastRule::LegacyAttributes>>;

constexpr TypeSet kArithmetic7{DataType::Float, DataType::Double, DataType::Float16,
                               DataType::Int32, DataType::Int64, DataType::UInt32, DataType::UInt64};
constexpr TypeSet kArithmetic13 = kArithmetic7 | TypeSet{DataType::BFloat16};
constexpr TypeSet kPReluTypes9 = kArithmetic7;  // float, double, float16, int32, int64, uint32, uint64

// Before opset 7 (the rows at since 1 and 6) B broadcasts by the 'broadcast' / 'axis' attributes.
constexpr OpRow kBinaryRows[] = {
    {"Add", 6, kArithmetic7, legacy_binary_kernel<binary::Add>},
    {"Sub", 6, kArithmetic7, legacy_binary_kernel<binary::Sub>},
    {"Mul", 6, kArithmetic7, legacy_binary_kernel<binary::Mul>},
    {"Div", 6, kArithmetic7, legacy_binary_kernel<binary::Div>},
    {"Equal", 1, TypeSet{DataType::Bool, DataType::Int32, DataType::Int64}, legacy_binary_kernel<binary::Equal>},
    {"Less", 1, kIeeeFloatTypes, legacy_binary_kernel<binary::Less>},
    {"Greater", 1, kIeeeFloatTypes, legacy_binary_kernel<binary::Greater>},
    {"And", 1, kBoolTypes, legacy_binary_kernel<binary::And>},
    {"Or", 1, kBoolTypes, legacy_binary_kernel<binary::Or>},
    {"Xor", 1, kBoolTypes, legacy_binary_kernel<binary::Xor>},
    {"PRelu", 6, kIeeeFloatTypes, make_kernel<BinaryKernel<binary::PRelu, BroadcastRule::PReluChannel>>},
    {"Add", 7, kArithmetic7, binary_kernel<binary::Add>},
    {"Add", 13, kArithmetic13, binary_kernel<binary::Add>},
    {"Add", 14, kNumericTypes, binary_kernel<binary::Add>},
    {"Sub", 7, kArithmetic7, binary_kernel<binary::Sub>},
    {"Sub", 13, kArithmetic13, binary_kernel<binary::Sub>},
    {"Sub", 14, kNumericTypes, binary_kernel<binary::Sub>},
    {"Mul", 7, kArithmetic7, binary_kernel<binary::Mul>},
    {"Mul", 13, kArithmetic13, binary_kernel<binary::Mul>},
    {"Mul", 14, kNumericTypes, binary_kernel<binary::Mul>},
    {"Div", 7, kArithmetic7, binary_kernel<binary::Div>},
    {"Div", 13, kArithmetic13, binary_kernel<binary::Div>},
    {"Div", 14, kNumericTypes, binary_kernel<binary::Div>},
    {"Mod", 10, kNumericTypesNoBf16, binary_kernel<binary::Mod>},
    {"Mod", 13, kNumericTypes, binary_kernel<binary::Mod>},
    {"Mod", 28, kNumericTypes, binary_kernel<binary::Mod>},
    {"Equal", 7, TypeSet{DataType::Bool, DataType::Int32, DataType::Int64}, binary_kernel<binary::Equal>},
    {"Equal", 11, kNumericTypesNoBf16 | kBoolTypes, binary_kernel<binary::Equal>},
    {"Equal", 13, kNumericTypes | kBoolTypes, binary_kernel<binary::Equal>},
    {"Equal", 19, kNumericTypes | kBoolTypes | TypeSet{DataType::String}, binary_kernel<binary::Equal>},
    {"Less", 7, kIeeeFloatTypes, binary_kernel<binary::Less>},
    {"Less", 9, kNumericTypesNoBf16, binary_kernel<binary::Less>},
    {"Less", 13, kNumericTypes, binary_kernel<binary::Less>},
    {"Greater", 7, kIeeeFloatTypes, binary_kernel<binary::Greater>},
    {"Greater", 9, kNumericTypesNoBf16, binary_kernel<binary::Greater>},
    {"Greater", 13, kNumericTypes, binary_kernel<binary::Greater>},
    {"LessOrEqual", 12, kNumericTypesNoBf16, binary_kernel<binary::LessOrEqual>},
    {"LessOrEqual", 16, kNumericTypes, binary_kernel<binary::LessOrEqual>},
    {"GreaterOrEqual", 12, kNumericTypesNoBf16, binary_kernel<binary::GreaterOrEqual>},
    {"GreaterOrEqual", 16, kNumericTypes, binary_kernel<binary::GreaterOrEqual>},
    {"And", 7, kBoolTypes, binary_kernel<binary::And>},
    {"Or", 7, kBoolTypes, binary_kernel<binary::Or>},
    {"Xor", 7, kBoolTypes, binary_kernel<binary::Xor>},
    {"BitShift", 11, kUnsignedIntTypes, binary_kernel<binary::BitShift>},
    {"BitShift", 28, kIntTypes, binary_kernel<binary::BitShift>},
    {"BitwiseAnd", 18, kIntTypes, binary_kernel<binary::BitwiseAnd>},
    {"BitwiseOr", 18, kIntTypes, binary_kernel<binary::BitwiseOr>},
    {"BitwiseXor", 18, kIntTypes, binary_kernel<binary::BitwiseXor>},
    {"PRelu", 7, kIeeeFloatTypes, binary_kernel<binary::PRelu>},
    {"PRelu", 9, kPReluTypes9, binary_kernel<binary::PRelu>},
    {"PRelu", 16, kPReluTypes9 | TypeSet{DataType::BFloat16}, binary_kernel<binary::PRelu>},
};
static_assert(std::size(kBinaryRows) == 51, "update the row count together with the table");

}  // namespace

void register_binary(Registry& r) { register_rows(r, kBinaryRows); }

}  // namespace onyxrt::ops
