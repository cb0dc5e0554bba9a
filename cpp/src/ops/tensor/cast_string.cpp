#include "ops/tensor/cast_string.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <string_view>
#include <system_error>

namespace onyxrt::ops {
namespace {

// Shortest decimal digits (no point) and exponent of v: v ~ d.ddd x 10^exponent.
struct Decimal {
  std::string digits;
  int exponent = 0;
};

// Splits to_chars' scientific text "d.ddde+XX" (no sign: v is positive here).
Decimal split_scientific(std::string_view text) {
  Decimal d;
  size_t e = text.find('e');
  for (size_t i = 0; i < e; ++i)
    if (text[i] != '.') d.digits += text[i];
  std::from_chars(text.data() + e + (text[e + 1] == '+' ? 2 : 1), text.data() + text.size(), d.exponent);
  while (d.digits.size() > 1 && d.digits.back() == '0') d.digits.pop_back();
  return d;
}

template <class F>
Decimal shortest_decimal(F v) {  // float or double: to_chars finds the shortest round trip
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  return split_scientific(std::string_view(buf, static_cast<size_t>(res.ptr - buf)));
}

// For the 16-bit floats: the fewest digits whose value converts back to the same bits.
template <class Encode>
Decimal shortest_decimal_16(float v, uint16_t bits, Encode encode) {
  char buf[64];
  std::to_chars_result res{};
  for (int precision = 0; precision < 9; ++precision) {
    res = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific, precision);
    float back = 0;
    std::from_chars(buf, res.ptr, back);
    if (encode(back) == bits) break;
  }
  return split_scientific(std::string_view(buf, static_cast<size_t>(res.ptr - buf)));
}

// numpy's layout of the digits: positional when 1e-4 <= |v| < 10^positional_limit (compared
// exactly: float 1e-4 is just below 1e-4 and prints "1e-04"), scientific otherwise.
std::string layout(double magnitude, bool negative, const Decimal& d, int positional_limit) {
  std::string s = negative ? "-" : "";
  const int n = static_cast<int>(d.digits.size());
  if (magnitude >= 1e-4 && magnitude < std::pow(10.0, positional_limit)) {
    if (d.exponent < 0) {
      s += "0." + std::string(static_cast<size_t>(-d.exponent - 1), '0') + d.digits;
    } else if (d.exponent + 1 >= n) {
      s += d.digits + std::string(static_cast<size_t>(d.exponent + 1 - n), '0') + ".0";
    } else {
      s += d.digits.substr(0, static_cast<size_t>(d.exponent + 1)) + "." +
           d.digits.substr(static_cast<size_t>(d.exponent + 1));
    }
    return s;
  }
  s += d.digits[0];
  if (n > 1) s += "." + d.digits.substr(1);
  int e = d.exponent;
  s += e < 0 ? "e-" : "e+";
  if (e < 0) e = -e;
  if (e < 10) s += "0";
  return s + std::to_string(e);
}

// Special values, or "" when v is finite and nonzero.
template <class F>
std::string special_text(F v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v < 0 ? "-inf" : "inf";
  if (v == 0) return std::signbit(v) ? "-0.0" : "0.0";
  return "";
}

std::string_view trimmed(const std::string& text) {
  std::string_view s(text);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  if (s.size() > 1 && s.front() == '+' && s[1] != '-' && s[1] != '+') s.remove_prefix(1);
  return s;
}

template <class N>
bool parse_whole(const std::string& text, N& out) {
  std::string_view s = trimmed(text);
  if (s.empty()) return false;
  auto res = std::from_chars(s.data(), s.data() + s.size(), out);
  return res.ec == std::errc() && res.ptr == s.data() + s.size();
}

}  // namespace

std::string to_numpy_string(float v) {
  std::string special = special_text(v);
  return special.empty() ? layout(std::fabs(v), v < 0, shortest_decimal(std::fabs(v)), 6) : special;
}

std::string to_numpy_string(double v) {
  std::string special = special_text(v);
  return special.empty() ? layout(std::fabs(v), v < 0, shortest_decimal(std::fabs(v)), 16) : special;
}

std::string to_numpy_string(fp16_t v) {
  float f = half_to_float(v.bits);
  std::string special = special_text(f);
  if (!special.empty()) return special;
  uint16_t magnitude = v.bits & 0x7fff;
  return layout(std::fabs(f), f < 0, shortest_decimal_16(std::fabs(f), magnitude, float_to_half), 3);
}

std::string to_numpy_string(bf16_t v) {
  float f = bfloat16_to_float(v.bits);
  std::string special = special_text(f);
  if (!special.empty()) return special;
  uint16_t magnitude = v.bits & 0x7fff;
  return layout(std::fabs(f), f < 0, shortest_decimal_16(std::fabs(f), magnitude, float_to_bfloat16), 3);
}

std::string to_numpy_string(bool v) { return v ? "True" : "False"; }

bool parse_number(const std::string& text, double& out) { return parse_whole(text, out); }
bool parse_number(const std::string& text, float& out) { return parse_whole(text, out); }

bool parse_number(const std::string& text, fp16_t& out) {
  float f = 0;
  if (!parse_whole(text, f)) return false;
  out = fp16_t{float_to_half(f)};
  return true;
}

bool parse_number(const std::string& text, bf16_t& out) {
  float f = 0;
  if (!parse_whole(text, f)) return false;
  out = bf16_t{float_to_bfloat16(f)};
  return true;
}

bool parse_number(const std::string& text, bool& out) {
  out = !text.empty();
  return true;
}

bool parse_number(const std::string& text, int8_t& out) { return parse_whole(text, out); }
bool parse_number(const std::string& text, int16_t& out) { return parse_whole(text, out); }
bool parse_number(const std::string& text, int32_t& out) { return parse_whole(text, out); }
bool parse_number(const std::string& text, int64_t& out) { return parse_whole(text, out); }
bool parse_number(const std::string& text, uint8_t& out) { return parse_whole(text, out); }
bool parse_number(const std::string& text, uint16_t& out) { return parse_whole(text, out); }
bool parse_number(const std::string& text, uint32_t& out) { return parse_whole(text, out); }
bool parse_number(const std::string& text, uint64_t& out) { return parse_whole(text, out); }

}  // namespace onyxrt::ops
