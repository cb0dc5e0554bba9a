// MatMul (opsets 1, 9, 13): numpy matmul. A 1-D operand is promoted to a matrix ([K] -> [1, K]
// for A, [K, 1] for B) and the added axis removed from the result; leading (batch) axes broadcast.
// Float runs the packed GEMM kernels; when B is a 2-D session constant it is packed once and the
// batch of A folds into the GEMM's M. float16 / bfloat16 compute through float, double uses the
// plain double GEMM, integers a plain loop.
#include <algorithm>
#include <vector>

#include "base/mapped_file.h"
#include "base/parallel.h"
#include "kernels/gemm.h"
#include "ops/float_staging.h"
#include "ops/math/matmul_loops.h"
#include "ops/registry.h"

namespace onyxrt::ops {
namespace {

// The broadcast batch of a MatMul call and where each batch entry finds its A and B matrices.
struct MatMulPlan {
  int64_t m = 0, n = 0, k = 0;
  Shape batch;                          // broadcast leading axes
  std::vector<int64_t> a_stride, b_stride;  // per batch axis, in matrices (0 where broadcast)
  int64_t batch_count = 1;
  bool a_batched = false, b_batched = false;  // operand has leading axes at all
  Shape output;

  // Matrix indices of A and B for batch entry t.
  void offsets(int64_t t, int64_t& ia, int64_t& ib) const {
    ia = ib = 0;
    for (size_t d = batch.size(); d-- > 0;) {
      const int64_t i = t % batch[d];
      t /= batch[d];
      ia += i * a_stride[d], ib += i * b_stride[d];
    }
  }
};

MatMulPlan plan_matmul(const KernelContext& ctx, const Shape& a, const Shape& b) {
  auto mismatch = [&](const char* why) {
    ctx.fail(ErrorCode::InvalidArgument, why, ": A has shape ", shape_to_string(a), ", B has shape ",
             shape_to_string(b));
  };
  if (a.empty() || b.empty()) mismatch("MatMul needs inputs of rank 1 or more");
  MatMulPlan p;
  const Shape am = a.size() == 1 ? Shape{1, a[0]} : a;
  const Shape bm = b.size() == 1 ? Shape{b[0], 1} : b;
  p.m = am[am.size() - 2], p.k = am.back(), p.n = bm.back();
  if (bm[bm.size() - 2] != p.k) mismatch("inner dimensions differ");
  const size_t ra = am.size() - 2, rb = bm.size() - 2, r = std::max(ra, rb);
  p.a_batched = ra > 0, p.b_batched = rb > 0;
  p.batch.assign(r, 1);
  p.a_stride.assign(r, 0), p.b_stride.assign(r, 0);
  for (size_t d = 0; d < r; ++d) {  // right-aligned numpy broadcasting of the batch axes
    const int64_t da = d + ra >= r ? am[d + ra - r] : 1, db = d + rb >= r ? bm[d + rb - r] : 1;
    if (da != db && da != 1 && db != 1) mismatch("batch dimensions do not broadcast");
    p.batch[d] = da == 1 ? db : da;
  }
  int64_t sa = 1, sb = 1;
  for (size_t d = r; d-- > 0;) {
    const int64_t da = d + ra >= r ? am[d + ra - r] : 1, db = d + rb >= r ? bm[d + rb - r] : 1;
    p.a_stride[d] = da == 1 ? 0 : sa, p.b_stride[d] = db == 1 ? 0 : sb;
    sa *= da, sb *= db;
  }
  p.output = p.batch;
  if (a.size() > 1) p.output.push_back(p.m);
  if (b.size() > 1) p.output.push_back(p.n);
  p.batch_count = shape_size(p.batch);  // checked: the output of this size is allocated next
  return p;
}

// Calls gemm(a_offset, b_offset, y_offset, threads) per batch entry: in parallel with
// single-threaded GEMMs when there are at least as many entries as threads.
template <class Gemm>
void for_each_batch(const MatMulPlan& p, int threads, const Gemm& gemm) {
  const int64_t a_size = p.m * p.k, b_size = p.k * p.n, y_size = p.m * p.n;
  auto one = [&](int64_t t, int gemm_threads) {
    int64_t ia, ib;
    p.offsets(t, ia, ib);
    gemm(ia * a_size, ib * b_size, t * y_size, gemm_threads);
  };
  if (threads > 1 && p.batch_count >= threads) {
    parallel_for(p.batch_count, 1, threads, [&](int64_t begin, int64_t end) {
      for (int64_t t = begin; t < end; ++t) one(t, 1);
    });
  } else {
    for (int64_t t = 0; t < p.batch_count; ++t) one(t, threads);
  }
}

class MatMul final : public OpKernel {
 public:
  explicit MatMul(const KernelInfo& info) {
    const Tensor* b = info.constant_input(1);
    if (b == nullptr || b->rank() == 0 || b->rank() > 2 || b->size() == 0) return;
    if (b->dtype() != DataType::Float && !is_half_type(b->dtype())) return;
    const Tensor bf = widen_to_float(*b);
    const int64_t k = b->dim(0), n = b->rank() == 2 ? b->dim(1) : 1;
    packed_b_ = kernels::pack_b_f32(false, k, n, bf.data<float>(), n);
    packed_shape_ = b->shape();
    release_mapped_pages(b->raw(), b->nbytes());  // the packed copy is what runs read
    if (b->dtype() == DataType::Float && b->rank() == 2) info.release_constant(1);
  }

