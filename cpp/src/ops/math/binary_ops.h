#pragma once

#include <cmath>
#include <limits>
#include <string>
#include <type_traits>

#include "ops/elementwise_types.h"
#include "ops/kernel.h"

// One functor per broadcasting binary ONNX operator whose inputs share one element type.
// `Types`: the element types it can be instantiated for (rows narrow them per opset);
// kBoolOutput: the output is bool (comparisons); kIntegerDivision: an integer zero in the second
// input is an error, checked before the loop. operator() takes compute types and must not throw.
namespace onyxrt::ops::binary {

struct ArithmeticOp {
  using Types = NumericTypeList;
  static constexpr bool kBoolOutput = false;
  static constexpr bool kIntegerDivision = false;
};

struct Add : ArithmeticOp {
  template <class T>
  T operator()(T a, T b) const {
    if constexpr (std::is_integral_v<T>) {
      return wrapping_add(a, b);
    } else {
      return a + b;
    }
  }
};

struct Sub : ArithmeticOp {
  template <class T>
  T operator()(T a, T b) const {
    if constexpr (std::is_integral_v<T>) {
      return wrapping_sub(a, b);
    } else {
      return a - b;
    }
  }
};

struct Mul : ArithmeticOp {
  template <class T>
  T operator()(T a, T b) const {
    if constexpr (std::is_integral_v<T>) {
      return wrapping_mul(a, b);
    } else {
      return a * b;
    }
  }
};

// Integer division truncates toward zero (C semantics, as the ONNX reference).
struct Div : ArithmeticOp {
  static constexpr bool kIntegerDivision = true;
  template <class T>
  T operator()(T a, T b) const {
    if constexpr (std::is_integral_v<T> && std::is_signed_v<T>) {
      return b == T(-1) ? wrapping_sub(T(0), a) : static_cast<T>(a / b);  // INT_MIN / -1 wraps
    } else {
      return static_cast<T>(a / b);
    }
  }
};

// fmod = 1: C fmod / %, the sign of the dividend. fmod = 0: the sign of the divisor
// (Python's %, numpy.mod), for integers and, like numpy and Mod-28, for floats too.
struct Mod : ArithmeticOp {
  static constexpr bool kIntegerDivision = true;
  explicit Mod(const KernelInfo& info) : c_fmod(info.attr_int("fmod", 0) != 0) {
    int64_t v = info.attr_int("fmod", 0);
    if (v != 0 && v != 1) info.fail(ErrorCode::InvalidGraph, "attribute 'fmod' is ", v, ", expected 0 or 1");
  }
  template <class T>
  T operator()(T a, T b) const {
    if constexpr (std::is_floating_point_v<T>) {
      T r = std::fmod(a, b);
      if (c_fmod || b == 0) return r;  // fmod(x, 0) is NaN
      if (r != 0) return (r < 0) != (b < 0) ? r + b : r;
      return std::copysign(T(0), b);
    } else if constexpr (std::is_unsigned_v<T>) {
      return static_cast<T>(a % b);
    } else {
      if (b == T(-1)) return T(0);  // INT_MIN % -1 overflows in C
      T r = static_cast<T>(a % b);
      if (!c_fmod && r != 0 && ((r < 0) != (b < 0))) r = static_cast<T>(r + b);
      return r;
    }
  }
  bool c_fmod;
};

// PRelu: the slope (second input) broadcasts; positive inputs pass through.
struct PRelu : ArithmeticOp {
  template <class T>
  T operator()(T x, T slope) const {
    if constexpr (std::is_integral_v<T>) {
      return x < T(0) ? wrapping_mul(slope, x) : x;
    } else {
      return x < T(0) ? slope * x : x;
    }
  }
};

struct ComparisonOp {
  using Types = NumericTypeList;
  static constexpr bool kBoolOutput = true;
  static constexpr bool kIntegerDivision = false;
};

struct Equal : ComparisonOp {
  using Types = decltype(NumericBoolTypeList{} + TypeList<std::string>{});
  template <class T>
  bool operator()(const T& a, const T& b) const {
    return a == b;
  }
};
struct Less : ComparisonOp {
  template <class T>
  bool operator()(T a, T b) const {
    return a < b;
  }
};
struct Greater : ComparisonOp {
  template <class T>
  bool operator()(T a, T b) const {
    return a > b;
  }
};
struct LessOrEqual : ComparisonOp {
  template <class T>
  bool operator()(T a, T b) const {
    return a <= b;
  }
};
struct GreaterOrEqual : ComparisonOp {
  template <class T>
  bool operator()(T a, T b) const {
    return a >= b;
  }
};

struct LogicalOp {
  using Types = BoolTypeList;
  static constexpr bool kBoolOutput = true;
  static constexpr bool kIntegerDivision = false;
};
struct And : LogicalOp {
  bool operator()(bool a, bool b) const { return a && b; }
};
struct Or : LogicalOp {
  bool operator()(bool a, bool b) const { return a || b; }
};
struct Xor : LogicalOp {
  bool operator()(bool a, bool b) const { return a != b; }
};

struct BitwiseOp {
  using Types = IntTypeList;
  static constexpr bool kBoolOutput = false;
  static constexpr bool kIntegerDivision = false;
};
struct BitwiseAnd : BitwiseOp {
  template <class T>
  T operator()(T a, T b) const {
    return static_cast<T>(a & b);
  }
};
struct BitwiseOr : BitwiseOp {
  template <class T>
  T operator()(T a, T b) const {
    return static_cast<T>(a | b);
  }
};
struct BitwiseXor : BitwiseOp {
  template <class T>
  T operator()(T a, T b) const {
    return static_cast<T>(a ^ b);
  }
};

// A shift by a negative amount or by the bit width or more gives what the sign fill alone gives
// (BitShift-28 spells this out; BitShift-11 has only unsigned types, where it is 0).
struct BitShift : BitwiseOp {
  explicit BitShift(const KernelInfo& info) {
    std::string direction = info.attr_string("direction", "");
    if (direction == "LEFT") {
      left = true;
    } else if (direction != "RIGHT") {
      info.fail(ErrorCode::InvalidGraph, "attribute 'direction' is '", direction, "', expected 'LEFT' or 'RIGHT'");
    }
  }
  template <class T>
  T operator()(T x, T y) const {
    using U = std::make_unsigned_t<T>;
    constexpr int kBits = std::numeric_limits<U>::digits;
    bool out_of_range = static_cast<U>(y) >= static_cast<U>(kBits);  // a negative y is huge as unsigned
    if (left) return out_of_range ? T(0) : static_cast<T>(static_cast<U>(static_cast<U>(x) << y));
    if (out_of_range) return std::is_signed_v<T> && x < T(0) ? T(-1) : T(0);
    return static_cast<T>(x >> y);  // arithmetic for signed T (guaranteed by GCC/Clang, C++20)
  }
  bool left = false;
};

}  // namespace onyxrt::ops::binary
