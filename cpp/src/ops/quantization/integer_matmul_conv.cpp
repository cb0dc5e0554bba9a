// MatMulInteger and ConvInteger (opset 10): int32 results of int8 / uint8 operands minus their
// zero points, exact up to 32-bit wrap-around of the sums.
//   MatMulInteger(A, B, a_zero_point?, b_zero_point?): numpy matmul; a_zero_point per tensor or
//     per row of A ([M] or [..., M, 1]), b_zero_point per tensor or per column of B ([N] or
//     [..., 1, N]).
//   ConvInteger(x, w, x_zero_point?, w_zero_point?): Conv's window attributes and group;
//     x_zero_point per tensor, w_zero_point per tensor or per output channel.
#include "ops/quantization/integer_conv.h"
#include "ops/quantization/integer_matmul.h"
#include "ops/registry.h"

namespace onyxrt::ops {
namespace {

constexpr TypeSet kInt8Types{DataType::Int8, DataType::UInt8};

const Tensor* optional_input(const KernelContext& ctx, size_t i) { return ctx.has_input(i) ? &ctx.input(i) : nullptr; }

void check_zero_point_type(const KernelContext& ctx, const Tensor* zero, const Tensor& like, const char* zero_name,
                           const char* name) {
  if (zero != nullptr && zero->dtype() != like.dtype())
    ctx.fail(ErrorCode::InvalidArgument, zero_name, " has type ", data_type_name(zero->dtype()), " but ", name,
             " has type ", data_type_name(like.dtype()), "; they must match");
}

class MatMulInteger final : public OpKernel {
 public:
  explicit MatMulInteger(const KernelInfo& info) : packed_b_(pack_constant_b(info, 1, 3)) {}

  void compute(KernelContext& ctx) const override {
    const Tensor& a = ctx.input(0);
    const Tensor& b = ctx.input(1);
    const Tensor* a_zero = optional_input(ctx, 2);
    const Tensor* b_zero = optional_input(ctx, 3);
    if (!kInt8Types.contains(b.dtype()))
      ctx.fail(ErrorCode::InvalidArgument, "B has type ", data_type_name(b.dtype()), ", expected int8 or uint8");
    check_zero_point_type(ctx, a_zero, a, "a_zero_point", "A");
    check_zero_point_type(ctx, b_zero, b, "b_zero_point", "B");
    const BatchedMatMul plan = plan_batched_matmul(ctx, a.shape(), b.shape());
    const MatrixParam az = resolve_matrix_param(ctx, a_zero, plan, MatrixSide::Rows, "a_zero_point");
    const MatrixParam bz = resolve_matrix_param(ctx, b_zero, plan, MatrixSide::Columns, "b_zero_point");
    Tensor& y = ctx.output(0, DataType::Int32, plan.output);
    integer_matmul(ctx, plan, a, az, b, bz, &packed_b_, y.data<int32_t>());
  }

 private:
  PackedIntegerB packed_b_;
};

class ConvInteger final : public OpKernel {
 public:
  explicit ConvInteger(const KernelInfo& info) : conv_(info, 1, 3) {}

  void compute(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    const Tensor& w = ctx.input(1);
    const int32_t x_zero = tensor_zero_point(ctx, optional_input(ctx, 2), x, "x_zero_point");
    const IntegerConvShape s = conv_.plan(ctx, x, w);
    const std::vector<int32_t> w_zero = channel_zero_points(ctx, optional_input(ctx, 3), w, "w_zero_point");
    Tensor& y = ctx.output(0, DataType::Int32, s.output);
    if (y.size() > 0) conv_.run(ctx, s, x, x_zero, w, w_zero, y.data<int32_t>());
  }

 private:
  IntegerConv conv_;
};

}  // namespace

void register_integer_matmul_conv(Registry& r) {
  r.add({"", "MatMulInteger", 10, kInt8Types, make_kernel<MatMulInteger>});
  r.add({"", "ConvInteger", 10, kInt8Types, make_kernel<ConvInteger>});
}

}  // namespace onyxrt::ops
