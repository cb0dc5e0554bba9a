// ConvTranspose (opsets 1, 11, 22): the adjoint of Conv, lowered per image and group to one GEMM
//   cols (M/g*k x S_in) = W[g]^T (M/g*k x C/g) * X[n, g] (C/g x S_in)
// whose columns col2im then adds, each as a kernel-sized patch, into Y[n, g] (pre-filled with the
// bias). W[g] is pre-packed, transposed, at session creation when it is constant. The GEMM runs
// over column chunks that stay in cache; a pointwise case (1x1..., stride 1, no padding) writes
// it straight into Y. The geometry is the Conv that this op inverts: its input is Y, its output X.
// Types: float (packed GEMM), float16 / bfloat16 through float, double (plain loops).
#include <algorithm>
#include <vector>

#include "base/parallel.h"
#include "kernels/conv.h"
#include "kernels/gemm.h"
#include "ops/float_staging.h"
#include "ops/nn/gemm_units.h"
#include "ops/nn/conv_operands.h"
#include "ops/registry.h"
#include "ops/shape_check.h"
#include "ops/window_geometry.h"

namespace onyxrt::ops {
namespace {

using kernels::ConvGeometry;

// The sizes of one ConvTranspose call, per image and group.
struct TransposeShape {
  int64_t batch = 0, group = 1, c = 0, c_g = 0, m = 0, m_g = 0;
  int64_t rows = 0;  // m_g * kernel size: the GEMM's M, the rows col2im reads
  int64_t in_size = 0, out_size = 0;
  ConvGeometry geometry;  // channels = m_g
  bool pointwise = false;
};

bool checked_add(int64_t a, int64_t b, int64_t& out) { return !__builtin_add_overflow(a, b, &out); }
bool checked_mul(int64_t a, int64_t b, int64_t& out) { return !__builtin_mul_overflow(a, b, &out); }

// Column chunk of the GEMM result: about 512 KiB of it, at least 64 columns.
int64_t chunk_columns(const TransposeShape& s) {
  if (s.pointwise) return s.in_size;
  const int64_t cols = std::max<int64_t>(64, (int64_t{1} << 17) / std::max<int64_t>(1, s.rows)) / 64 * 64;
  return std::min(cols, s.in_size);
}

template <class T>
std::vector<T>& cols_scratch() {
  thread_local std::vector<T> buffer;  // reused across calls: a run after the first allocates nothing
  return buffer;
}

// W[g]^T * x (c_g x n, row stride ldb) -> out (rows x n, row stride ldc) [+ bias per row].
void group_gemm(const TransposeShape& s, int64_t g, const float* w, const kernels::PackedMatrixA* packed,
                const float* bias, const float* x, int64_t n, int64_t ldb, float* out, int64_t ldc, int threads) {
  kernels::GemmEpilogue ep;
  if (bias != nullptr) ep.bias_kind = kernels::GemmEpilogue::Bias::PerRow, ep.bias = bias;
  if (packed != nullptr) {
    kernels::gemm_f32_packed(packed[g], false, n, 1.0f, x, ldb, 0.0f, out, ldc, threads, ep);
  } else {
    kernels::gemm_f32(true, false, s.rows, n, s.c_g, 1.0f, w + g * s.c_g * s.rows, s.rows, x, ldb, 0.0f, out, ldc,
                      threads, ep);
  }
}

void group_gemm(const TransposeShape& s, int64_t g, const double* w, const void*, const double* bias, const double* x,
                int64_t n, int64_t ldb, double* out, int64_t ldc, int threads) {
  kernels::gemm_f64(true, false, s.rows, n, s.c_g, 1.0, w + g * s.c_g * s.rows, s.rows, x, ldb, 0.0, out, ldc,
                    threads);
  if (bias == nullptr) return;
  for (int64_t i = 0; i < s.rows; ++i)
    for (int64_t j = 0; j < n; ++j) out[i * ldc + j] += bias[i];
}

void col2im(const ConvGeometry& g, const float* cols, int64_t ld, int64_t q0, int64_t n, float* y) {
  kernels::col2im_f32(g, cols, ld, q0, n, y);
}
void col2im(const ConvGeometry& g, const double* cols, int64_t ld, int64_t q0, int64_t n, double* y) {
  kernels::col2im_f64(g, cols, ld, q0, n, y);
}

// Adds GEMM columns [q0, q0 + n) into the group's m_g output planes, split over threads by plane.
template <class T>
void scatter_columns(const TransposeShape& s, const T* cols, int64_t q0, int64_t n, T* y, int threads) {
  const int64_t per_plane = s.rows / s.m_g * n;
  parallel_for(s.m_g, std::max<int64_t>(1, 32768 / std::max<int64_t>(1, per_plane)), threads,
               [&](int64_t c0, int64_t c1) {
                 ConvGeometry g = s.geometry;
                 g.channels = c1 - c0;
                 col2im(g, cols + c0 * (s.rows / s.m_g) * n, n, q0, n, y + c0 * s.out_size);
               });
}

// Runs every (image, group) unit: in parallel with single-threaded GEMMs when there are enough
// units, else one after another with threaded GEMMs and col2im split by output plane.
template <class T, class Packed>
void run_transpose(const TransposeShape& s, const T* x, const T* w, const Packed* packed, const T* bias, T* y,
                   int threads) {
  const int64_t chunk = chunk_columns(s), units = s.batch * s.group;
  auto run_unit = [&](int64_t u, int inner_threads) {
    const int64_t n = u / s.group, g = u % s.group;
    const T* xg = x + (n * s.c + g * s.c_g) * s.in_size;
    const T* bg = bias ? bias + g * s.m_g : nullptr;
    T* yg = y + (n * s.m + g * s.m_g) * s.out_size;
    if (s.pointwise && s.c_g > 0) {
      group_gemm(s, g, w, packed, bg, xg, s.in_size, s.in_size, yg, s.in_size, inner_threads);
      return;
    }
    for (int64_t o = 0; o < s.m_g; ++o) std::fill_n(yg + o * s.out_size, s.out_size, bg ? bg[o] : T(0));
    if (s.c_g == 0) return;  // no input channels: the bias alone
    std::vector<T>& buf = cols_scratch<T>();
    if (buf.size() < static_cast<size_t>(s.rows * chunk)) buf.resize(static_cast<size_t>(s.rows * chunk));
    for (int64_t q0 = 0; q0 < s.in_size; q0 += chunk) {
      const int64_t cols = std::min(chunk, s.in_size - q0);
      group_gemm(s, g, w, packed, static_cast<const T*>(nullptr), xg + q0, cols, s.in_size, buf.data(), cols,
                 inner_threads);
      scatter_columns(s, buf.data(), q0, cols, yg, inner_threads);
    }
  };
  run_gemm_units(units, threads, run_unit);
}

class ConvTranspose final : public OpKernel {
 public:
  explicit ConvTranspose(const KernelInfo& info) : window_(parse_window_attributes(info)) {
    group_ = info.attr_int("group", 1);
    if (group_ < 1) info.fail(ErrorCode::InvalidGraph, "attribute 'group' must be at least 1, got ", group_);
    output_padding_ = info.attr_ints("output_padding");
    output_shape_ = info.attr_ints("output_shape");
    for (int64_t v : output_padding_)
      if (v < 0) info.fail(ErrorCode::InvalidGraph, "attribute 'output_padding' must not be negative, got ", v);
    for (int64_t v : output_shape_)
      if (v < 0) info.fail(ErrorCode::InvalidGraph, "attribute 'output_shape' must not be negative, got ", v);
    const Tensor* w = info.constant_input(1);
    if (w == nullptr) return;
    if (w->rank() < 3)
      info.fail(ErrorCode::InvalidGraph, "W must have C, M/group and kernel axes, got shape ",
                shape_to_string(w->shape()));
    if (w->dim(0) % group_ != 0)
      info.fail(ErrorCode::InvalidGraph, "W's ", w->dim(0), " input channels do not split into ", group_, " groups");
    if ((w->dtype() != DataType::Float && !is_half_type(w->dtype())) || w->size() == 0) return;
    // Pre-pack each group's (C/g) x (M/g * kernel) block, transposed: the GEMM's left operand.
    const Tensor wf = widen_to_float(*w);
    const int64_t c_g = w->dim(0) / group_, rows = w->size() / w->dim(0);
    for (int64_t g = 0; g < group_; ++g)
      packed_.push_back(kernels::pack_a_f32(true, rows, c_g, wf.data<float>() + g * c_g * rows, rows));
    packed_shape_ = w->shape();
  }

