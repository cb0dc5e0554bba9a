// Softmax, LogSoftmax and Hardmax (opsets 1, 11, 13). Before 13 the input is coerced to 2-D at
// `axis` (default 1) and each row of the flattened tail is normalized; from 13 the normalization
// runs along `axis` alone (default -1). Softmax subtracts the line's maximum before exp, so large
// inputs do not overflow; Hardmax marks the first maximum.
// Types: float, double, float16 / bfloat16 through float (bfloat16 from 13).
#include <algorithm>
#include <cmath>
#include <type_traits>

#include "base/float16.h"
#include "base/parallel.h"
#include "kernels/softmax.h"
#include "ops/axis_view.h"
#include "ops/float_staging.h"
#include "ops/registry.h"

namespace onyxrt::ops {
namespace {

enum class SoftmaxKind { Softmax, LogSoftmax, Hardmax };

// One line of n values at stride `stride` (1 when the axis is innermost).
template <SoftmaxKind kind, class T>
void normalize_line(const T* x, T* y, int64_t n, int64_t stride) {
  T max = x[0];
  int64_t arg = 0;
  for (int64_t j = 1; j < n; ++j)
    if (x[j * stride] > max) max = x[j * stride], arg = j;
  if constexpr (kind == SoftmaxKind::Hardmax) {
    for (int64_t j = 0; j < n; ++j) y[j * stride] = j == arg ? T(1) : T(0);
  } else {
    T sum = 0;
    for (int64_t j = 0; j < n; ++j) {
      const T e = std::exp(x[j * stride] - max);
      if constexpr (kind == SoftmaxKind::Softmax) y[j * stride] = e;
      sum += e;
    }
    if constexpr (kind == SoftmaxKind::Softmax) {
      const T inv = T(1) / sum;
      for (int64_t j = 0; j < n; ++j) y[j * stride] *= inv;
    } else {
      const T shift = max + std::log(sum);
      for (int64_t j = 0; j < n; ++j) y[j * stride] = x[j * stride] - shift;
    }
  }
}

// Softmax of a float16 / bfloat16 line staged in float. Softmax-13 is defined by a function body
// (Exp, ReduceSum, Div) whose every step yields T, so each intermediate is rounded to T as it would
// be there; rounding only once, at the end, lands an ulp away from the reference on some inputs.
template <float (*round_to_t)(float)>
void softmax_line_rounded(const float* x, float* y, int64_t n, int64_t stride) {
  float max = x[0];
  for (int64_t j = 1; j < n; ++j) max = std::max(max, x[j * stride]);
  float sum = 0;
  for (int64_t j = 0; j < n; ++j) {
    const float e = round_to_t(std::exp(round_to_t(x[j * stride] - max)));
    y[j * stride] = e;
    sum += e;
  }
  sum = round_to_t(sum);
  for (int64_t j = 0; j < n; ++j) y[j * stride] /= sum;
}

float round_to_half(float v) { return half_to_float(float_to_half(v)); }
float round_to_bfloat16(float v) { return bfloat16_to_float(float_to_bfloat16(v)); }

template <SoftmaxKind kind, bool coerce_2d>
class SoftmaxFamily final : public OpKernel {
 public:
  explicit SoftmaxFamily(const KernelInfo& info) : axis_(info.attr_int("axis", coerce_2d ? 1 : -1)) {}

  void compute(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    if (x.rank() == 0) ctx.fail(ErrorCode::InvalidArgument, "input must have at least one axis, got a scalar");
    const int64_t axis = resolve_axis(ctx, axis_, x.shape());
    const AxisView v = coerce_2d ? view_flattened_at(x.shape(), axis) : view_around_axis(x.shape(), axis);
    Tensor& y = ctx.output(0, x.dtype(), x.shape());
    if (y.size() == 0) return;
    const bool half = x.dtype() == DataType::Float16, bfloat16 = x.dtype() == DataType::BFloat16;
    with_compute_type(x, y, [&](const auto* xd, auto* yd) {
      using T = std::remove_const_t<std::remove_pointer_t<decltype(xd)>>;
      const int64_t lines = v.outer * v.inner;
      const int64_t grain = std::max<int64_t>(1, 16384 / std::max<int64_t>(1, v.axis));
      parallel_for(lines, grain, ctx.threads(), [&](int64_t begin, int64_t end) {
        for (int64_t l = begin; l < end; ++l) {
          const int64_t base = (l / v.inner) * v.axis * v.inner + l % v.inner;
          if constexpr (std::is_same_v<T, float> && kind == SoftmaxKind::Softmax) {
            if (half || bfloat16) {
              (half ? softmax_line_rounded<round_to_half> : softmax_line_rounded<round_to_bfloat16>)(
                  xd + base, yd + base, v.axis, v.inner);
              continue;
            }
          }
          if constexpr (std::is_same_v<T, float> && kind != SoftmaxKind::Hardmax) {
            if (v.inner == 1) {  // a contiguous float row: the vectorized kernel
              kernels::softmax_f32(xd + base, yd + base, v.axis, kind == SoftmaxKind::LogSoftmax);
              continue;
            }
          }
          normalize_line<kind>(xd + base, yd + base, v.axis, v.inner);
        }
      });
    });
  }

 private:
  int64_t axis_;
};

// One row per operator: name and kind; every row gets the three opset versions.
struct SoftmaxRow {
  const char* name;
  KernelFactory coerced;  // opsets 1 and 11
  KernelFactory along_axis;  // opset 13
};

template <SoftmaxKind kind>
constexpr SoftmaxRow row(const char* name) {
  return {name, make_kernel<SoftmaxFamily<kind, true>>, make_kernel<SoftmaxFamily<kind, false>>};
}

}  // namespace

void register_softmax(Registry& r) {
  const SoftmaxRow rows[] = {
      row<SoftmaxKind::Softmax>("Softmax"),
      row<SoftmaxKind::LogSoftmax>("LogSoftmax"),
      row<SoftmaxKind::Hardmax>("Hardmax"),
  };
  const TypeSet floats{DataType::Float, DataType::Double, DataType::Float16};
  for (const SoftmaxRow& op : rows) {
    r.add({"", op.name, 1, floats, op.coerced});
    r.add({"", op.name, 11, floats, op.coerced});
    r.add({"", op.name, 13, floats | TypeSet{DataType::BFloat16}, op.along_axis});
  }
}

}  // namespace onyxrt::ops
