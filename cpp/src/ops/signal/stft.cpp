// STFT (17): the DFT of every frame of a [batch, length, 1 | 2] signal. Frames are
// frame_length samples long and frame_step apart, frames = (length - frame_length) / frame_step
// + 1; each is multiplied by `window` (all ones when absent) before its transform. frame_length
// defaults to the window's length, else to the signal's. Output [batch, frames, bins, 2] with
// bins = frame_length / 2 + 1 when onesided (the default), frame_length otherwise; a complex
// signal with onesided=1 keeps the first bins of its full DFT, as onnxruntime and the reference.
// Transforms of any frame length are O(n log n) (ops/signal/fft.h), in double.
// Types: float, double; float16 / bfloat16 through float.
#include <algorithm>
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

class Stft final : public OpKernel {
 public:
  explicit Stft(const KernelInfo& info) : onesided_(info.attr_int("onesided", 1)) {
    if (onesided_ != 0 && onesided_ != 1)
      info.fail(ErrorCode::InvalidGraph, "attribute 'onesided' must be 0 or 1, got ", onesided_);
  }

  void compute(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    const Shape& shape = x.shape();
    if (x.rank() != 3 || (shape[2] != 1 && shape[2] != 2))
      ctx.fail(ErrorCode::InvalidArgument, "signal must be [batch, length, 1 | 2], got ", shape_to_string(shape));
    const int64_t batch = shape[0], length = shape[1], components = shape[2];
    const int64_t step = read_scalar_int(ctx, 1, "frame_step");
    if (step < 1) ctx.fail(ErrorCode::InvalidArgument, "frame_step must be positive, got ", step);

    std::vector<double> window;
    if (ctx.has_input(2)) {
      const Tensor& w = ctx.input(2);
      if (w.rank() != 1) ctx.fail(ErrorCode::InvalidArgument, "window must be 1-D, got ", shape_to_string(w.shape()));
      if (w.dtype() != x.dtype())
        ctx.fail(ErrorCode::InvalidArgument, "window has element type ", data_type_name(w.dtype()), ", the signal has ",
                 data_type_name(x.dtype()));
      window = values_as_double(w);
    }
    int64_t frame = ctx.has_input(2) ? static_cast<int64_t>(window.size()) : length;
    if (ctx.has_input(3)) {
      frame = read_scalar_int(ctx, 3, "frame_length");
      if (ctx.has_input(2) && frame != static_cast<int64_t>(window.size()))
        ctx.fail(ErrorCode::InvalidArgument, "frame_length ", frame, " differs from the window's length ",
                 window.size());
    }
    if (frame < 1 || frame > length)
      ctx.fail(ErrorCode::InvalidArgument, "frame_length ", frame, " must be in [1, signal length ", length, "]");

    const int64_t frames = (length - frame) / step + 1;
    const int64_t bins = onesided_ ? frame / 2 + 1 : frame;
    const Shape out_shape{batch, frames, bins, 2};
    checked_output_size(ctx, out_shape);
    Tensor& y = ctx.output(0, x.dtype(), out_shape);
    if (y.size() == 0) return;

    const FftPlan<double> plan(frame);  // forward transforms in double, as numpy's (DFT's note)

    with_compute_type(x, y, [&](const auto* xd, auto* yd) {
      parallel_for(
          batch * frames, std::max<int64_t>(1, kGrain / frame), ctx.threads(), [&](int64_t begin, int64_t end) {
            std::vector<FftComplex<double>> buf(static_cast<size_t>(frame));
            std::vector<FftComplex<double>> scratch(static_cast<size_t>(plan.scratch_size()));
            for (int64_t line = begin; line < end; ++line) {
              const int64_t b = line / frames, f = line % frames;
              load_complex_line(xd + (b * length + f * step) * components, components, components, frame, frame,
                                buf.data());
              for (size_t j = 0; j < window.size(); ++j) buf[j] = buf[j] * window[j];
              plan.transform(buf.data(), false, scratch.data());
              store_complex_line(buf.data(), bins, 1.0, yd + line * bins * 2, int64_t{2});
            }
          });
    });
  }

 private:
  int64_t onesided_;
};

}  // namespace

void register_stft(Registry& r) {
  r.add({"", "STFT", 17, kFloatTypes, make_kernel<Stft>});
}

}  // namespace onyxrt::ops
