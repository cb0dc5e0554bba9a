#pragma once

#include <cmath>
#include <limits>
#include <type_traits>
#include <vector>

#include "ops/elementwise_types.h"
#include "ops/kernel.h"
#include "ops/nn/resize_plan.h"

// The linear / cubic half of Resize: weighted sums over the per-axis windows of resize_plan.h.
namespace onyxrt::ops {

// The arithmetic type of the weighted sums: float keeps the 16-bit floats and small integers
// exact, double is needed for double and for 32/64-bit integers.
template <class T>
using resize_compute_t =
    std::conditional_t<std::is_same_v<T, double> || (std::is_integral_v<T> && sizeof(T) >= 4), double, float>;

// A computed value stored as T: integers round half to even and saturate (NaN gives 0), as
// onnx.reference's saturate_cast does; bool is v != 0.
template <class T, class C>
T resize_store(C v) {
  if constexpr (std::is_same_v<T, bool>) {
    return v != 0;
  } else if constexpr (std::is_integral_v<T>) {
    if (std::isnan(v)) return T{0};
    const double r = std::nearbyint(static_cast<double>(v));
    constexpr double lo = static_cast<double>(std::numeric_limits<T>::min());
    constexpr double hi = static_cast<double>(std::numeric_limits<T>::max());  // may round up to 2^63 / 2^64
    if (r <= lo) return std::numeric_limits<T>::min();
    if (r >= hi) return std::numeric_limits<T>::max();
    return static_cast<T>(r);
  } else {
    return from_compute<T>(v);
  }
}

// y = x filtered along every axis by its table (one per axis of x); x has a numeric type, y
// x's type and the tables' output shape. Positions a table marks outside take `extrapolation`.
void resize_filtered(const KernelContext& ctx, const std::vector<AxisTable>& tables, const Tensor& x, Tensor& y,
                     double extrapolation);

}  // namespace onyxrt::ops
