#pragma once

#include <cmath>
#include <limits>
#include <optional>
#include <string>
#include <type_traits>

#include "kernels/vmath.h"
#include "ops/elementwise_types.h"
#include "ops/kernel.h"

// One functor per elementwise unary ONNX operator. `Types` lists the element types it can be
// instantiated for (the registration rows narrow them per opset); operator() takes the compute
// type (float for the 16-bit floats). Functors with attributes read them in a constructor taking
// the KernelInfo, so a bad attribute fails at session creation. None may throw in operator().
// Functors whose float32 (and 16-bit float) path is a kernels/vmath.h array function name it in
// vmath_f32() (nullopt: not for these attributes); operator() serves the rest (double, integers)
// and stays the readable definition.
namespace onyxrt::ops::unary {

template <class T>
inline T softplus(T x) {  // log(1 + e^x) without overflow for large x
  return x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x));
}

struct FloatOp {
  using Types = FloatTypeList;
  static constexpr bool kBoolOutput = false;
};

#define ONYXRT_FLOAT_UNARY(Name, expr)  \
  struct Name : FloatOp {               \
    template <class T>                  \
    T operator()(T x) const {           \
      return expr;                      \
    }                                   \
  };
#define ONYXRT_VMATH_UNARY(Name, expr, function)                                               \
  struct Name : FloatOp {                                                                      \
    template <class T>                                                                         \
    T operator()(T x) const {                                                                  \
      return expr;                                                                             \
    }                                                                                          \
    std::optional<kernels::VmathF32> vmath_f32() const { return kernels::VmathF32::function; } \
  };
ONYXRT_VMATH_UNARY(Exp, std::exp(x), Exp)
ONYXRT_VMATH_UNARY(Log, std::log(x), Log)
ONYXRT_FLOAT_UNARY(Sqrt, std::sqrt(x))
ONYXRT_FLOAT_UNARY(Reciprocal, T(1) / x)
ONYXRT_FLOAT_UNARY(Floor, std::floor(x))
ONYXRT_FLOAT_UNARY(Ceil, std::ceil(x))
ONYXRT_FLOAT_UNARY(Round, std::nearbyint(x))  // default rounding mode: half to even, as the spec says
ONYXRT_VMATH_UNARY(Sigmoid, T(1) / (T(1) + std::exp(-x)), Sigmoid)  // exp overflow to inf gives 0, as it should
ONYXRT_VMATH_UNARY(Tanh, std::tanh(x), Tanh)
ONYXRT_FLOAT_UNARY(Sin, std::sin(x))
ONYXRT_FLOAT_UNARY(Cos, std::cos(x))
ONYXRT_FLOAT_UNARY(Tan, std::tan(x))
ONYXRT_FLOAT_UNARY(Asin, std::asin(x))
ONYXRT_FLOAT_UNARY(Acos, std::acos(x))
ONYXRT_FLOAT_UNARY(Atan, std::atan(x))
ONYXRT_FLOAT_UNARY(Sinh, std::sinh(x))
ONYXRT_FLOAT_UNARY(Cosh, std::cosh(x))
ONYXRT_FLOAT_UNARY(Asinh, std::asinh(x))
ONYXRT_FLOAT_UNARY(Acosh, std::acosh(x))
ONYXRT_FLOAT_UNARY(Atanh, std::atanh(x))
ONYXRT_FLOAT_UNARY(Softplus, softplus(x))
ONYXRT_FLOAT_UNARY(Softsign, x / (T(1) + std::fabs(x)))
ONYXRT_FLOAT_UNARY(HardSwish, x * std::fmax(T(0), std::fmin(T(1), x / T(6) + T(0.5))))
ONYXRT_FLOAT_UNARY(Mish, x * std::tanh(softplus(x)))
#undef ONYXRT_FLOAT_UNARY
#undef ONYXRT_VMATH_UNARY

// Erf-9 also takes integers (the result truncates back to the integer type).
struct Erf {
  using Types = NumericTypeList;
  static constexpr bool kBoolOutput = false;
  template <class T>
  T operator()(T x) const {
    if constexpr (std::is_floating_point_v<T>) {
      return std::erf(x);
    } else {
      return static_cast<T>(std::erf(static_cast<double>(x)));
    }
  }
  std::optional<kernels::VmathF32> vmath_f32() const { return kernels::VmathF32::Erf; }
};

struct Abs {
  using Types = NumericTypeList;
  static constexpr bool kBoolOutput = false;
  template <class T>
  T operator()(T x) const {
    if constexpr (std::is_floating_point_v<T>) {
      return std::fabs(x);
    } else if constexpr (std::is_unsigned_v<T>) {
      return x;
    } else {
      return x < 0 ? wrapping_sub(T(0), x) : x;  // abs(INT_MIN) wraps to INT_MIN, as numpy
    }
  }
};

struct Neg {
  using Types = SignedNumericTypeList;
  static constexpr bool kBoolOutput = false;
  template <class T>
  T operator()(T x) const {
    if constexpr (std::is_floating_point_v<T>) {
      return -x;
    } else {
      return wrapping_sub(T(0), x);
    }
  }
};

struct Sign {
  using Types = NumericTypeList;
  static constexpr bool kBoolOutput = false;
  template <class T>
  T operator()(T x) const {
    if constexpr (std::is_floating_point_v<T>) {
      return x > 0 ? T(1) : x < 0 ? T(-1) : x;  // keeps NaN and zero
    } else {
      return static_cast<T>((x > 0) - (x < T(0)));
    }
  }
};

