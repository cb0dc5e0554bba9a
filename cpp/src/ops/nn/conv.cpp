// Conv (opsets 1, 11): N-D convolution lowered to GEMM per image and group,
//   Y[n, g] (M/g x S) = W[g] (M/g x C/g*k) * im2col(X[n, g]) (C/g*k x S)  + bias per row,
// with the weights pre-packed at session creation when they are constant. A pointwise
// convolution (1x1..., stride 1, no padding) uses X[n, g] as the right operand directly;
// otherwise im2col runs over column chunks that stay in cache, each chunk one GEMM.
// Types: float (packed GEMM), float16 / bfloat16 through float, double (plain loops).
#include <algorithm>
#include <exception>
#include <mutex>
#include <vector>

#include "base/parallel.h"
#include "kernels/conv.h"
#include "kernels/gemm.h"
#include "ops/float_staging.h"
#include "ops/nn/conv_operands.h"
#include "ops/registry.h"
#include "ops/window_geometry.h"

namespace onyxrt::ops {
namespace {

// The sizes of one Conv call, per image and group.
struct ConvShape {
  int64_t batch = 0, group = 1, c = 0, c_g = 0, m = 0, m_g = 0, k_g = 0;
  int64_t in_size = 0, out_size = 0;
  kernels::ConvGeometry geometry;
  bool pointwise = false;
  bool depthwise = false;  // one input channel per group, few outputs each: direct kernel
};

// Groups with one input channel and at most this many output channels run the direct depthwise
// kernel: as a GEMM they would fill a fraction of the microkernel's rows.
constexpr int64_t kDepthwiseMaxMultiplier = 4;
constexpr int kDepthwiseMaxRank = 3;

// Depthwise: units are (image, output channel) ranges, in parallel.
void run_depthwise(const ConvShape& s, const float* x, const float* w, const float* bias, float* y, int threads) {
  const int64_t units = s.batch * s.m;
  const int64_t grain = std::max<int64_t>(1, 32768 / std::max<int64_t>(1, s.out_size * s.geometry.kernel_size()));
  parallel_for(units, grain, threads, [&](int64_t begin, int64_t end) {
    for (int64_t u = begin; u < end;) {  // one call per image within the chunk
      const int64_t n = u / s.m, c0 = u % s.m, c1 = std::min(s.m, c0 + (end - u));
      kernels::depthwise_conv_f32(s.geometry, s.m_g, x + n * s.c * s.in_size, w, bias, y + n * s.m * s.out_size, c0,
                                  c1);
      u += c1 - c0;
    }
  });
}

// Column chunk for im2col: about 512 KiB of the lowered matrix, at least 64 columns.
int64_t chunk_columns(const ConvShape& s) {
  if (s.pointwise) return s.out_size;
  int64_t cols = std::max<int64_t>(64, (int64_t{1} << 17) / std::max<int64_t>(1, s.k_g)) / 64 * 64;
  return std::min(cols, s.out_size);
}

template <class T>
std::vector<T>& im2col_scratch() {
  thread_local std::vector<T> buffer;  // reused across calls: a run after the first allocates nothing
  return buffer;
}

// W[g] * cols (k_g x n, row stride ldb) -> y (m_g x n, row stride ldc), plus bias per row.
void group_gemm(const ConvShape& s, int64_t g, const float* w, const kernels::PackedMatrixA* packed,
                const float* bias, const float* cols, int64_t n, int64_t ldb, float* y, int64_t ldc, int threads) {
  kernels::GemmEpilogue ep;
  if (bias != nullptr) ep.bias_kind = kernels::GemmEpilogue::Bias::PerRow, ep.bias = bias + g * s.m_g;
  if (packed != nullptr) {
    kernels::gemm_f32_packed(packed[g], false, n, 1.0f, cols, ldb, 0.0f, y, ldc, threads, ep);
  } else {
    kernels::gemm_f32(false, false, s.m_g, n, s.k_g, 1.0f, w + g * s.m_g * s.k_g, s.k_g, cols, ldb, 0.0f, y, ldc,
                      threads, ep);
  }
}

void group_gemm(const ConvShape& s, int64_t g, const double* w, const void*, const double* bias, const double* cols,
                int64_t n, int64_t ldb, double* y, int64_t ldc, int threads) {
  kernels::gemm_f64(false, false, s.m_g, n, s.k_g, 1.0, w + g * s.m_g * s.k_g, s.k_g, cols, ldb, 0.0, y, ldc,
                    threads);
  if (bias == nullptr) return;
  for (int64_t i = 0; i < s.m_g; ++i)
    for (int64_t j = 0; j < n; ++j) y[i * ldc + j] += bias[g * s.m_g + i];
}

void im2col(const kernels::ConvGeometry& g, const float* x, int64_t q0, int64_t n, float* out) {
  kernels::im2col_f32(g, x, q0, n, out, n);
}
void im2col(const kernels::ConvGeometry& g, const double* x, int64_t q0, int64_t n, double* out) {
  kernels::im2col_f64(g, x, q0, n, out, n);
}

// Runs every (image, group, column chunk) unit: in parallel with single-threaded GEMMs when there
// are enough units, else one after another with threaded GEMMs.
template <class T, class Packed>
void run_conv(const ConvShape& s, const T* x, const T* w, const Packed* packed, const T* bias, T* y, int threads) {
  const int64_t chunk = chunk_columns(s);
  const int64_t chunks = (s.out_size + chunk - 1) / chunk;
  const int64_t units = s.batch * s.group * chunks;
  auto run_unit = [&](int64_t u, int gemm_threads) {
    const int64_t n = u / (s.group * chunks), g = (u / chunks) % s.group, q0 = (u % chunks) * chunk;
    const T* xg = x + (n * s.c + g * s.c_g) * s.in_size;
    T* yg = y + (n * s.m + g * s.m_g) * s.out_size;
    if (s.pointwise) {
      group_gemm(s, g, w, packed, bias, xg, s.out_size, s.out_size, yg, s.out_size, gemm_threads);
      return;
    }
    const int64_t cols = std::min(chunk, s.out_size - q0);
    std::vector<T>& buf = im2col_scratch<T>();
    if (buf.size() < static_cast<size_t>(s.k_g * cols)) buf.resize(static_cast<size_t>(s.k_g * cols));
    im2col(s.geometry, xg, q0, cols, buf.data());
    group_gemm(s, g, w, packed, bias, buf.data(), cols, cols, yg + q0, s.out_size, gemm_threads);
  };
  if (threads <= 1 || units < threads) {
    for (int64_t u = 0; u < units; ++u) run_unit(u, threads);
    return;
  }
  std::exception_ptr error;
  std::mutex error_mutex;
  parallel_for(units, 1, threads, [&](int64_t begin, int64_t end) {
    try {
      for (int64_t u = begin; u < end; ++u) run_unit(u, 1);
    } catch (...) {  // an exception must not cross the parallel region
      std::lock_guard<std::mutex> lock(error_mutex);
      if (!error) error = std::current_exception();
    }
  });
  if (error) std::rethrow_exception(error);
}

class Conv final : public OpKernel {
 public:
  explicit Conv(const KernelInfo& info) : window_(parse_window_attributes(info)) {
    group_ = info.attr_int("group", 1);
    if (group_ < 1) info.fail(ErrorCode::InvalidGraph, "attribute 'group' must be at least 1, got ", group_);
    const Tensor* w = info.constant_input(1);
    if (w == nullptr) return;
    if (w->rank() < 3)
      info.fail(ErrorCode::InvalidGraph, "W must have M, C/group and kernel axes, got shape ",
                shape_to_string(w->shape()));
    if (w->dim(0) % group_ != 0)
      info.fail(ErrorCode::InvalidGraph, "W's ", w->dim(0), " output channels do not split into ", group_, " groups");
    if (!window_.kernel_shape.empty() && !std::equal(window_.kernel_shape.begin(), window_.kernel_shape.end(),
                                                     w->shape().begin() + 2, w->shape().end()))
      info.fail(ErrorCode::InvalidGraph, "attribute 'kernel_shape' disagrees with W's shape ",
                shape_to_string(w->shape()));
    if ((w->dtype() != DataType::Float && !is_half_type(w->dtype())) || w->size() == 0) return;
    const Tensor wf = widen_to_float(*w);
    if (w->dim(1) == 1 && w->dim(0) / group_ <= kDepthwiseMaxMultiplier && w->rank() - 2 <= kDepthwiseMaxRank) {
      depthwise_weights_ = wf;  // the direct kernel reads W as it is
      return;
    }
    // Pre-pack each group's (M/g) x (C/g * kernel) block of the float weights.
    const int64_t m_g = w->dim(0) / group_, k_g = w->size() / w->dim(0);
    for (int64_t g = 0; g < group_; ++g)
      packed_.push_back(kernels::pack_a_f32(false, m_g, k_g, wf.data<float>() + g * m_g * k_g, k_g));
    packed_shape_ = w->shape();
  }

