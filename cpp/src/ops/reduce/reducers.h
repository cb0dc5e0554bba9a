#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "ops/elementwise_types.h"

// The folds behind the Reduce* operators, in the Reducer form that run_reduction expects
// (reduction_engine.h). Accumulators: float for float and the 16-bit floats (the engine folds in
// blocks, so float sums stay accurate without the cost of double), double for double, 64 bits
// with wrap-around for integers (numpy's modular arithmetic; the result narrows back).
namespace onyxrt::ops::reducers {

template <class T>
using sum_acc_t =
    std::conditional_t<is_float_v<T>, compute_t<T>, std::conditional_t<std::is_signed_v<T>, int64_t, uint64_t>>;

template <class A>
inline A acc_add(A a, A b) {
  if constexpr (std::is_floating_point_v<A>) {
    return a + b;
  } else {
    return wrapping_add(a, b);
  }
}

template <class A>
inline A acc_mul(A a, A b) {
  if constexpr (std::is_floating_point_v<A>) {
    return a * b;
  } else {
    return wrapping_mul(a, b);
  }
}

// An accumulator back to the element type: floats round, integers wrap.
template <class T, class A>
inline T narrow(A a) {
  return from_compute<T>(a);
}

// A float result (sqrt, log) as the element type; integers truncate, NaN / inf do not trap.
template <class T>
inline T from_real(double v) {
  if constexpr (is_float_v<T>) {
    return from_compute<T>(v);
  } else {
    return float_to_integer<T>(v);
  }
}

// --- What each sum-like op does to an element before adding it up (Pre) and to the sum after (Post).

struct Plain {
  static constexpr bool kIdentity = true;
  template <class A>
  static A apply(A v) {
    return v;
  }
};
struct Absolute {
  static constexpr bool kIdentity = false;
  template <class A>
  static A apply(A v) {
    if constexpr (std::is_unsigned_v<A>) {
      return v;
    } else if constexpr (std::is_floating_point_v<A>) {
      return std::fabs(v);
    } else {
      return v < 0 ? wrapping_sub(A(0), v) : v;
    }
  }
};
struct Square {
  static constexpr bool kIdentity = false;
  template <class A>
  static A apply(A v) {
    return acc_mul(v, v);
  }
};

struct Total {
  static constexpr bool kIdentity = true;
  template <class T, class A>
  static T apply(A sum, int64_t) {
    return narrow<T>(sum);
  }
};
struct Average {
  static constexpr bool kIdentity = true;
  template <class T, class A>
  static T apply(A sum, int64_t count) {
    if constexpr (std::is_floating_point_v<A>) {
      return narrow<T>(sum / static_cast<A>(count));  // empty set: 0 / 0 = NaN, as numpy
    } else {
      return count == 0 ? T(0) : narrow<T>(sum / static_cast<A>(count));  // truncates, as numpy's int mean
    }
  }
};
struct SquareRoot {
  static constexpr bool kIdentity = false;
  template <class T, class A>
  static T apply(A sum, int64_t) {
    return from_real<T>(std::sqrt(static_cast<double>(sum)));
  }
};
struct Logarithm {
  static constexpr bool kIdentity = false;
  template <class T, class A>
  static T apply(A sum, int64_t) {
    if constexpr (std::is_same_v<A, float>) {
      return narrow<T>(std::log(sum));
    } else {
      return from_real<T>(std::log(static_cast<double>(sum)));
    }
  }
};

// Sum, Mean, L1, L2, LogSum, SumSquare: out = Post(sum of Pre(x), count).
template <class T, class Pre, class Post>
struct SumOf {
  using Acc = sum_acc_t<T>;
  // A fold of one element gives the element back: reducing nothing may return the input itself.
  static constexpr bool kIdentityOnOne = Pre::kIdentity && Post::kIdentity;
  static constexpr bool kArithmeticAdd = true;
  Acc identity() const { return Acc(0); }
  Acc add(Acc a, const T& x) const { return acc_add(a, Pre::apply(static_cast<Acc>(to_compute(x)))); }
  Acc merge(Acc a, Acc b) const { return acc_add(a, b); }
  T finish(Acc a, int64_t count) const { return Post::template apply<T>(a, count); }
};

template <class T>
struct ProductOf {
  using Acc = sum_acc_t<T>;
  static constexpr bool kIdentityOnOne = true;
  static constexpr bool kArithmeticAdd = true;
  Acc identity() const { return Acc(1); }
  Acc add(Acc a, const T& x) const { return acc_mul(a, static_cast<Acc>(to_compute(x))); }
  Acc merge(Acc a, Acc b) const { return acc_mul(a, b); }
  T finish(Acc a, int64_t) const { return narrow<T>(a); }
};

// Max (kMax) or Min. NaN wins, as numpy's maximum / minimum; the empty set gives -inf / +inf,
// the type's lowest / highest for integers, false / true for bool.
template <class T, bool kMax>
struct ExtremeOf {
  using Acc = compute_t<T>;
  static constexpr bool kIdentityOnOne = true;
  static constexpr bool kArithmeticAdd = !std::is_floating_point_v<Acc>;  // the NaN test is a branch
  Acc identity() const {
    if constexpr (std::is_floating_point_v<Acc>) {
      return kMax ? -std::numeric_limits<Acc>::infinity() : std::numeric_limits<Acc>::infinity();
    } else {
      return kMax ? std::numeric_limits<Acc>::lowest() : std::numeric_limits<Acc>::max();
    }
  }
  Acc add(Acc a, const T& x) const { return merge(a, to_compute(x)); }
  Acc merge(Acc a, Acc v) const {
    const bool better = kMax ? v > a : v < a;
    if constexpr (std::is_floating_point_v<Acc>) {
      return (better | (v != v)) ? v : a;  // `|`, not `||`: no branch, so the loop vectorises
    } else {
      return better ? v : a;
    }
  }
  T finish(Acc a, int64_t) const { return from_compute<T>(a); }
};

// log(sum(exp(x))) in one pass: the running max m and the sum s of exp(x - m), rescaled when the
// max grows, so that nothing overflows. Infinities and the empty set (-inf) come out exact.
template <class T>
struct LogSumExpOf {
  using Real = std::conditional_t<is_float_v<T> && !std::is_same_v<T, double>, float, double>;
  struct Acc {
    Real m, s;
  };
  static constexpr bool kIdentityOnOne = false;
  static constexpr bool kArithmeticAdd = false;
  Acc identity() const { return {-std::numeric_limits<Real>::infinity(), Real(0)}; }
  Acc add(Acc a, const T& x) const {
    const Real v = static_cast<Real>(to_compute(x));
    if (v > a.m) {
      a.s = a.s * std::exp(a.m - v) + Real(1);
      a.m = v;
    } else if (v == a.m) {  // also +-inf meeting itself, where v - m would be NaN
      a.s += Real(1);
    } else {  // smaller, or NaN (which stays NaN)
      a.s += std::exp(v - a.m);
    }
    return a;
  }
  Acc merge(Acc a, Acc b) const {
    if (a.m < b.m) std::swap(a, b);
    if (b.s == Real(0)) return a;
    a.s += a.m == b.m ? b.s : b.s * std::exp(b.m - a.m);
    return a;
  }
  T finish(Acc a, int64_t) const { return from_real<T>(static_cast<double>(a.m + std::log(a.s))); }
};

}  // namespace onyxrt::ops::reducers
