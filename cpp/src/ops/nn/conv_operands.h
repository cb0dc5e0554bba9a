#pragma once

#include <vector>

#include "ops/float_staging.h"
#include "ops/kernel.h"
#include "ops/window_geometry.h"

// Operand checks shared by the convolution family (Conv, ConvTranspose, ConvInteger, QLinearConv):
// the error wording is part of the API, so it is written once.
namespace onyxrt::ops {

// X and W have the same rank, at least 3 (batch, channels, one spatial axis or more).
inline void check_conv_ranks(const KernelContext& ctx, const Tensor& x, const Tensor& w) {
  if (x.rank() < 3 || w.rank() != x.rank())
    ctx.fail(ErrorCode::InvalidArgument, "X (shape ", shape_to_string(x.shape()), ") and W (shape ",
             shape_to_string(w.shape()), ") must have the same rank, at least 3");
}

// X, W and the optional B share one element type, and the ranks fit (check_conv_ranks).
inline void check_conv_operands(const KernelContext& ctx, const Tensor& x, const Tensor& w, const Tensor* b) {
  if (w.dtype() != x.dtype() || (b != nullptr && b->dtype() != x.dtype()))
    ctx.fail(ErrorCode::InvalidArgument, "X, W and B must share one element type, got ", data_type_name(x.dtype()),
             ", ", data_type_name(w.dtype()), b ? ", " : "", b ? data_type_name(b->dtype()) : "");
  check_conv_ranks(ctx, x, w);
}

// W's spatial dims (W is [M or C, channels, k...]), which the 'kernel_shape' attribute, when
// given, must repeat.
inline std::vector<int64_t> conv_kernel_of(const KernelContext& ctx, const WindowAttributes& window, const Tensor& w) {
  std::vector<int64_t> kernel(w.shape().begin() + 2, w.shape().end());
  if (!window.kernel_shape.empty() && window.kernel_shape != kernel)
    ctx.fail(ErrorCode::InvalidArgument, "attribute 'kernel_shape' disagrees with W's shape ",
             shape_to_string(w.shape()));
  return kernel;
}

// Runs a convolution in its compute type: double and float as they are, float16 / bfloat16
// through float (X and B widened, Y narrowed back). run_double(y) and run_float(x, b, y) do the
// work; W reaches run_float in its own type (the kernel widens it or uses its pre-packed copy).
template <class RunDouble, class RunFloat>
void run_in_compute_type(const Tensor& x, const Tensor* b, Tensor& y, const RunDouble& run_double,
                         const RunFloat& run_float) {
  if (x.dtype() == DataType::Double) {
    run_double(y.data<double>());
  } else if (x.dtype() == DataType::Float) {
    run_float(x, b, y.data<float>());
  } else {
    const Tensor xf = widen_to_float(x), bf = b ? widen_to_float(*b) : Tensor();
    Tensor yf(DataType::Float, y.shape());
    run_float(xf, b ? &bf : nullptr, yf.data<float>());
    narrow_from_float(yf.data<float>(), y);
  }
}

}  // namespace onyxrt::ops