  void compute(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    const Tensor& w = ctx.input(1);
    const Tensor* b = ctx.has_input(2) ? &ctx.input(2) : nullptr;
    TransposeShape s = check_shapes(ctx, x, w, b);
    resolve_geometry(ctx, x, w, s);
    Shape y_shape{s.batch, s.m};
    for (int d = 0; d < s.geometry.rank; ++d) y_shape.push_back(s.geometry.input[d]);
    checked_output_size(ctx, y_shape);
    Tensor& y = ctx.output(0, x.dtype(), y_shape);
    if (y.size() == 0) return;
    const bool use_packed = !packed_.empty() && w.shape() == packed_shape_;
    run_in_compute_type(
        x, b, y,
        [&](double* yd) {
          run_transpose<double, void>(s, x.data<double>(), w.data<double>(), nullptr, b ? b->data<double>() : nullptr, yd,
                                 ctx.threads());
        },
        [&](const Tensor& xf, const Tensor* bf, float* yf) { run_f32(s, xf, w, bf, use_packed, yf, ctx.threads()); });
  }

 private:
  TransposeShape check_shapes(const KernelContext& ctx, const Tensor& x, const Tensor& w, const Tensor* b) const {
    check_conv_operands(ctx, x, w, b);
    if (x.rank() - 2 > static_cast<size_t>(kernels::kMaxConvSpatialRank))
      ctx.fail(ErrorCode::NotImplemented, "at most ", kernels::kMaxConvSpatialRank,
               " spatial axes are supported, got X of shape ", shape_to_string(x.shape()));
    TransposeShape s;
    s.batch = x.dim(0), s.group = group_, s.c = x.dim(1), s.m_g = w.dim(1);
    if (w.dim(0) != s.c || s.c % group_ != 0)
      ctx.fail(ErrorCode::InvalidArgument, "X (shape ", shape_to_string(x.shape()), ") has ", s.c,
               " channels but W (shape ", shape_to_string(w.shape()), ") has ", w.dim(0),
               "; they must be equal and divisible by group ", group_);
    s.c_g = s.c / group_, s.m = s.m_g * group_;
    if (b != nullptr && (b->rank() != 1 || b->dim(0) != s.m))
      ctx.fail(ErrorCode::InvalidArgument, "B must have shape [", s.m, "] (W's dim 1 times group ", group_,
               "), got ", shape_to_string(b->shape()));
    return s;
  }

