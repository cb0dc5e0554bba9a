#pragma once

#include <cstdint>
#include <string>

#include "ops/elementwise_types.h"

// Number <-> string conversions of Cast, following numpy's astype (the ONNX reference):
// floats print their shortest round-trip digits, positional between 1e-4 and a type-dependent
// bound (1e3 for 16-bit floats, 1e6 for float, 1e16 for double), scientific outside
// ("1e+16", "1.5e-05"), "nan", "inf", "-inf"; bool prints "True" / "False".
// Parsing accepts surrounding whitespace, a leading '+', and "inf" / "nan" in any case.
namespace onyxrt::ops {

std::string to_numpy_string(float v);
std::string to_numpy_string(double v);
std::string to_numpy_string(fp16_t v);
std::string to_numpy_string(bf16_t v);
std::string to_numpy_string(bool v);
template <class I, std::enable_if_t<std::is_integral_v<I>, int> = 0>
std::string to_numpy_string(I v) {
  return std::to_string(v);
}

// False when `text` is not a number of that type (ints take no fraction, as numpy's int()).
// A bool is false for the empty string and true otherwise, as numpy.
bool parse_number(const std::string& text, double& out);
bool parse_number(const std::string& text, float& out);
bool parse_number(const std::string& text, fp16_t& out);
bool parse_number(const std::string& text, bf16_t& out);
bool parse_number(const std::string& text, bool& out);
bool parse_number(const std::string& text, int8_t& out);
bool parse_number(const std::string& text, int16_t& out);
bool parse_number(const std::string& text, int32_t& out);
bool parse_number(const std::string& text, int64_t& out);
bool parse_number(const std::string& text, uint8_t& out);
bool parse_number(const std::string& text, uint16_t& out);
bool parse_number(const std::string& text, uint32_t& out);
bool parse_number(const std::string& text, uint64_t& out);

}  // namespace onyxrt::ops
