// Gemm (opsets 1, 6, 7, 9, 11, 13): Y = alpha * op(A) * op(B) + beta * C, C broadcast to (M, N) and
// optional from opset 11. Float runs the packed GEMM kernels (B pre-packed when it is a session
// constant; a C that is a row vector with beta 1 becomes the GEMM's bias epilogue); float16 and
// bfloat16 compute through float; double uses the plain double GEMM; integers a plain loop.
// MatMul, the other member of this family, is in matmul.cpp.
#include <type_traits>
#include <vector>

#include "base/mapped_file.h"
#include "kernels/gemm.h"
#include "ops/float_staging.h"
#include "ops/math/matmul_loops.h"
#include "ops/registry.h"

namespace onyxrt::ops {

void register_matmul(Registry& r);

namespace {

struct GemmShape {
  int64_t m = 0, n = 0, k = 0;
  BroadcastC c;
  bool has_c = false;
};

class Gemm final : public OpKernel {
 public:
  explicit Gemm(const KernelInfo& info)
      : trans_a_(info.attr_int("transA", 0) != 0),
        trans_b_(info.attr_int("transB", 0) != 0),
        alpha_(info.attr_float("alpha", 1.0f)),
        beta_(info.attr_float("beta", 1.0f)) {
    const Tensor* b = info.constant_input(1);
    if (b == nullptr) return;
    if (b->rank() != 2) info.fail(ErrorCode::InvalidGraph, "B must be 2-D, got shape ", shape_to_string(b->shape()));
    if (b->dtype() != DataType::Float && !is_half_type(b->dtype())) return;
    const Tensor bf = widen_to_float(*b);
    const int64_t k = trans_b_ ? b->dim(1) : b->dim(0), n = trans_b_ ? b->dim(0) : b->dim(1);
    packed_b_ = kernels::pack_b_f32(trans_b_, k, n, bf.data<float>(), b->dim(1));
    packed_shape_ = b->shape();
    release_mapped_pages(b->raw(), b->nbytes());  // the packed copy is what runs read
    if (b->dtype() == DataType::Float) info.release_constant(1);
  }

  void compute(KernelContext& ctx) const override {
    const Tensor& a = ctx.input(0);
    const Tensor& b = ctx.input(1);
    const Tensor* c = ctx.has_input(2) ? &ctx.input(2) : nullptr;
    const GemmShape s = check_shapes(ctx, a, b, c);
    Tensor& y = ctx.output(0, a.dtype(), {s.m, s.n});
    if (y.size() == 0) return;
    switch (a.dtype()) {
      case DataType::Float: run_f32(a, b, c, s, y.data<float>(), ctx.threads()); break;
      case DataType::Float16:
      case DataType::BFloat16: {
        const bool packed = use_packed(b);
        const Tensor af = widen_to_float(a), bf = packed ? b : widen_to_float(b);
        const Tensor cf = c ? widen_to_float(*c) : Tensor();
        Tensor yf(DataType::Float, y.shape());
        run_f32(af, bf, c ? &cf : nullptr, s, yf.data<float>(), ctx.threads());
        narrow_from_float(yf.data<float>(), y);
        break;
      }
      case DataType::Double: run_f64(a, b, c, s, y.data<double>(), ctx.threads()); break;
      case DataType::Int32: run_int<int32_t>(a, b, c, s, y); break;
      case DataType::Int64: run_int<int64_t>(a, b, c, s, y); break;
      case DataType::UInt32: run_int<uint32_t>(a, b, c, s, y); break;
      case DataType::UInt64: run_int<uint64_t>(a, b, c, s, y); break;
      default: ctx.fail(ErrorCode::NotImplemented, "element type ", data_type_name(a.dtype()), " is not supported");
    }
  }

 private:
  GemmShape check_shapes(const KernelContext& ctx, const Tensor& a, const Tensor& b, const Tensor* c) const {
    if (a.rank() != 2 || b.rank() != 2)
      ctx.fail(ErrorCode::InvalidArgument, "A and B must be 2-D, got A ", shape_to_string(a.shape()), " and B ",
               shape_to_string(b.shape()));
    if (b.dtype() != a.dtype() || (c != nullptr && c->dtype() != a.dtype()))
      ctx.fail(ErrorCode::InvalidArgument, "A, B and C must share one element type");
    GemmShape s;
    s.m = trans_a_ ? a.dim(1) : a.dim(0);
    s.k = trans_a_ ? a.dim(0) : a.dim(1);
    s.n = trans_b_ ? b.dim(0) : b.dim(1);
    const int64_t kb = trans_b_ ? b.dim(1) : b.dim(0);
    if (kb != s.k)
      ctx.fail(ErrorCode::InvalidArgument, "inner dimensions differ: A ", shape_to_string(a.shape()),
               trans_a_ ? " (transA)" : "", " and B ", shape_to_string(b.shape()), trans_b_ ? " (transB)" : "");
    if (c == nullptr) return s;
    const Shape& cs = c->shape();
    bool ok = cs.size() <= 2;
    if (cs.size() == 1) s.c = {1, cs[0]};
    if (cs.size() == 2) s.c = {cs[0], cs[1]};
    ok = ok && (s.c.rows == 1 || s.c.rows == s.m) && (s.c.cols == 1 || s.c.cols == s.n);
    if (!ok)
      ctx.fail(ErrorCode::InvalidArgument, "C of shape ", shape_to_string(cs), " does not broadcast to (", s.m, ", ",
               s.n, ")");
    s.has_c = true;
    return s;
  }

