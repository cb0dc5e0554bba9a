#include "ops/minifloat.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

namespace onyxrt::ops {
namespace {

using Special = MiniFloatFormat::Special;

struct Layout {
  unsigned sign_bit, exp_max, mant_max, top_exp, top_mant;
  double max_value;
};

Layout layout_of(const MiniFloatFormat& f) {
  Layout l;
  l.sign_bit = 1u << (f.exponent_bits + f.mantissa_bits);
  l.exp_max = (1u << f.exponent_bits) - 1;
  l.mant_max = (1u << f.mantissa_bits) - 1;
  l.top_exp = f.special == Special::IeeeInfNan ? l.exp_max - 1 : l.exp_max;
  l.top_mant = f.special == Special::NanOnly ? l.mant_max - 1 : l.mant_max;
  l.max_value = std::ldexp(static_cast<double>(l.top_mant + (1u << f.mantissa_bits)),
                           static_cast<int>(l.top_exp) - f.bias - f.mantissa_bits);
  return l;
}

}  // namespace

const MiniFloatFormat* minifloat_format(DataType type) {
  switch (type) {
    case DataType::Float8E4M3FN: return &kFloat8E4M3FN;
    case DataType::Float8E4M3FNUZ: return &kFloat8E4M3FNUZ;
    case DataType::Float8E5M2: return &kFloat8E5M2;
    case DataType::Float8E5M2FNUZ: return &kFloat8E5M2FNUZ;
    case DataType::Float4E2M1: return &kFloat4E2M1;
    default: return nullptr;
  }
}

double minifloat_decode(const MiniFloatFormat& f, uint8_t raw) {
  const Layout l = layout_of(f);
  const unsigned bits = raw & (2 * l.sign_bit - 1);
  const bool negative = (bits & l.sign_bit) != 0;
  const unsigned exp = (bits >> f.mantissa_bits) & l.exp_max, mant = bits & l.mant_max;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  switch (f.special) {
    case Special::Unsigned0Nan:
      if (bits == l.sign_bit) return nan;
      break;
    case Special::NanOnly:
      if (exp == l.exp_max && mant == l.mant_max) return negative ? -nan : nan;
      break;
    case Special::IeeeInfNan:
      if (exp == l.exp_max) return mant ? (negative ? -nan : nan) : (negative ? -HUGE_VAL : HUGE_VAL);
      break;
    case Special::None: break;
  }
  const double v = exp == 0 ? std::ldexp(static_cast<double>(mant), 1 - f.bias - f.mantissa_bits)
                            : std::ldexp(static_cast<double>(mant + (1u << f.mantissa_bits)),
                                         static_cast<int>(exp) - f.bias - f.mantissa_bits);
  return negative ? -v : v;
}

uint8_t minifloat_encode(const MiniFloatFormat& f, double x, bool saturate) {
  const Layout l = layout_of(f);
  const bool negative = std::signbit(x);
  const unsigned sign = negative ? l.sign_bit : 0;
  const int m = f.mantissa_bits;
  if (std::isnan(x)) {
    switch (f.special) {
      case Special::IeeeInfNan: return static_cast<uint8_t>(sign | (l.exp_max << m) | (1u << (m - 1)));
      case Special::NanOnly: return static_cast<uint8_t>(sign | (l.exp_max << m) | l.mant_max);
      case Special::Unsigned0Nan: return static_cast<uint8_t>(l.sign_bit);
      case Special::None: return static_cast<uint8_t>(negative ? 0 : l.sign_bit);  // as ml_dtypes
    }
  }
  auto overflow = [&]() -> uint8_t {
    if (saturate || f.special == Special::None) return static_cast<uint8_t>(sign | (l.top_exp << m) | l.top_mant);
    switch (f.special) {
      case Special::IeeeInfNan: return static_cast<uint8_t>(sign | (l.exp_max << m));
      case Special::NanOnly: return static_cast<uint8_t>(sign | (l.exp_max << m) | l.mant_max);
      default: return static_cast<uint8_t>(l.sign_bit);
    }
  };
  const double a = std::fabs(x);
  const uint8_t zero = static_cast<uint8_t>(f.special == Special::Unsigned0Nan ? 0 : sign);
  if (a == 0) return zero;
  if (std::isinf(a)) return overflow();
  // Round to nearest even at the format's precision: the quantum is 2^(exponent - m), the
  // exponent no lower than the smallest normal one (below it the format is subnormal).
  const int min_normal = 1 - f.bias;
  int e2 = 0;
  std::frexp(a, &e2);
  const int quantum = std::max(e2 - 1, min_normal) - m;
  const double rounded = std::ldexp(std::nearbyint(std::ldexp(a, -quantum)), quantum);
  if (rounded > l.max_value) return overflow();
  if (rounded == 0) return zero;
  std::frexp(rounded, &e2);
  const int exponent = e2 - 1;
  unsigned exp_field = 0, mant = 0;
  if (exponent < min_normal) {
    mant = static_cast<unsigned>(std::ldexp(rounded, m - min_normal));
  } else {
    exp_field = static_cast<unsigned>(exponent + f.bias);
    mant = static_cast<unsigned>(std::ldexp(rounded, m - exponent)) - (1u << m);
  }
  return static_cast<uint8_t>(sign | (exp_field << m) | mant);
}

float e8m0_decode(uint8_t bits) {
  if (bits == 0xFF) return std::numeric_limits<float>::quiet_NaN();
  return std::ldexp(1.0f, static_cast<int>(bits) - 127);
}

// The sign is ignored (negative inputs are unspecified by the spec).
uint8_t e8m0_encode(float value, bool saturate, E8M0Rounding rounding) {
  uint32_t bits = 0;
  std::memcpy(&bits, &value, sizeof bits);
  unsigned exponent = (bits >> 23) & 0xFF;
  if (exponent == 0xFF) return 0xFF;  // NaN and Inf
  bool round_up = false;
  if (rounding == E8M0Rounding::Up) {
    round_up = (bits & 0x7FFFFF) != 0;
  } else if (rounding == E8M0Rounding::Nearest) {
    const bool guard = bits & 0x400000, round = bits & 0x200000, sticky = bits & 0x1FFFFF;
    round_up = guard && (round || sticky || exponent > 0);
  }
  if (round_up && !(saturate && exponent == 0xFE)) ++exponent;
  return static_cast<uint8_t>(exponent);
}

}  // namespace onyxrt::ops