  // Y's spatial dims and the pads, per axis: output_shape given (pads derived from it, split by
  // auto_pad), SAME_* (Y = X * stride), VALID (no pads) or explicit pads; output_padding extends
  // the end. An output_shape beyond what the input can produce only by appending zeros
  // (more than stride - 1 past the natural size) is refused, as onnxruntime does.
  void resolve_geometry(const KernelContext& ctx, const Tensor& x, const Tensor& w, TransposeShape& s) const {
    const size_t rank = x.rank() - 2;
    const std::vector<int64_t> kernel = conv_kernel_of(ctx, window_, w);
    auto check_len = [&](const char* name, size_t n, size_t want) {
      if (n != 0 && n != want)
        ctx.fail(ErrorCode::InvalidArgument, "attribute '", name, "' has ", n, " values but X (shape ",
                 shape_to_string(x.shape()), ") needs ", want);
    };
    check_len("strides", window_.strides.size(), rank);
    check_len("dilations", window_.dilations.size(), rank);
    check_len("pads", window_.pads.size(), 2 * rank);
    check_len("output_padding", output_padding_.size(), rank);
    check_len("output_shape", output_shape_.size(), rank);
    ConvGeometry& g = s.geometry;
    g.rank = static_cast<int>(rank);
    g.channels = s.m_g;
    for (size_t d = 0; d < rank; ++d) {
      const int64_t in = x.dim(2 + d), k = kernel[d];
      const int64_t stride = window_.strides.empty() ? 1 : window_.strides[d];
      const int64_t dil = window_.dilations.empty() ? 1 : window_.dilations[d];
      const int64_t adj = output_padding_.empty() ? 0 : output_padding_[d];
      if (adj >= std::max(stride, dil))
        ctx.fail(ErrorCode::InvalidArgument, "output_padding ", adj, " on axis ", d,
                 " must be less than the stride or the dilation (", stride, ", ", dil, ")");
      // natural: (in - 1) * stride + (k - 1) * dil + 1, what the input reaches; full adds output_padding;
      // reach: the largest output_shape the input can come from.
      int64_t span = 0, natural = 0, full = 0, reach = 0;
      if (!checked_mul(k - 1, dil, span) || !checked_mul(in - 1, stride, natural) || !checked_add(span, 1, span) ||
          !checked_add(natural, span, natural) || !checked_add(natural, adj, full) ||
          !checked_add(natural, stride - 1, reach))
        ctx.fail(ErrorCode::InvalidArgument, "the output size on axis ", d, " overflows");
      reach = std::max(reach, full);
      int64_t pb = 0, pe = 0, out = 0;
      const bool same = window_.auto_pad == AutoPad::SameUpper || window_.auto_pad == AutoPad::SameLower;
      if (!output_shape_.empty() || same) {
        if (!output_shape_.empty()) {
          out = output_shape_[d];
          if (out > reach)
            ctx.fail(ErrorCode::InvalidArgument, "output_shape ", out, " on axis ", d, " cannot come from input size ",
                     in, " (kernel ", k, ", stride ", stride, ", dilation ", dil, ", output_padding ", adj,
                     "): at most ", reach);
        } else if (!checked_mul(in, stride, out)) {
          ctx.fail(ErrorCode::InvalidArgument, "the output size on axis ", d, " overflows");
        }
        const int64_t total = std::max<int64_t>(0, full - out);  // a shortfall is appended as zeros
        pb = window_.auto_pad == AutoPad::SameUpper ? total / 2 : total - total / 2;
        pe = total - pb;
      } else {
        if (window_.auto_pad == AutoPad::NotSet && !window_.pads.empty())
          pb = window_.pads[d], pe = window_.pads[rank + d];
        if (__builtin_sub_overflow(full, pb, &out) || __builtin_sub_overflow(out, pe, &out) || out < 0)
          ctx.fail(ErrorCode::InvalidArgument, "pads ", pb, " + ", pe, " on axis ", d,
                   " exceed the output size before padding (", full, ") for X of shape ",
                   shape_to_string(x.shape()));
      }
      g.input[d] = out, g.output[d] = in, g.kernel[d] = k;
      g.stride[d] = stride, g.dilation[d] = dil, g.pad_begin[d] = pb;
    }
    s.in_size = g.output_size();
    s.out_size = g.input_size();
    s.rows = s.m_g * g.kernel_size();
    s.pointwise = g.is_pointwise();
  }