  void compute(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    const Tensor& w = ctx.input(1);
    const Tensor* b = ctx.has_input(2) ? &ctx.input(2) : nullptr;
    ConvShape s = check_shapes(ctx, x, w, b);
    Tensor& y = ctx.output(0, x.dtype(), window_output_shape(plan_for(ctx, x, w, s), s.batch, s.m));
    if (y.size() == 0) return;
    const bool use_packed = !packed_.empty() && w.shape() == packed_shape_;
    run_in_compute_type(
        x, b, y,
        [&](double* yd) {
          run_conv<double, void>(s, x.data<double>(), w.data<double>(), nullptr, b ? b->data<double>() : nullptr, yd,
                                 ctx.threads());
        },
        [&](const Tensor& xf, const Tensor* bf, float* yf) { run_f32(s, xf, w, bf, use_packed, yf, ctx.threads()); });
  }

 private:
  ConvShape check_shapes(const KernelContext& ctx, const Tensor& x, const Tensor& w, const Tensor* b) const {
    check_conv_operands(ctx, x, w, b);
    ConvShape s;
    s.batch = x.dim(0), s.group = group_, s.c = x.dim(1), s.m = w.dim(0), s.c_g = w.dim(1);
    if (s.c_g * group_ != s.c || s.m % group_ != 0)
      ctx.fail(ErrorCode::InvalidArgument, "X (shape ", shape_to_string(x.shape()), ") has ", s.c,
               " channels but W (shape ", shape_to_string(w.shape()), ") with group ", group_, " expects ",
               s.c_g * group_, s.m % group_ != 0 ? " and M divisible by group" : "");
    if (b != nullptr && (b->rank() != 1 || b->dim(0) != s.m))
      ctx.fail(ErrorCode::InvalidArgument, "B must have shape [", s.m, "] to match W (shape ",
               shape_to_string(w.shape()), "), got ", shape_to_string(b->shape()));
    s.m_g = s.m / group_;
    return s;
  }

