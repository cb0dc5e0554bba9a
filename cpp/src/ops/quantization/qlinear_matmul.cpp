// QLinearMatMul (opsets 10, 21): numpy matmul of quantized a and b, requantized:
//   y = saturate(round((a - a_zero_point)(b - b_zero_point) * a_scale * b_scale / y_scale) + y_zero_point),
// round half to even. Scales and zero points are per tensor, per row of a ([M] or [..., M, 1]) or
// per column of b ([N] or [..., 1, N]); y's are per tensor. Scales are float (float16 / bfloat16
// from 21, widened); the scale ratio is a float, the requantizing product a double.
// int8 / uint8 operands multiply exactly in int32. Opset 21's float8 operands are decoded to float
// and multiplied by the float GEMM; a float8 y is encoded saturating.
#include <algorithm>

#include "base/parallel.h"
#include "kernels/gemm.h"
#include "ops/elementwise_types.h"
#include "ops/quantization/integer_matmul.h"
#include "ops/quantization/quant_params.h"
#include "ops/registry.h"
#include "ops/tensor/cast_small.h"

namespace onyxrt::ops {
namespace {

constexpr TypeSet kInt8Types{DataType::Int8, DataType::UInt8};

// The parameters of one run, resolved against the product's shape.
struct Requantize {
  MatrixParam a_scale, b_scale;
  double y_scale = 1, y_zero = 0;
  double multiplier(int64_t t, int64_t i, int64_t j) const {
    return scale_ratio(a_scale.at(t, i), b_scale.at(t, j), y_scale);
  }
};

// The product (int32 or float sums, batch * m rows of n) -> y, saturated to y's integer type.
template <class V, class Q>
void requantize_rows(const BatchedMatMul& p, const Requantize& q, const V* acc, Q* y, double lo, double hi,
                     int threads) {
  const int64_t rows = p.batch_count * p.m, n = p.n;
  parallel_for(rows, std::max<int64_t>(1, 16384 / std::max<int64_t>(1, n)), threads, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t t = r / p.m, i = r % p.m;
      for (int64_t j = 0; j < n; ++j)
        y[r * n + j] = static_cast<Q>(
            quantize_to_range(static_cast<double>(acc[r * n + j]) * q.multiplier(t, i, j), q.y_zero, lo, hi));
    }
  });
}

// An operand's values as float (float8 decoded exactly, int8 / uint8 converted).
Tensor as_float(const KernelContext& ctx, const Tensor& x) {
  Tensor f(DataType::Float, x.shape());
  if (is_small_type(x.dtype())) {
    cast_small(ctx, x, f, CastOptions{});
  } else {
    const std::vector<double> v = param_values(ctx, x);
    std::copy(v.begin(), v.end(), f.data<float>());
  }
  return f;
}

class QLinearMatMul final : public OpKernel {
 public:
  QLinearMatMul(const KernelInfo& info, TypeSet scale_types, TypeSet element_types)
      : scale_types_(scale_types), element_types_(element_types), packed_b_(pack_constant_b(info, 3, 5)) {}

  void compute(KernelContext& ctx) const override {
    const Tensor &a = ctx.input(0), &a_scale = ctx.input(1), &a_zero = ctx.input(2);
    const Tensor &b = ctx.input(3), &b_scale = ctx.input(4), &b_zero = ctx.input(5);
    const Tensor &y_scale = ctx.input(6), &y_zero = ctx.input(7);
    check_types(ctx, {{&a, &a_zero, "a"}, {&b, &b_zero, "b"}});
    if (!element_types_.contains(y_zero.dtype()))
      ctx.fail(ErrorCode::InvalidArgument, "y_zero_point has type ", data_type_name(y_zero.dtype()),
               ", expected one of ", element_types_.to_string());
    for (const Tensor* s : {&a_scale, &b_scale, &y_scale})
      if (s->dtype() != a_scale.dtype() || !scale_types_.contains(s->dtype()))
        ctx.fail(ErrorCode::InvalidArgument, "a_scale, b_scale and y_scale must share one type of ",
                 scale_types_.to_string(), ", got ", data_type_name(a_scale.dtype()), ", ",
                 data_type_name(b_scale.dtype()), ", ", data_type_name(y_scale.dtype()));
    check_same_shape(ctx, a_scale, a_zero, "a_scale", "a_zero_point");
    check_same_shape(ctx, b_scale, b_zero, "b_scale", "b_zero_point");
    if (y_scale.size() != 1 || y_zero.size() != 1)
      ctx.fail(ErrorCode::InvalidArgument, "y_scale and y_zero_point must hold one value each, got shapes ",
               shape_to_string(y_scale.shape()), " and ", shape_to_string(y_zero.shape()));

    const BatchedMatMul plan = plan_batched_matmul(ctx, a.shape(), b.shape());
    const MatrixParam az = resolve_matrix_param(ctx, &a_zero, plan, MatrixSide::Rows, "a_zero_point");
    const MatrixParam bz = resolve_matrix_param(ctx, &b_zero, plan, MatrixSide::Columns, "b_zero_point");
    Requantize q;
    q.a_scale = resolve_matrix_param(ctx, &a_scale, plan, MatrixSide::Rows, "a_scale");
    q.b_scale = resolve_matrix_param(ctx, &b_scale, plan, MatrixSide::Columns, "b_scale");
    q.y_scale = param_values(ctx, y_scale)[0];
    q.y_zero = param_values(ctx, y_zero)[0];
    Tensor& y = ctx.output(0, y_zero.dtype(), plan.output);
    if (y.size() == 0) return;
    if (kInt8Types.contains(a.dtype()) && kInt8Types.contains(b.dtype())) {
      Tensor acc(DataType::Int32, plan.output);
      integer_matmul(ctx, plan, a, az, b, bz, &packed_b_, acc.data<int32_t>());
      write_output(ctx, plan, q, acc.data<int32_t>(), y);
    } else {
      float_matmul(ctx, plan, q, a, az, b, bz, y);
    }
  }