  void compute(KernelContext& ctx) const override {
    const Tensor& a = ctx.input(0);
    const Tensor& b = ctx.input(1);
    if (a.dtype() != b.dtype())
      ctx.fail(ErrorCode::InvalidArgument, "A is ", data_type_name(a.dtype()), " but B is ", data_type_name(b.dtype()));
    const MatMulPlan p = plan_matmul(ctx, a.shape(), b.shape());
    Tensor& y = ctx.output(0, a.dtype(), p.output);
    if (y.size() == 0) return;
    switch (a.dtype()) {
      case DataType::Float: run_f32(p, a, b, y.data<float>(), ctx.threads()); break;
      case DataType::Float16:
      case DataType::BFloat16: {
        const bool packed = use_packed(b);
        const Tensor af = widen_to_float(a), bf = packed ? b : widen_to_float(b);
        Tensor yf(DataType::Float, y.shape());
        run_f32(p, af, bf, yf.data<float>(), ctx.threads());
        narrow_from_float(yf.data<float>(), y);
        break;
      }
      case DataType::Double: {
        const double *ad = a.data<double>(), *bd = b.data<double>();
        double* yd = y.data<double>();
        for_each_batch(p, ctx.threads(), [&](int64_t ao, int64_t bo, int64_t yo, int threads) {
          kernels::gemm_f64(false, false, p.m, p.n, p.k, 1.0, ad + ao, p.k, bd + bo, p.n, 0.0, yd + yo, p.n, threads);
        });
        break;
      }
      case DataType::Int32: run_int<int32_t>(p, a, b, y); break;
      case DataType::Int64: run_int<int64_t>(p, a, b, y); break;
      case DataType::UInt32: run_int<uint32_t>(p, a, b, y); break;
      case DataType::UInt64: run_int<uint64_t>(p, a, b, y); break;
      default: ctx.fail(ErrorCode::NotImplemented, "element type ", data_type_name(a.dtype()), " is not supported");
    }
  }

 private:
  bool use_packed(const Tensor& b) const { return !packed_b_.empty() && b.shape() == packed_shape_; }

  void run_f32(const MatMulPlan& p, const Tensor& a, const Tensor& b, float* y, int threads) const {
    const float* ad = a.data<float>();
    if (!p.b_batched) {  // one B for every batch entry: A's batch folds into M (A is contiguous)
      const int64_t rows = p.batch_count * p.m;
      if (use_packed(b)) {
        kernels::gemm_f32_packed(false, rows, 1.0f, ad, p.k, packed_b_, 0.0f, y, p.n, threads);
      } else {
        kernels::gemm_f32(false, false, rows, p.n, p.k, 1.0f, ad, p.k, b.data<float>(), p.n, 0.0f, y, p.n, threads);
      }
      return;
    }
    const float* bd = b.data<float>();
    for_each_batch(p, threads, [&](int64_t ao, int64_t bo, int64_t yo, int gemm_threads) {
      kernels::gemm_f32(false, false, p.m, p.n, p.k, 1.0f, ad + ao, p.k, bd + bo, p.n, 0.0f, y + yo, p.n,
                        gemm_threads);
    });
  }

  template <class T>
  void run_int(const MatMulPlan& p, const Tensor& a, const Tensor& b, Tensor& y) const {
    const T *ad = a.data<T>(), *bd = b.data<T>();
    T* yd = y.data<T>();
    for_each_batch(p, 1, [&](int64_t ao, int64_t bo, int64_t yo, int) {
      matmul_loop(false, false, p.m, p.n, p.k, ad + ao, bd + bo, yd + yo);
    });
  }

  kernels::PackedMatrixB packed_b_;  // when B is a 1-D or 2-D float / 16-bit constant
  Shape packed_shape_;
};

}  // namespace

void register_matmul(Registry& r) {
  const TypeSet floats{DataType::Float, DataType::Double, DataType::Float16};
  const TypeSet with_ints = floats | TypeSet{DataType::Int32, DataType::Int64, DataType::UInt32, DataType::UInt64};
  r.add({"", "MatMul", 1, floats, make_kernel<MatMul>});
  r.add({"", "MatMul", 9, with_ints, make_kernel<MatMul>});
  r.add({"", "MatMul", 13, with_ints | TypeSet{DataType::BFloat16}, make_kernel<MatMul>});
}

}  // namespace onyxrt::ops
