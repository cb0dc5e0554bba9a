// DFT (17, 20): the discrete Fourier transform along one signal axis of a [..., 1] (real) or
// [..., 2] (complex) tensor. 17 takes the axis as an attribute (default 1), 20 as an optional
// int64 input (default -2); the axis may not be the last (component) one.
// Modes, with n = dft_length (the axis is truncated or zero-padded to n):
//   forward:                 n complex outputs (onesided=1: the first n/2 + 1 of them);
//   inverse:                 n complex outputs, scaled by 1/n;
//   inverse, onesided (IRFFT): the input holds bins 0 .. n/2 of a Hermitian spectrum (default
//                            n = 2 * (dim - 1)); the output is the real signal [..., n, 1],
//                            the imaginary parts of bin 0 and (n even) bin n/2 ignored as numpy does.
// A complex input with onesided=1 forward returns the first n/2 + 1 bins of its full DFT, as
// onnxruntime and the reference do. Every length is O(n log n) (ops/signal/fft.h); float signals
// are transformed forward in double and inverse in float, as numpy does.
// Types: float, double; float16 / bfloat16 through float.
#include <algorithm>
#include <type_traits>
#include <vector>

#include "base/parallel.h"
#include "ops/float_staging.h"
#include "ops/registry.h"
#include "ops/shape_check.h"
#include "ops/signal/complex_line.h"
#include "ops/signal/fft.h"
#include "ops/signal/signal_args.h"

namespace onyxrt::ops {
namespace {

constexpr int64_t kGrain = 16384;  // samples per parallel chunk

// Fills the bins of a full spectrum from the first n/2 + 1 (already in buf): Hermitian symmetry.
template <class C>
void complete_hermitian(FftComplex<C>* buf, int64_t n) {
  buf[0].im = 0;
  if (n % 2 == 0) buf[n / 2].im = 0;
  for (int64_t k = 1; k < n - k; ++k) buf[n - k] = buf[k].conj();
}

class Dft : public OpKernel {
 public:
  Dft(const KernelInfo& info, bool axis_is_input)
      : axis_is_input_(axis_is_input),
        attr_axis_(info.attr_int("axis", 1)),
        inverse_(info.attr_int("inverse", 0)),
        onesided_(info.attr_int("onesided", 0)) {
    if (inverse_ != 0 && inverse_ != 1)
      info.fail(ErrorCode::InvalidGraph, "attribute 'inverse' must be 0 or 1, got ", inverse_);
    if (onesided_ != 0 && onesided_ != 1)
      info.fail(ErrorCode::InvalidGraph, "attribute 'onesided' must be 0 or 1, got ", onesided_);
    if (axis_is_input && info.has_attr("axis"))
      info.fail(ErrorCode::InvalidGraph, "attribute 'axis' was removed in opset 20 (the axis is input 2)");
  }