  bool use_packed(const Tensor& b) const { return !packed_b_.empty() && b.shape() == packed_shape_; }

  template <class T>
  void fill_c(const GemmShape& s, const T* c, T* y) const {
    for (int64_t i = 0; i < s.m; ++i)
      for (int64_t j = 0; j < s.n; ++j) y[i * s.n + j] = c[s.c.index(i, j)];
  }

  void run_f32(const Tensor& a, const Tensor& b, const Tensor* c, const GemmShape& s, float* y, int threads) const {
    float beta = 0.0f;
    kernels::GemmEpilogue ep;
    if (s.has_c && beta_ != 0.0f) {
      if (beta_ == 1.0f && s.c.rows == 1 && s.c.cols == s.n) {  // a bias row: fused into the GEMM
        ep.bias_kind = kernels::GemmEpilogue::Bias::PerColumn;
        ep.bias = c->data<float>();
      } else {
        fill_c(s, c->data<float>(), y);
        beta = beta_;
      }
    }
    const int64_t lda = a.dim(1);
    if (use_packed(b)) {
      kernels::gemm_f32_packed(trans_a_, s.m, alpha_, a.data<float>(), lda, packed_b_, beta, y, s.n, threads, ep);
    } else {
      kernels::gemm_f32(trans_a_, trans_b_, s.m, s.n, s.k, alpha_, a.data<float>(), lda, b.data<float>(), b.dim(1),
                        beta, y, s.n, threads, ep);
    }
  }

  void run_f64(const Tensor& a, const Tensor& b, const Tensor* c, const GemmShape& s, double* y, int threads) const {
    double beta = 0.0;
    if (s.has_c && beta_ != 0.0f) fill_c(s, c->data<double>(), y), beta = beta_;
    kernels::gemm_f64(trans_a_, trans_b_, s.m, s.n, s.k, alpha_, a.data<double>(), a.dim(1), b.data<double>(),
                      b.dim(1), beta, y, s.n, threads);
  }

  template <class T>
  void run_int(const Tensor& a, const Tensor& b, const Tensor* c, const GemmShape& s, Tensor& y) const {
    T* out = y.data<T>();
    matmul_loop(trans_a_, trans_b_, s.m, s.n, s.k, a.data<T>(), b.data<T>(), out);
    const T* cd = s.has_c ? c->data<T>() : nullptr;
    const bool exact = alpha_ == 1.0f && (beta_ == 1.0f || cd == nullptr);
    for (int64_t i = 0; i < s.m; ++i)
      for (int64_t j = 0; j < s.n; ++j) {
        T& v = out[i * s.n + j];
        if (exact) {  // integer arithmetic, no rounding through double
          using U = std::make_unsigned_t<T>;  // wraps like the products
          if (cd != nullptr) v = static_cast<T>(static_cast<U>(v) + static_cast<U>(cd[s.c.index(i, j)]));
        } else {
          double r = static_cast<double>(alpha_) * static_cast<double>(v);
          if (cd != nullptr) r += static_cast<double>(beta_) * static_cast<double>(cd[s.c.index(i, j)]);
          v = static_cast<T>(r);
        }
      }
  }

  bool trans_a_, trans_b_;
  float alpha_, beta_;
  kernels::PackedMatrixB packed_b_;  // when B is a float / 16-bit constant
  Shape packed_shape_;
};

}  // namespace

void register_gemm(Registry& r) {
  const TypeSet floats{DataType::Float, DataType::Double, DataType::Float16};
  const TypeSet with_ints = floats | TypeSet{DataType::Int32, DataType::Int64, DataType::UInt32, DataType::UInt64};
  // Before 7, C is required and 'broadcast' says whether it may broadcast; broadcasting whenever
  // the shapes allow it is a superset of both settings.
  r.add({"", "Gemm", 1, floats, make_kernel<Gemm>});
  r.add({"", "Gemm", 6, floats, make_kernel<Gemm>});
  r.add({"", "Gemm", 7, floats, make_kernel<Gemm>});
  r.add({"", "Gemm", 9, with_ints, make_kernel<Gemm>});
  r.add({"", "Gemm", 11, with_ints, make_kernel<Gemm>});
  r.add({"", "Gemm", 13, with_ints | TypeSet{DataType::BFloat16}, make_kernel<Gemm>});
  register_matmul(r);
}

}  // namespace onyxrt::ops
