#pragma once

#include <vector>

#include "onyxrt/tensor.hpp"

// 16-bit float tensors (float16, bfloat16) are computed through float: widen the inputs, run the
// float code, narrow the outputs. Float tensors pass through without a copy.
namespace onyxrt::ops {

inline bool is_half_type(DataType t) { return t == DataType::Float16 || t == DataType::BFloat16; }

// A Float tensor with t's values: t itself when it is Float, a converted copy for 16-bit floats.
Tensor widen_to_float(const Tensor& t);
// The values of a Float, Double, Float16 or BFloat16 tensor as doubles (small parameter vectors).
std::vector<double> values_as_double(const Tensor& t);
// Writes float values (dst.size() of them) into dst, a Float16, BFloat16 or Float tensor.
void narrow_from_float(const float* src, Tensor& dst);

// Runs f(x_data, y_data) in float for a Float, Float16 or BFloat16 x: the 16-bit floats widened
// before and narrowed after. y has x's type and its own shape.
template <class F>
void with_float_compute(const Tensor& x, Tensor& y, F&& f) {
  if (x.dtype() == DataType::Float) {
    f(x.data<float>(), y.data<float>());
    return;
  }
  const Tensor xf = widen_to_float(x);
  Tensor yf(DataType::Float, y.shape());
  f(xf.data<float>(), yf.data<float>());
  narrow_from_float(yf.data<float>(), y);
}

// Runs f(x_data, y_data) in the compute type of x: double for Double, float otherwise
// (with_float_compute).
template <class F>
void with_compute_type(const Tensor& x, Tensor& y, F&& f) {
  if (x.dtype() == DataType::Double) {
    f(x.data<double>(), y.data<double>());
  } else {
    with_float_compute(x, y, f);
  }
}

}  // namespace onyxrt::ops
