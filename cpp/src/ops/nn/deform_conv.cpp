// DeformConv (opsets 19, 22): a convolution whose kernel taps sample X at learned fractional
// positions. Per image, group and column chunk, a deformable im2col fills
//   cols[(c, k), q] = mask[k, q] * X_c sampled (multilinear, zero outside) at
//                     q * stride - pad_begin + k * dilation + offset[k, q]
// and one GEMM gives Y[n, g] = W[g] * cols + bias, as Conv does. The taps' corners and weights
// depend only on (offset group, k, q), so they are computed once per chunk and shared by the
// channels of the offset group. W is pre-packed when it is a constant. Any spatial rank.
// Types: float (packed GEMM), float16 / bfloat16 through float, double.
#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels/conv.h"
#include "kernels/gemm.h"
#include "ops/float_staging.h"
#include "ops/nn/gemm_units.h"
#include "ops/nn/conv_operands.h"
#include "ops/registry.h"
#include "ops/window_geometry.h"

namespace onyxrt::ops {
namespace {

using kernels::ConvGeometry;

struct DeformShape {
  int64_t batch = 0, group = 1, c = 0, c_g = 0, m = 0, m_g = 0;
  int64_t offset_group = 1, c_og = 0;  // channels per offset group
  int64_t ksize = 0, k_g = 0;          // kernel taps; c_g * ksize, the GEMM's K
  int64_t in_size = 0, out_size = 0;
  int corners = 1;  // 2^rank: the multilinear sample reads that many inputs
  ConvGeometry geometry;
};

// The inputs of one image (offset and mask may be null: mask then counts as 1).
template <class T>
struct DeformInputs {
  const T *x, *w, *offset, *bias, *mask;
};

// Fills cols (k_g x n, row stride n) for output positions [q0, q0 + n) of image `img`, group g.
// taps holds corners * n (input offset, weight) pairs, reused per (offset group, k).
template <class T>
void deformable_im2col(const DeformShape& s, const DeformInputs<T>& in, int64_t img, int64_t g, int64_t q0, int64_t n,
                       T* cols, std::vector<std::pair<int64_t, T>>& taps) {
  const ConvGeometry& geo = s.geometry;
  const int rank = geo.rank;
  taps.resize(static_cast<size_t>(s.corners * n));
  const T* x = in.x + img * s.c * s.in_size;
  const int64_t c0 = g * s.c_g, c1 = c0 + s.c_g;
  for (int64_t og = c0 / s.c_og; og * s.c_og < c1; ++og) {
    for (int64_t k = 0; k < s.ksize; ++k) {
      int64_t kidx[kernels::kMaxConvSpatialRank];
      for (int64_t r = k, d = rank - 1; d >= 0; --d) kidx[d] = r % geo.kernel[d], r /= geo.kernel[d];
      const int64_t channel = og * s.ksize + k;  // of the mask; the offset has `rank` per tap
      const T* off = in.offset + (img * s.offset_group * s.ksize + channel) * rank * s.out_size;
      const T* mask = in.mask ? in.mask + (img * s.offset_group * s.ksize + channel) * s.out_size : nullptr;
      for (int64_t j = 0; j < n; ++j) {
        const int64_t q = q0 + j;
        int64_t lo[kernels::kMaxConvSpatialRank];
        T frac[kernels::kMaxConvSpatialRank];
        bool inside = true;
        for (int64_t r = q, d = rank - 1; d >= 0; --d) {
          const int64_t o = r % geo.output[d];
          r /= geo.output[d];
          const T p = static_cast<T>(o * geo.stride[d] - geo.pad_begin[d] + kidx[d] * geo.dilation[d]) +
                      off[d * s.out_size + q];
          // At or beyond one pixel outside every corner reads padding; the test also drops NaN.
          inside = inside && p > T(-1) && p < static_cast<T>(geo.input[d]);
          if (!inside) break;
          const T f = std::floor(p);
          lo[d] = static_cast<int64_t>(f), frac[d] = p - f;
        }
        std::pair<int64_t, T>* tap = taps.data() + j * s.corners;
        const T scale = mask ? mask[q] : T(1);
        for (int corner = 0; corner < s.corners; ++corner) {
          int64_t index = 0;
          T weight = inside ? scale : T(0);
          for (int d = 0; d < rank && weight != T(0); ++d) {
            const bool high = (corner >> (rank - 1 - d)) & 1;
            const int64_t i = lo[d] + high;
            if (i < 0 || i >= geo.input[d]) weight = T(0);
            weight *= high ? frac[d] : T(1) - frac[d];
            index = index * geo.input[d] + i;
          }
          tap[corner] = weight != T(0) ? std::pair<int64_t, T>{index, weight} : std::pair<int64_t, T>{0, T(0)};
        }
      }
      for (int64_t c = std::max(c0, og * s.c_og); c < std::min(c1, (og + 1) * s.c_og); ++c) {
        const T* xc = x + c * s.in_size;
        T* row = cols + ((c - c0) * s.ksize + k) * n;
        for (int64_t j = 0; j < n; ++j) {
          const std::pair<int64_t, T>* tap = taps.data() + j * s.corners;
          T v = T(0);
          for (int corner = 0; corner < s.corners; ++corner) v += tap[corner].second * xc[tap[corner].first];
          row[j] = v;
        }
      }
    }
  }
}

// W[g] * cols (k_g x n) -> y (m_g x n, row stride ldc), plus bias per row.
void group_gemm(const DeformShape& s, int64_t g, const float* w, const kernels::PackedMatrixA* packed,
                const float* bias, const float* cols, int64_t n, float* y, int64_t ldc, int threads) {
  kernels::GemmEpilogue ep;
  if (bias != nullptr) ep.bias_kind = kernels::GemmEpilogue::Bias::PerRow, ep.bias = bias + g * s.m_g;
  if (packed != nullptr) {
    kernels::gemm_f32_packed(packed[g], false, n, 1.0f, cols, n, 0.0f, y, ldc, threads, ep);
  } else {
    kernels::gemm_f32(false, false, s.m_g, n, s.k_g, 1.0f, w + g * s.m_g * s.k_g, s.k_g, cols, n, 0.0f, y, ldc,
                      threads, ep);
  }
}

void group_gemm(const DeformShape& s, int64_t g, const double* w, const void*, const double* bias,
                const double* cols, int64_t n, double* y, int64_t ldc, int threads) {
  kernels::gemm_f64(false, false, s.m_g, n, s.k_g, 1.0, w + g * s.m_g * s.k_g, s.k_g, cols, n, 0.0, y, ldc, threads);
  if (bias == nullptr) return;
  for (int64_t i = 0; i < s.m_g; ++i)
    for (int64_t j = 0; j < n; ++j) y[i * ldc + j] += bias[g * s.m_g + i];
}

// Runs every (image, group, column chunk) unit: in parallel with single-threaded GEMMs when there
// are enough units, else one after another with threaded GEMMs.
template <class T, class Packed>
void run_deform(const DeformShape& s, const DeformInputs<T>& in, const Packed* packed, T* y, int threads) {
  const int64_t chunk =
      std::min(s.out_size, std::max<int64_t>(64, (int64_t{1} << 17) / std::max<int64_t>(1, s.k_g)) / 64 * 64);
  const int64_t chunks = (s.out_size + chunk - 1) / chunk;
  const int64_t units = s.batch * s.group * chunks;
  auto run_unit = [&](int64_t u, int gemm_threads) {
    const int64_t n = u / (s.group * chunks), g = (u / chunks) % s.group, q0 = (u % chunks) * chunk;
    const int64_t cols = std::min(chunk, s.out_size - q0);
    T* yg = y + (n * s.m + g * s.m_g) * s.out_size + q0;
    if (s.k_g == 0) {  // no input channels: the bias alone
      for (int64_t i = 0; i < s.m_g; ++i)
        std::fill_n(yg + i * s.out_size, cols, in.bias ? in.bias[g * s.m_g + i] : T(0));
      return;
    }
    thread_local std::vector<T> buf;  // reused across calls
    thread_local std::vector<std::pair<int64_t, T>> taps;
    if (buf.size() < static_cast<size_t>(s.k_g * cols)) buf.resize(static_cast<size_t>(s.k_g * cols));
    deformable_im2col(s, in, n, g, q0, cols, buf.data(), taps);
    group_gemm(s, g, in.w, packed, in.bias, buf.data(), cols, yg, s.out_size, gemm_threads);
  };
  run_gemm_units(units, threads, run_unit);
}

class DeformConv final : public OpKernel {
 public:
  explicit DeformConv(const KernelInfo& info) : window_(parse_window_attributes(info)) {
    group_ = info.attr_int("group", 1);
    offset_group_ = info.attr_int("offset_group", 1);
    if (group_ < 1) info.fail(ErrorCode::InvalidGraph, "attribute 'group' must be at least 1, got ", group_);
    if (offset_group_ < 1)
      info.fail(ErrorCode::InvalidGraph, "attribute 'offset_group' must be at least 1, got ", offset_group_);
    const Tensor* w = info.constant_input(1);
    if (w == nullptr || w->rank() < 3 || w->dim(0) % group_ != 0) return;  // reported at run time
    if ((w->dtype() != DataType::Float && !is_half_type(w->dtype())) || w->size() == 0) return;
    const Tensor wf = widen_to_float(*w);
    const int64_t m_g = w->dim(0) / group_, k_g = w->size() / w->dim(0);
    for (int64_t g = 0; g < group_; ++g)
      packed_.push_back(kernels::pack_a_f32(false, m_g, k_g, wf.data<float>() + g * m_g * k_g, k_g));
    packed_shape_ = w->shape();
  }

