#pragma once

#include <cstdint>
#include <string>
#include <type_traits>

#include "base/float16.h"
#include "ops/registry.h"

// The C++ side of element types for kernels that are templated on them: one storage type per
// DataType, compile-time type lists that dispatch a runtime DataType to a template
// instantiation, and the compute type (16-bit floats compute through float).
namespace onyxrt::ops {

// 16-bit floats are stored as raw bits; distinct types so that dispatch can tell them apart.
struct fp16_t {
  uint16_t bits;
};
struct bf16_t {
  uint16_t bits;
};
// Elements moved but never computed on, by width (complex128 is two doubles).
struct bytes16_t {
  uint64_t lo, hi;
};

template <class T>
struct type_tag {
  using type = T;
};

template <class T>
struct data_type_of;
#define ONYXRT_DATA_TYPE_OF(CppType, Code) \
  template <>                              \
  struct data_type_of<CppType> {           \
    static constexpr DataType value = DataType::Code; \
  };
ONYXRT_DATA_TYPE_OF(float, Float)
ONYXRT_DATA_TYPE_OF(double, Double)
ONYXRT_DATA_TYPE_OF(fp16_t, Float16)
ONYXRT_DATA_TYPE_OF(bf16_t, BFloat16)
ONYXRT_DATA_TYPE_OF(int8_t, Int8)
ONYXRT_DATA_TYPE_OF(int16_t, Int16)
ONYXRT_DATA_TYPE_OF(int32_t, Int32)
ONYXRT_DATA_TYPE_OF(int64_t, Int64)
ONYXRT_DATA_TYPE_OF(uint8_t, UInt8)
ONYXRT_DATA_TYPE_OF(uint16_t, UInt16)
ONYXRT_DATA_TYPE_OF(uint32_t, UInt32)
ONYXRT_DATA_TYPE_OF(uint64_t, UInt64)
ONYXRT_DATA_TYPE_OF(bool, Bool)
ONYXRT_DATA_TYPE_OF(std::string, String)
#undef ONYXRT_DATA_TYPE_OF
template <class T>
inline constexpr DataType data_type_v = data_type_of<T>::value;

template <class... Ts>
struct TypeList {};
template <class... A, class... B>
constexpr TypeList<A..., B...> operator+(TypeList<A...>, TypeList<B...>) {
  return {};
}

using FloatTypeList = TypeList<float, double, fp16_t, bf16_t>;
using SignedIntTypeList = TypeList<int8_t, int16_t, int32_t, int64_t>;
using UnsignedIntTypeList = TypeList<uint8_t, uint16_t, uint32_t, uint64_t>;
using IntTypeList = decltype(SignedIntTypeList{} + UnsignedIntTypeList{});
using NumericTypeList = decltype(FloatTypeList{} + IntTypeList{});
using SignedNumericTypeList = decltype(FloatTypeList{} + SignedIntTypeList{});
using NumericBoolTypeList = decltype(NumericTypeList{} + TypeList<bool>{});
using BoolTypeList = TypeList<bool>;

template <class... Ts>
constexpr TypeSet type_set_of(TypeList<Ts...>) {
  return TypeSet{data_type_v<Ts>...};
}

// Calls f(type_tag<T>{}) for the T of the list whose DataType is `type`; false when none is.
template <class... Ts, class F>
bool visit_type(DataType type, TypeList<Ts...>, F&& f) {
  return ((type == data_type_v<Ts> ? (f(type_tag<Ts>{}), true) : false) || ...);
}

// Calls f(type_tag<W>{}) with W a trivially copyable type as wide as one element, or
// std::string for strings: for operators that only move elements. False for sub-byte types.
template <class F>
bool visit_element_width(DataType type, F&& f) {
  if (type == DataType::String) {
    f(type_tag<std::string>{});
    return true;
  }
  switch (data_type_bits(type)) {
    case 8: f(type_tag<uint8_t>{}); return true;
    case 16: f(type_tag<uint16_t>{}); return true;
    case 32: f(type_tag<uint32_t>{}); return true;
    case 64: f(type_tag<uint64_t>{}); return true;
    case 128: f(type_tag<bytes16_t>{}); return true;
    default: return false;
  }
}

// Runtime type sets for the ONNX versions before bfloat16 joined a constraint (mostly opset 13).
inline constexpr TypeSet kIeeeFloatTypes{DataType::Float, DataType::Double, DataType::Float16};
inline constexpr TypeSet kNumericTypesNoBf16 = kIeeeFloatTypes | kIntTypes;
inline constexpr TypeSet kBoolTypes{DataType::Bool};
inline constexpr TypeSet kFloat8Types{DataType::Float8E4M3FN, DataType::Float8E4M3FNUZ, DataType::Float8E5M2,
                                      DataType::Float8E5M2FNUZ};
// What data-movement operators (Concat, Gather, Transpose, ...) accept: every whole-byte type.
inline constexpr TypeSet kWholeByteTypes = kNumericTypes | TypeSet{DataType::Bool, DataType::String,
                                                                   DataType::Complex64, DataType::Complex128};
inline constexpr TypeSet kWholeByteTypesNoBf16 =
    kNumericTypesNoBf16 | TypeSet{DataType::Bool, DataType::String, DataType::Complex64, DataType::Complex128};

// Arithmetic type of an element: float for the 16-bit floats, the type itself otherwise.
template <class T>
struct compute_type {
  using type = T;
};
template <>
struct compute_type<fp16_t> {
  using type = float;
};
template <>
struct compute_type<bf16_t> {
  using type = float;
};
template <class T>
using compute_t = typename compute_type<T>::type;

// A float for the 16-bit floats, a reference to the element otherwise (no string copies).
template <class T>
inline decltype(auto) to_compute(const T& v) {
  if constexpr (std::is_same_v<T, fp16_t>) {
    return half_to_float(v.bits);
  } else if constexpr (std::is_same_v<T, bf16_t>) {
    return bfloat16_to_float(v.bits);
  } else {
    return v;
  }
}

template <class T, class C>
inline T from_compute(C v) {
  if constexpr (std::is_same_v<T, fp16_t>) {
    return fp16_t{float_to_half(static_cast<float>(v))};
  } else if constexpr (std::is_same_v<T, bf16_t>) {
    return bf16_t{float_to_bfloat16(static_cast<float>(v))};
  } else {
    return static_cast<T>(v);
  }
}

template <class T>
inline constexpr bool is_float_v = std::is_floating_point_v<compute_t<T>>;

// Float -> integer conversion that is defined for every input: truncation toward zero, then
// wrap-around to the width of I; NaN and values beyond int64 give INT64_MIN first. This is what
// numpy's astype does on x86-64 (the common reference), without C++'s undefined behaviour.
template <class I>
inline I float_to_integer(double v) {
  if constexpr (std::is_same_v<I, bool>) {
    return v != 0;
  } else if constexpr (std::is_same_v<I, uint64_t>) {
    if (v >= 9223372036854775808.0 && v < 18446744073709551616.0) return static_cast<uint64_t>(v);
    return static_cast<uint64_t>(float_to_integer<int64_t>(v));
  } else {
    if (!(v >= -9223372036854775808.0 && v < 9223372036854775808.0))  // also catches NaN
      return static_cast<I>(static_cast<uint64_t>(INT64_MIN));
    return static_cast<I>(static_cast<uint64_t>(static_cast<int64_t>(v)));
  }
}

// Integer arithmetic that wraps around like numpy instead of overflowing into undefined behaviour.
template <class T>
inline T wrapping_add(T a, T b) {
  using U = std::make_unsigned_t<T>;
  return static_cast<T>(static_cast<U>(static_cast<U>(a) + static_cast<U>(b)));
}
template <class T>
inline T wrapping_sub(T a, T b) {
  using U = std::make_unsigned_t<T>;
  return static_cast<T>(static_cast<U>(static_cast<U>(a) - static_cast<U>(b)));
}
template <class T>
inline T wrapping_mul(T a, T b) {
  // uint16 * uint16 promotes to (signed) int and can overflow: multiply in a wide unsigned type.
  using U = std::conditional_t<(sizeof(T) < sizeof(unsigned)), unsigned, std::make_unsigned_t<T>>;
  return static_cast<T>(static_cast<U>(static_cast<U>(a) * static_cast<U>(b)));
}

}  // namespace onyxrt::ops
