// HannWindow, HammingWindow, BlackmanWindow (17): cosine-sum windows of `size` points,
//   w[k] = a0 - a1 cos(2 pi k / N) + a2 cos(4 pi k / N),
// N = size when periodic (the default: the first size points of a size + 1 symmetric window),
// size - 1 when not. A symmetric window of one point is [1] (numpy.hanning(1), scipy), where
// the formula's 0 / 0 would give NaN. Computed in double, stored as `output_datatype` (default
// float; integer types truncate, as numpy's astype).
#include <cmath>
#include <vector>

#include "ops/registry.h"
#include "ops/shape_check.h"
#include "ops/signal/signal_args.h"

namespace onyxrt::ops {
namespace {

constexpr double kPi = 3.14159265358979323846;

struct CosineSum {
  const char* op_type;
  double a0, a1, a2;
};

// One row per operator. Hamming's 25/46 (not the rounded 0.54) is the reference's and
// onnxruntime's coefficient: the exact zero of the first sidelobe.
#define ONYXRT_WINDOWS(X)                         \
  X(HannWindow, 0.5, 0.5, 0.0)                    \
  X(HammingWindow, 25.0 / 46.0, 21.0 / 46.0, 0.0) \
  X(BlackmanWindow, 0.42, 0.5, 0.08)

#define ONYXRT_WINDOW_COEFFICIENTS(name, a0, a1, a2) constexpr CosineSum k##name{#name, a0, a1, a2};
ONYXRT_WINDOWS(ONYXRT_WINDOW_COEFFICIENTS)
#undef ONYXRT_WINDOW_COEFFICIENTS

template <const CosineSum& W>
class CosineSumWindow final : public OpKernel {
 public:
  explicit CosineSumWindow(const KernelInfo& info)
      : periodic_(info.attr_int("periodic", 1)), output_type_(parse_output_datatype(info)) {
    if (periodic_ != 0 && periodic_ != 1)
      info.fail(ErrorCode::InvalidGraph, "attribute 'periodic' must be 0 or 1, got ", periodic_);
  }

  void compute(KernelContext& ctx) const override {
    const int64_t size = read_scalar_int(ctx, 0, "size");
    if (size < 0) ctx.fail(ErrorCode::InvalidArgument, "size must not be negative, got ", size);
    checked_output_size(ctx, {size});
    Tensor& y = ctx.output(0, output_type_, {size});
    const int64_t period = periodic_ ? size : size - 1;
    std::vector<double> w(static_cast<size_t>(size), 1.0);
    if (period > 0) {
      for (int64_t k = 0; k < size; ++k) {
        const double angle = 2.0 * kPi * static_cast<double>(k) / static_cast<double>(period);
        w[k] = W.a0 - W.a1 * std::cos(angle) + W.a2 * std::cos(2.0 * angle);
      }
    }
    store_doubles(w, y);
  }

 private:
  int64_t periodic_;
  DataType output_type_;
};

}  // namespace

void register_windows(Registry& r) {
  const TypeSet sizes{DataType::Int32, DataType::Int64};
#define ONYXRT_WINDOW_REGISTRATION(name, a0, a1, a2) \
  r.add({"", k##name.op_type, 17, sizes, make_kernel<CosineSumWindow<k##name>>});
  ONYXRT_WINDOWS(ONYXRT_WINDOW_REGISTRATION)
#undef ONYXRT_WINDOW_REGISTRATION
}

}  // namespace onyxrt::ops