  void compute(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    const Tensor& w = ctx.input(1);
    const Tensor& offset = ctx.input(2);
    const Tensor* b = ctx.has_input(3) ? &ctx.input(3) : nullptr;
    const Tensor* mask = ctx.has_input(4) ? &ctx.input(4) : nullptr;
    const DeformShape s = check_shapes(ctx, x, w, offset, b, mask);
    Shape y_shape{s.batch, s.m};
    for (int d = 0; d < s.geometry.rank; ++d) y_shape.push_back(s.geometry.output[d]);
    Tensor& y = ctx.output(0, x.dtype(), y_shape);
    if (y.size() == 0) return;
    if (x.dtype() == DataType::Double) {
      auto ptr = [](const Tensor* t) { return t ? t->data<double>() : nullptr; };
      const DeformInputs<double> in{x.data<double>(), w.data<double>(), offset.data<double>(), ptr(b), ptr(mask)};
      run_deform<double, void>(s, in, nullptr, y.data<double>(), ctx.threads());
      return;
    }
    // float, and 16-bit floats through float
    const Tensor xf = widen_to_float(x), of = widen_to_float(offset);
    const Tensor bf = b ? widen_to_float(*b) : Tensor(), mf = mask ? widen_to_float(*mask) : Tensor();
    const bool use_packed = !packed_.empty() && w.shape() == packed_shape_;
    const Tensor wf = use_packed ? Tensor() : widen_to_float(w);
    const DeformInputs<float> in{xf.data<float>(), use_packed ? nullptr : wf.data<float>(), of.data<float>(),
                                 b ? bf.data<float>() : nullptr, mask ? mf.data<float>() : nullptr};
    Tensor yf = x.dtype() == DataType::Float ? y : Tensor(DataType::Float, y.shape());
    if (use_packed) {
      run_deform(s, in, packed_.data(), yf.data<float>(), ctx.threads());
    } else {
      run_deform(s, in, static_cast<const kernels::PackedMatrixA*>(nullptr), yf.data<float>(), ctx.threads());
    }
    if (x.dtype() != DataType::Float) narrow_from_float(yf.data<float>(), y);
  }

