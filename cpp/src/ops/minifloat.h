#pragma once

#include <cstdint>

#include "onyxrt/data_type.hpp"

// Encoding and decoding of the small float formats: float8 (E4M3FN, E4M3FNUZ, E5M2, E5M2FNUZ),
// float4 (E2M1) and the exponent-only float8 E8M0. Shared by Cast and, later, the quantization
// operators. Results follow the ONNX Cast tables (and ml_dtypes, which the reference uses).
namespace onyxrt::ops {

struct MiniFloatFormat {
  enum class Special {
    IeeeInfNan,  // E5M2: an all-ones exponent is Inf (mantissa 0) or NaN, as IEEE
    NanOnly,     // E4M3FN: no Inf; S.1111.111 is NaN
    Unsigned0Nan,  // the FNUZ formats: no Inf, no -0; 1000 0000 is NaN
    None,        // E2M1: no Inf, no NaN (NaN converts to a zero, as ml_dtypes)
  };
  int exponent_bits;
  int mantissa_bits;
  int bias;
  Special special;
};

inline constexpr MiniFloatFormat kFloat8E4M3FN{4, 3, 7, MiniFloatFormat::Special::NanOnly};
inline constexpr MiniFloatFormat kFloat8E4M3FNUZ{4, 3, 8, MiniFloatFormat::Special::Unsigned0Nan};
inline constexpr MiniFloatFormat kFloat8E5M2{5, 2, 15, MiniFloatFormat::Special::IeeeInfNan};
inline constexpr MiniFloatFormat kFloat8E5M2FNUZ{5, 2, 16, MiniFloatFormat::Special::Unsigned0Nan};
inline constexpr MiniFloatFormat kFloat4E2M1{2, 1, 1, MiniFloatFormat::Special::None};

// The format of a float8 / float4 DataType, or null for any other type (E8M0 included).
const MiniFloatFormat* minifloat_format(DataType type);

double minifloat_decode(const MiniFloatFormat& format, uint8_t bits);
// Round to nearest even. saturate: out-of-range values and infinities become the largest
// finite value; otherwise they become Inf (E5M2) or NaN. E2M1 always saturates.
uint8_t minifloat_encode(const MiniFloatFormat& format, double value, bool saturate);

// E8M0: 2^(bits - 127), 0xFF is NaN. Encoding reads a float's exponent and rounds its fraction.
enum class E8M0Rounding { Up, Down, Nearest };
float e8m0_decode(uint8_t bits);
uint8_t e8m0_encode(float value, bool saturate, E8M0Rounding rounding);

}  // namespace onyxrt::ops