  void compute(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    const Shape& shape = x.shape();
    const int64_t rank = static_cast<int64_t>(x.rank());
    if (rank < 2 || (shape.back() != 1 && shape.back() != 2))
      ctx.fail(ErrorCode::InvalidArgument, "input must have rank >= 2 and a last dim of 1 (real) or 2 (complex), got ",
               shape_to_string(shape));
    const int64_t axis = resolve_signal_axis(ctx, rank);
    const int64_t dim = shape[axis];
    const bool irfft = inverse_ && onesided_;
    int64_t n = irfft ? 2 * (dim - 1) : dim;
    if (ctx.has_input(1)) n = read_scalar_int(ctx, 1, "dft_length");
    if (n < 1 && ctx.has_input(1)) ctx.fail(ErrorCode::InvalidArgument, "dft_length must be positive, got ", n);
    if (n < 1)
      ctx.fail(ErrorCode::InvalidArgument, "the signal axis of size ", dim, " gives dft_length ", n,
               "; it must be positive");

    const int64_t out_len = onesided_ && !inverse_ ? n / 2 + 1 : n;
    Shape out_shape = shape;
    out_shape[axis] = out_len;
    out_shape.back() = irfft ? 1 : 2;
    checked_output_size(ctx, out_shape);
    Tensor& y = ctx.output(0, x.dtype(), out_shape);
    if (y.size() == 0) return;

    int64_t outer = 1, inner = 1;
    for (int64_t d = 0; d < axis; ++d) outer *= shape[d];
    for (int64_t d = axis + 1; d < rank - 1; ++d) inner *= shape[d];
    const int64_t in_c = shape.back(), out_c = out_shape.back();
    // Samples the transform reads: the axis truncated to n (IRFFT: to the n/2 + 1 bins it uses).
    const int64_t used = std::min(dim, irfft ? n / 2 + 1 : n);

    with_compute_type(x, y, [&](const auto* xd, auto* yd) {
      using T = std::remove_cv_t<std::remove_pointer_t<decltype(xd)>>;
      const auto transform_lines = [&](auto precision) {
        using C = decltype(precision);
        const FftPlan<C> plan(n);
        const C scale = inverse_ ? C(1) / static_cast<C>(n) : C(1);
        parallel_for(outer * inner, std::max<int64_t>(1, kGrain / n), ctx.threads(), [&](int64_t begin, int64_t end) {
          std::vector<FftComplex<C>> buf(static_cast<size_t>(n)), scratch(static_cast<size_t>(plan.scratch_size()));
          for (int64_t line = begin; line < end; ++line) {
            const int64_t o = line / inner, i = line % inner;
            const T* src = xd + (o * dim * inner + i) * in_c;
            T* dst = yd + (o * out_len * inner + i) * out_c;
            load_complex_line(src, inner * in_c, in_c, used, n, buf.data());
            if (irfft) complete_hermitian(buf.data(), n);
            plan.transform(buf.data(), inverse_ != 0, scratch.data());
            if (irfft) {
              for (int64_t k = 0; k < n; ++k) dst[k * inner] = static_cast<T>(buf[k].re * scale);
            } else {
              store_complex_line(buf.data(), out_len, scale, dst, inner * 2);
            }
          }
        });
      };
      // numpy's precisions, which the reference and the ONNX test data carry: it transforms
      // float signals forward in double, inverse in float (its inverse's 1/n is a float32,
      // which selects its float loop; the forward factor is a Python int, which does not).
      if (std::is_same_v<T, float> && inverse_)
        transform_lines(float{});
      else
        transform_lines(double{});
    });
  }

 private:
  // The accepted axes are [-r, -2] and [0, r - 2]: the last dim holds the components.
  int64_t resolve_signal_axis(const KernelContext& ctx, int64_t rank) const {
    int64_t axis = axis_is_input_ ? -2 : attr_axis_;
    if (axis_is_input_ && ctx.has_input(2)) {
      const Tensor& a = ctx.input(2);
      if (a.dtype() != DataType::Int64 || a.size() != 1 || a.rank() > 1)
        ctx.fail(ErrorCode::InvalidArgument, "'axis' must be an int64 scalar, got ", data_type_name(a.dtype()), " ",
                 shape_to_string(a.shape()));
      axis = a.data<int64_t>()[0];
    }
    if (axis < -rank || axis > rank - 2 || axis == -1)
      ctx.fail(ErrorCode::InvalidArgument, "axis ", axis, " is out of range for input of rank ", rank, " (accepted: [-",
               rank, ", -2] or [0, ", rank - 2, "]; the last dim holds the components)");
    return axis < 0 ? axis + rank : axis;
  }

  bool axis_is_input_;
  int64_t attr_axis_;
  int64_t inverse_;
  int64_t onesided_;
};

struct Dft17 final : Dft {
  explicit Dft17(const KernelInfo& info) : Dft(info, false) {}
};
struct Dft20 final : Dft {
  explicit Dft20(const KernelInfo& info) : Dft(info, true) {}
};

}  // namespace

void register_dft(Registry& r) {
  r.add({"", "DFT", 17, kFloatTypes, make_kernel<Dft17>});
  r.add({"", "DFT", 20, kFloatTypes, make_kernel<Dft20>});
}

}  // namespace onyxrt::ops