  WindowPlan plan_for(const KernelContext& ctx, const Tensor& x, const Tensor& w, ConvShape& s) const {
    const std::vector<int64_t> kernel = conv_kernel_of(ctx, window_, w);
    WindowPlan plan = resolve_window(window_, ctx, x.shape(), kernel);
    plan.geometry.channels = s.c_g;
    s.geometry = plan.geometry;
    s.in_size = plan.geometry.input_size();
    s.out_size = plan.geometry.output_size();
    s.k_g = s.c_g * plan.geometry.kernel_size();
    s.depthwise = s.c_g == 1 && s.m_g <= kDepthwiseMaxMultiplier && plan.geometry.rank <= kDepthwiseMaxRank;
    s.pointwise = plan.geometry.is_pointwise();
    return plan;
  }

  // x and b are float; w has the input's type (widened here unless a packed copy serves).
  void run_f32(const ConvShape& s, const Tensor& x, const Tensor& w, const Tensor* b, bool use_packed, float* y,
               int threads) const {
    const float* bias = b ? b->data<float>() : nullptr;
    if (s.depthwise) {
      const bool constant = depthwise_weights_.defined() && w.shape() == depthwise_weights_.shape();
      const Tensor wf = constant ? depthwise_weights_ : widen_to_float(w);
      run_depthwise(s, x.data<float>(), wf.data<float>(), bias, y, threads);
    } else if (use_packed) {
      run_conv(s, x.data<float>(), static_cast<const float*>(nullptr), packed_.data(), bias, y, threads);
    } else {
      const Tensor wf = widen_to_float(w);
      run_conv(s, x.data<float>(), wf.data<float>(), static_cast<const kernels::PackedMatrixA*>(nullptr), bias, y,
               threads);
    }
  }

  WindowAttributes window_;
  int64_t group_ = 1;
  std::vector<kernels::PackedMatrixA> packed_;  // per group, when W is a float / 16-bit constant
  Shape packed_shape_;
  Tensor depthwise_weights_;  // float copy of a constant depthwise W (16-bit ones widened)
};

}  // namespace

void register_conv(Registry& r) {
  const TypeSet types{DataType::Float, DataType::Double, DataType::Float16, DataType::BFloat16};
  r.add({"", "Conv", 1, types, make_kernel<Conv>});
  r.add({"", "Conv", 11, types, make_kernel<Conv>});
}

}  // namespace onyxrt::ops