struct Relu {
  using Types = SignedNumericTypeList;
  static constexpr bool kBoolOutput = false;
  template <class T>
  T operator()(T x) const {
    return x < T(0) ? T(0) : x;  // NaN stays NaN, as numpy.maximum(x, 0)
  }
};

struct IsNaN {
  using Types = FloatTypeList;
  static constexpr bool kBoolOutput = true;
  template <class T>
  bool operator()(T x) const {
    return std::isnan(x);
  }
};

struct IsInf {
  using Types = FloatTypeList;
  static constexpr bool kBoolOutput = true;
  explicit IsInf(const KernelInfo& info)
      : negative(info.attr_int("detect_negative", 1) != 0), positive(info.attr_int("detect_positive", 1) != 0) {}
  template <class T>
  bool operator()(T x) const {
    return std::isinf(x) && (x > 0 ? positive : negative);
  }
  bool negative, positive;
};

struct Not {
  using Types = BoolTypeList;
  static constexpr bool kBoolOutput = false;
  bool operator()(bool x) const { return !x; }
};

struct BitwiseNot {
  using Types = IntTypeList;
  static constexpr bool kBoolOutput = false;
  template <class T>
  T operator()(T x) const {
    return static_cast<T>(~x);
  }
};

// ---- activations with attributes ----

struct LeakyRelu : FloatOp {
  explicit LeakyRelu(const KernelInfo& info) : alpha(info.attr_float("alpha", 0.01f)) {}
  template <class T>
  T operator()(T x) const {
    return x < 0 ? T(alpha) * x : x;
  }
  float alpha;
};

struct Elu : FloatOp {
  explicit Elu(const KernelInfo& info) : alpha(info.attr_float("alpha", 1.0f)) {}
  template <class T>
  T operator()(T x) const {
    return x < 0 ? T(alpha) * std::expm1(x) : x;
  }
  float alpha;
};

struct Selu : FloatOp {
  explicit Selu(const KernelInfo& info)
      : alpha(info.attr_float("alpha", 1.67326319217681884765625f)),
        gamma(info.attr_float("gamma", 1.05070102214813232421875f)) {}
  template <class T>
  T operator()(T x) const {
    return x <= 0 ? T(gamma) * (T(alpha) * std::exp(x) - T(alpha)) : T(gamma) * x;
  }
  float alpha, gamma;
};

struct HardSigmoid : FloatOp {
  explicit HardSigmoid(const KernelInfo& info)
      : alpha(info.attr_float("alpha", 0.2f)), beta(info.attr_float("beta", 0.5f)) {}
  template <class T>
  T operator()(T x) const {
    return std::fmax(T(0), std::fmin(T(1), T(alpha) * x + T(beta)));
  }
  float alpha, beta;
};

struct ThresholdedRelu : FloatOp {
  explicit ThresholdedRelu(const KernelInfo& info) : alpha(info.attr_float("alpha", 1.0f)) {}
  template <class T>
  T operator()(T x) const {
    return x > T(alpha) ? x : T(0);
  }
  float alpha;
};

struct Celu : FloatOp {
  explicit Celu(const KernelInfo& info) : alpha(info.attr_float("alpha", 1.0f)) {}
  template <class T>
  T operator()(T x) const {
    return std::fmax(T(0), x) + std::fmin(T(0), T(alpha) * std::expm1(x / T(alpha)));
  }
  float alpha;
};

struct Gelu : FloatOp {
  explicit Gelu(const KernelInfo& info) {
    std::string approximate = info.attr_string("approximate", "none");
    if (approximate == "tanh") {
      use_tanh = true;
    } else if (approximate != "none") {
      info.fail(ErrorCode::InvalidGraph, "attribute 'approximate' is '", approximate, "', expected 'none' or 'tanh'");
    }
  }
  template <class T>
  T operator()(T x) const {
    if (use_tanh) {
      const T k = T(0.7978845608028654);  // sqrt(2 / pi)
      return T(0.5) * x * (T(1) + std::tanh(k * (x + T(0.044715) * x * x * x)));
    }
    return T(0.5) * x * (T(1) + std::erf(x * T(0.7071067811865476)));
  }
  std::optional<kernels::VmathF32> vmath_f32() const {
    return use_tanh ? kernels::VmathF32::GeluTanh : kernels::VmathF32::GeluErf;
  }
  bool use_tanh = false;
};

struct Swish : FloatOp {
  explicit Swish(const KernelInfo& info) : alpha(info.attr_float("alpha", 1.0f)) {}
  template <class T>
  T operator()(T x) const {
    return x / (T(1) + std::exp(-T(alpha) * x));
  }
  std::optional<kernels::VmathF32> vmath_f32() const {
    return alpha == 1.0f ? std::optional<kernels::VmathF32>(kernels::VmathF32::Silu) : std::nullopt;
  }
  float alpha;
};

// Shrink-9 takes every numeric type; integers compute through double and truncate back, as numpy.
struct Shrink {
  using Types = NumericTypeList;
  static constexpr bool kBoolOutput = false;
  explicit Shrink(const KernelInfo& info) : lambd(info.attr_float("lambd", 0.5f)), bias(info.attr_float("bias", 0.0f)) {}
  template <class T>
  T operator()(T x) const {
    const double v = static_cast<double>(x);
    const double y = v < -static_cast<double>(lambd) ? v + bias : v > static_cast<double>(lambd) ? v - bias : 0.0;
    if constexpr (std::is_floating_point_v<T>) {
      return static_cast<T>(y);
    } else {
      return float_to_integer<T>(y);
    }
  }
  float lambd, bias;
};

}  // namespace onyxrt::ops::unary