 private:
  struct Operand {
    const Tensor* x;
    const Tensor* zero;
    const char* name;
  };

  void check_types(const KernelContext& ctx, std::initializer_list<Operand> operands) const {
    for (const Operand& o : operands) {
      if (!element_types_.contains(o.x->dtype()))
        ctx.fail(ErrorCode::InvalidArgument, o.name, " has type ", data_type_name(o.x->dtype()), ", expected one of ",
                 element_types_.to_string());
      if (o.zero->dtype() != o.x->dtype())
        ctx.fail(ErrorCode::InvalidArgument, o.name, "_zero_point has type ", data_type_name(o.zero->dtype()), " but ",
                 o.name, " has type ", data_type_name(o.x->dtype()), "; they must match");
    }
  }

  static void check_same_shape(const KernelContext& ctx, const Tensor& scale, const Tensor& zero,
                               const char* scale_name, const char* zero_name) {
    if (scale.shape() != zero.shape() && !(scale.size() == 1 && zero.size() == 1))
      ctx.fail(ErrorCode::InvalidArgument, scale_name, " (shape ", shape_to_string(scale.shape()), ") and ", zero_name,
               " (shape ", shape_to_string(zero.shape()), ") must have the same shape");
  }

  // The product -> y: an integer y rounds and saturates; a float8 y takes the scaled value,
  // encoded saturating.
  template <class V>
  static void write_output(const KernelContext& ctx, const BatchedMatMul& p, const Requantize& q, const V* product,
                           Tensor& y) {
    double lo = 0, hi = 0;
    if (quantized_integer_range(y.dtype(), lo, hi)) {
      if (y.dtype() == DataType::Int8) {
        requantize_rows(p, q, product, y.data<int8_t>(), lo, hi, ctx.threads());
      } else {
        requantize_rows(p, q, product, y.data<uint8_t>(), lo, hi, ctx.threads());
      }
      return;
    }
    Tensor f(DataType::Float, y.shape());
    float* fd = f.data<float>();
    for (int64_t r = 0; r < p.batch_count * p.m; ++r)
      for (int64_t j = 0; j < p.n; ++j)
        fd[r * p.n + j] = static_cast<float>(product[r * p.n + j] * q.multiplier(r / p.m, r % p.m, j) + q.y_zero);
    cast_small(ctx, f, y, CastOptions{});
  }

  // Float8 operands (opset 21): decoded, zero points subtracted, multiplied by the float GEMM.
  static void float_matmul(const KernelContext& ctx, const BatchedMatMul& p, const Requantize& q, const Tensor& a,
                           const MatrixParam& az, const Tensor& b, const MatrixParam& bz, Tensor& y) {
    const Tensor af = as_float(ctx, a), bf = as_float(ctx, b);
    std::vector<float> am(static_cast<size_t>(p.m * p.k)), bm(static_cast<size_t>(p.k * p.n));
    Tensor c(DataType::Float, p.output);
    for (int64_t t = 0; t < p.batch_count; ++t) {  // each entry's matrices minus its zero points
      const float* as = af.data<float>() + p.a_matrix[t] * p.m * p.k;
      const float* bs = bf.data<float>() + p.b_matrix[t] * p.k * p.n;
      for (int64_t i = 0; i < p.m; ++i)
        for (int64_t l = 0; l < p.k; ++l) am[i * p.k + l] = as[i * p.k + l] - static_cast<float>(az.at(t, i));
      for (int64_t l = 0; l < p.k; ++l)
        for (int64_t j = 0; j < p.n; ++j) bm[l * p.n + j] = bs[l * p.n + j] - static_cast<float>(bz.at(t, j));
      kernels::gemm_f32(false, false, p.m, p.n, p.k, 1.0f, am.data(), p.k, bm.data(), p.n, 0.0f,
                        c.data<float>() + t * p.m * p.n, p.n, ctx.threads());
    }
    write_output(ctx, p, q, c.data<float>(), y);
  }

  TypeSet scale_types_, element_types_;
  PackedIntegerB packed_b_;
};

constexpr TypeSet kElements21 = kInt8Types | kFloat8Types;

std::unique_ptr<OpKernel> make_qlinear_matmul_10(const KernelInfo& info) {
  return std::make_unique<QLinearMatMul>(info, TypeSet{DataType::Float}, kInt8Types);
}
std::unique_ptr<OpKernel> make_qlinear_matmul_21(const KernelInfo& info) {
  return std::make_unique<QLinearMatMul>(info, TypeSet{DataType::Float, DataType::Float16, DataType::BFloat16},
                                         kElements21);
}

}  // namespace

void register_qlinear_matmul(Registry& r) {
  r.add({"", "QLinearMatMul", 10, kInt8Types, make_qlinear_matmul_10});
  r.add({"", "QLinearMatMul", 21, kElements21, make_qlinear_matmul_21});
}

}  // namespace onyxrt::ops