 private:
  DeformShape check_shapes(const KernelContext& ctx, const Tensor& x, const Tensor& w, const Tensor& offset,
                           const Tensor* b, const Tensor* mask) const {
    for (const Tensor* t : {&w, &offset, b, mask})
      if (t != nullptr && t->dtype() != x.dtype())
        ctx.fail(ErrorCode::InvalidArgument, "X, W, offset, B and mask must share one element type, got ",
                 data_type_name(x.dtype()), " and ", data_type_name(t->dtype()));
    if (x.rank() < 3 || w.rank() != x.rank())
      ctx.fail(ErrorCode::InvalidArgument, "X (shape ", shape_to_string(x.shape()), ") and W (shape ",
               shape_to_string(w.shape()), ") must have the same rank, at least 3");
    DeformShape s;
    s.batch = x.dim(0), s.group = group_, s.c = x.dim(1), s.m = w.dim(0), s.c_g = w.dim(1);
    s.offset_group = offset_group_;
    if (s.c_g * group_ != s.c || s.m % group_ != 0)
      ctx.fail(ErrorCode::InvalidArgument, "X (shape ", shape_to_string(x.shape()), ") has ", s.c,
               " channels but W (shape ", shape_to_string(w.shape()), ") with group ", group_, " expects ",
               s.c_g * group_, s.m % group_ != 0 ? " and oC divisible by group" : "");
    if (s.c % offset_group_ != 0)
      ctx.fail(ErrorCode::InvalidArgument, "X's ", s.c, " channels do not split into offset_group ", offset_group_);
    if (b != nullptr && (b->rank() != 1 || b->dim(0) != s.m))
      ctx.fail(ErrorCode::InvalidArgument, "B must have shape [", s.m, "] to match W (shape ",
               shape_to_string(w.shape()), "), got ", shape_to_string(b->shape()));
    const std::vector<int64_t> kernel = conv_kernel_of(ctx, window_, w);
    s.geometry = resolve_window(window_, ctx, x.shape(), kernel).geometry;
    const ConvGeometry& g = s.geometry;
    s.m_g = s.m / group_, s.c_og = s.c / offset_group_;
    s.ksize = g.kernel_size(), s.k_g = s.c_g * s.ksize;
    s.in_size = g.input_size(), s.out_size = g.output_size();
    s.corners = 1 << g.rank;
    // offset: (N, offset_group * taps * rank, out...); mask: (N, offset_group * taps, out...).
    auto expect = [&](const char* name, const Tensor& t, int64_t channels) {
      Shape want{s.batch, channels};
      for (int d = 0; d < g.rank; ++d) want.push_back(g.output[d]);
      if (t.shape() != want)
        ctx.fail(ErrorCode::InvalidArgument, name, " has shape ", shape_to_string(t.shape()), " but X (shape ",
                 shape_to_string(x.shape()), "), W (shape ", shape_to_string(w.shape()), ") and offset_group ",
                 offset_group_, " need ", shape_to_string(want));
    };
    expect("offset", offset, offset_group_ * s.ksize * g.rank);
    if (mask != nullptr) expect("mask", *mask, offset_group_ * s.ksize);
    return s;
  }

  WindowAttributes window_;  // kernel_shape, strides, dilations, pads (no auto_pad in this op)
  int64_t group_ = 1, offset_group_ = 1;
  std::vector<kernels::PackedMatrixA> packed_;  // per group, when W is a float / 16-bit constant
  Shape packed_shape_;
};

}  // namespace

void register_deform_conv(Registry& r) {
  const TypeSet types{DataType::Float, DataType::Double, DataType::Float16};
  r.add({"", "DeformConv", 19, types, make_kernel<DeformConv>});
  r.add({"", "DeformConv", 22, types | TypeSet{DataType::BFloat16}, make_kernel<DeformConv>});
}

}  // namespace onyxrt::ops