  // x and b are float; w has the input's type (widened here unless a packed copy serves).
  void run_f32(const TransposeShape& s, const Tensor& x, const Tensor& w, const Tensor* b, bool use_packed, float* y,
               int threads) const {
    const float* bias = b ? b->data<float>() : nullptr;
    if (use_packed) {
      run_transpose(s, x.data<float>(), static_cast<const float*>(nullptr), packed_.data(), bias, y, threads);
    } else {
      const Tensor wf = widen_to_float(w);
      run_transpose(s, x.data<float>(), wf.data<float>(), static_cast<const kernels::PackedMatrixA*>(nullptr), bias,
                    y, threads);
    }
  }

  WindowAttributes window_;  // auto_pad, kernel_shape, strides, dilations, pads
  int64_t group_ = 1;
  std::vector<int64_t> output_padding_, output_shape_;
  std::vector<kernels::PackedMatrixA> packed_;  // per group, W[g]^T, when W is a float / 16-bit constant
  Shape packed_shape_;
};

}  // namespace

void register_conv_transpose(Registry& r) {
  const TypeSet types{DataType::Float, DataType::Double, DataType::Float16};
  r.add({"", "ConvTranspose", 1, types, make_kernel<ConvTranspose>});
  r.add({"", "ConvTranspose", 11, types, make_kernel<ConvTranspose>});
  r.add({"", "ConvTranspose", 22, types | TypeSet{DataType::BFloat16}, make_kernel<ConvTranspose>});
}

}  // namespace onyxrt::ops
