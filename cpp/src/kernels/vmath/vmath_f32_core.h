#pragma once

// The float32 transcendental functions of kernels/vmath.h, each written once as branch-free
// scalar C++ (selects, no calls, no table lookups) that the compiler vectorizes at the width of
// the translation unit including it (generic/, x86_avx2/, x86_avx512/). Local to that unit
// (anonymous namespace), so no ISA's copy can leak into another through the linker.
// NOTE: a ?: may choose between values but should not guard arithmetic (`c ? a * b : a`): the
// compiler may not speculate floating-point operations that could trap, and the loop then stays
// scalar. For the same reason the rest of a translation unit including this header is compiled
// without trapping-math (GCC otherwise sinks work into one arm of a select and gives up; and
// the loops inlining these functions must share their options). Only the vmath, softmax and
// LSTM cell kernel units include it; none reads the FP exception flags.
//
// Error bounds (ulp of the float32 result against the exact value of the float32 input; checked
// by tests/cpp/kernels/test_vmath_f32.cpp, which --exhaustive runs over every float32 input;
// docs/vmath.md has the measured figures):
//   exp, log, tanh: <= 2 ulp;  erf, sigmoid: <= 3 ulp;  silu, gelu (erf and tanh forms): <= 4 ulp.
// Denormal results are rounded once (no flush to zero).
// Where std:: defines them the special values are std::'s: exp(-inf) = 0, exp(x > 88.72) = inf,
// log(0) = -inf, log(x < 0) = NaN, tanh(+-inf) = +-1, erf(+-inf) = +-1, sigmoid saturates to
// 0 and 1, tanh/erf/gelu/silu keep the sign of -0, NaN stays NaN.
#include <cstdint>
#include <cstring>
#include <limits>

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-trapping-math")
#endif

namespace onyxrt::kernels {
namespace {

inline float vm_bits_to_float(int32_t bits) {
  float f;
  std::memcpy(&f, &bits, sizeof(f));
  return f;
}

inline int32_t vm_float_to_bits(float f) {
  int32_t bits;
  std::memcpy(&bits, &f, sizeof(bits));
  return bits;
}

inline float vm_abs(float x) { return vm_bits_to_float(vm_float_to_bits(x) & 0x7fffffff); }

// |magnitude| with the sign bit of `sign`.
inline float vm_copysign(float magnitude, float sign) {
  return vm_bits_to_float((vm_float_to_bits(magnitude) & 0x7fffffff) | (vm_float_to_bits(sign) & INT32_MIN));
}

// x = n ln2 + r, |r| <= ln2 / 2: n rounded to nearest by the 1.5 * 2^23 shifter, ln2 split in a
// 9-bit head (n * head is exact) and a tail, so r keeps full precision up to |n| = 150.
struct ExpReduction {
  float n, r;
};
inline ExpReduction exp_reduce(float x) {
  const float shifter = 12582912.0f;
  const float n = (x * 1.44269504088896341f + shifter) - shifter;
  float r = x - n * 0.693359375f;
  r = r + n * 2.12194440e-4f;
  return {n, r};
}

// e^r for |r| <= ln2 / 2 (the cephes expf polynomial), relative error below 1 ulp.
inline float exp_poly(float r) {
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  return p * r * r + r + 1.0f;
}

// 2^n for an integral n in [-126, 127], built in the exponent bits; n = -127 gives 0.
inline float exp2_int(float n) { return vm_bits_to_float((static_cast<int32_t>(n) + 127) << 23); }

// exp(x) for x <= 0 as the row softmax needs it. Below about -87.7 (where exp is a denormal) it
// returns exactly 0: x is clamped to kExpFlushBelow, whose n = -127 gives 2^n's bits all zero.
// A masked score (a large negative fill, as exporters write for a causal mask) then becomes a
// probability of exactly 0, not a denormal that a later product pays a microcode assist for on
// each use (Intel cores: 15 ms instead of 0.3 ms for one GPT-2 layer's attention). NaN stays NaN.
constexpr float kExpFlushBelow = -88.0f;  // round(-88 / ln 2) = -127
inline float exp_nonpositive(float x) {
  const bool is_nan = x != x;
  x = is_nan ? 0.0f : x;
  x = x < kExpFlushBelow ? kExpFlushBelow : x;
  const ExpReduction e = exp_reduce(x);
  const float y = exp_poly(e.r) * exp2_int(e.n);
  return is_nan ? std::numeric_limits<float>::quiet_NaN() : y;
}

// exp(hi + lo) = m * scale for |lo| <= ulp(hi): lo joins the reduced argument, so an argument
// known to more than float precision (an exact square, a product formed in double) keeps it.
// 2^n is split in two factors: m stays normal down to e^-120, so a caller multiplying its own
// factors into m before `scale` rounds a denormal result once (x e^x is a denormal down to
// x = -108). Below -120 m is 0; above 89, m * scale is inf; NaN gives m = NaN.
struct ExpParts {
  float m, scale;
};
inline ExpParts exp_parts(float hi, float lo) {
  float x = hi < -120.0f ? -120.0f : hi;  // NaN stays NaN through both clamps and into p
  x = x > 89.0f ? 89.0f : x;
  const ExpReduction e = exp_reduce(x);
  const float p = exp_poly(e.r + lo);
  const int32_t n = static_cast<int32_t>(e.n == e.n ? e.n : 0.0f);  // NaN must not reach the conversion
  const int32_t n1 = n >> 1;  // n in [-174, 128]: both halves are normal exponents
  const float m = p * vm_bits_to_float((n1 + 127) << 23);
  return {hi < -120.0f ? 0.0f : m, vm_bits_to_float((n - n1 + 127) << 23)};
}

inline float exp_f32(float x) {
  const ExpParts e = exp_parts(x, 0.0f);
  return e.m * e.scale;
}

// exp(hi + lo) where the result is a normal float: hi in [kExpNormalLo, kExpNormalHi], |lo| <=
// ulp(hi). 2^n is then one factor and needs no clamps: the fast paths below, which the loops
// take for blocks whose inputs keep every exponential in that range, do a third less work.
constexpr float kExpNormalLo = -87.3f, kExpNormalHi = 88.0f;  // 2^n for n in [-126, 127]
inline float exp_normal(float hi, float lo) {
  const ExpReduction e = exp_reduce(hi);
  return exp_poly(e.r + lo) * exp2_int(e.n);
}

inline float exp_fast(float x) { return exp_normal(x, 0.0f); }  // x in [kExpNormalLo, kExpNormalHi]

// exp(hi + lo) as m * scale: exp_parts, or (kNormal, hi in exp_normal's range) one factor.
template <bool kNormal>
inline ExpParts exp_split(float hi, float lo) {
  if constexpr (kNormal) {
    return {exp_normal(hi, lo), 1.0f};
  } else {
    return exp_parts(hi, lo);
  }
}

// log(x): x = 2^e m with m in [sqrt(1/2), sqrt(2)), log(1 + f) by the cephes logf polynomial,
// e ln2 added in two parts. Denormal inputs are scaled by 2^23 first.
inline float log_f32(float x) {
  const bool denormal = x < 1.17549435e-38f;
  const float xs = x * (denormal ? 8388608.0f : 1.0f);
  const int32_t bits = vm_float_to_bits(xs);
  int32_t e = ((bits >> 23) & 0xff) - 127 - (denormal ? 23 : 0);
  float m = vm_bits_to_float((bits & 0x007fffff) | 0x3f800000);  // [1, 2)
  const bool upper = m > 1.41421356f;
  m = m * (upper ? 0.5f : 1.0f);
  e += upper ? 1 : 0;
  const float f = m - 1.0f;  // exact
  const float z = f * f;
  float p = 7.0376836292e-2f;
  p = p * f - 1.1514610310e-1f;
  p = p * f + 1.1676998740e-1f;
  p = p * f - 1.2420140846e-1f;
  p = p * f + 1.4249322787e-1f;
  p = p * f - 1.6668057665e-1f;
  p = p * f + 2.0000714765e-1f;
  p = p * f - 2.4999993993e-1f;
  p = p * f + 3.3333331174e-1f;
  const float fe = static_cast<float>(e);
  float y = f * z * p;
  y = y - fe * 2.12194440e-4f;
  y = y - 0.5f * z;
  y = f + y;
  y = y + fe * 0.693359375f;
  const float inf = std::numeric_limits<float>::infinity();
  const float special = x == 0.0f ? -inf : std::numeric_limits<float>::quiet_NaN();  // 0, negative, NaN
  return x > 0.0f ? (x == inf ? inf : y) : special;
}

// tanh(x) for |x| < 0.625: an odd polynomial (cephes tanhf).
inline float tanh_small(float x) {
  const float z = x * x;
  float p = -5.70498872745e-3f;
  p = p * z + 2.06390887954e-2f;
  p = p * z - 5.37397155531e-2f;
  p = p * z + 1.33314422036e-1f;
  p = p * z - 3.33332819422e-1f;
  return p * z * x + x;
}

// tanh(x): tanh_small below 0.625, 1 - 2 / (e^2|x| + 1) above, saturated at 9.1 where tanh
// rounds to 1.
inline float tanh_f32(float x) {
  const float ax = vm_abs(x);
  const float small = tanh_small(x);
  const float clamped = ax > 9.1f ? 9.1f : ax;  // NaN stays NaN
  const float large = 1.0f - 2.0f / (exp_f32(2.0f * clamped) + 1.0f);
  return vm_copysign(ax < 0.625f ? small : large, x);  // also gives tanh(-0) = -0
}

// erf(x) / x for |x| < 0.875 as a polynomial in x^2 (fitted to relative error 9e-9).
inline float erf_small_over_x(float z) {
  float p = -6.203291705e-04f;
  p = p * z + 5.032189190e-03f;
  p = p * z - 2.679146826e-02f;
  p = p * z + 1.128245518e-01f;
  p = p * z - 3.761255145e-01f;
  p = p * z + 1.128379107e+00f;
  return p;
}

// erfc(z) * e^(z^2) for z in [0.5, 10.3] as a polynomial in t = 1 / (1 + z / 2) (fitted to
// relative error 2e-9; 2e-8 with the coefficients rounded to float). T = float costs up to 3 ulp
// of rounding in the evaluation, T = double about 0.5 (gelu needs that, erf does not).
template <class T>
inline T erfcx_poly(T z) {
  const T t = T(1) / (T(1) + T(0.5) * z);
  T p = T(-7.406159490e-02f);
  p = p * t + T(3.497681618e-01f);
  p = p * t - T(6.083093882e-01f);
  p = p * t + T(4.036966860e-01f);
  p = p * t - T(1.064660177e-01f);
  p = p * t + T(2.347797006e-01f);
  p = p * t + T(2.349800318e-01f);
  p = p * t + T(2.836191654e-01f);
  p = p * t + T(2.819822133e-01f);
  p = p * t + T(3.629562343e-06f);
  return p;
}

// z^2 (or z^2 / 2) of a float in double is exact; split back into two floats for exp_parts.
struct SquareHiLo {
  float hi, lo;
};
inline SquareHiLo neg_square(float x, double scale) {
  const double q = -static_cast<double>(x) * static_cast<double>(x) * scale;
  const float hi = static_cast<float>(q);
  return {hi, static_cast<float>(q - static_cast<double>(hi))};
}

// Whether the unit has a fused multiply-add instruction: the fast paths' exact products need one
// (without it __builtin_fmaf is a libm call, and the loop stays scalar); they use double instead.
#if defined(__FMA__) || defined(__ARM_FEATURE_FMA)
constexpr bool kVmathFma = true;
#else
constexpr bool kVmathFma = false;
#endif

// -x^2 / 2 exactly, as hi + lo, for |x| in [0.5, 2^60]: by FMA, else in double (neg_square).
inline SquareHiLo neg_half_square(float x) {
  if constexpr (kVmathFma) {
    const float p = x * x;
    return {-0.5f * p, -0.5f * __builtin_fmaf(x, x, -p)};
  } else {
    return neg_square(x, 0.5);
  }
}

// erf(x): x P(x^2) below 0.875, 1 - erfc(|x|) above, erfc(z) = e^-z^2 erfcx(z) with z^2 exact
// (the rounding of z^2 would cost z^2 ulp). Beyond 10.2 erfc is below every denormal.
inline float erf_f32(float x) {
  const float ax = vm_abs(x);
  const float small = x * erf_small_over_x(x * x);
  float z = ax < 0.875f ? 0.875f : ax;  // NaN stays NaN
  z = z > 10.2f ? 10.2f : z;
  const SquareHiLo q = neg_square(z, 1.0);
  const ExpParts e = exp_parts(q.hi, q.lo);
  const float large = 1.0f - erfcx_poly<float>(z) * (e.m * e.scale);
  return ax < 0.875f ? small : vm_copysign(large, x);
}

// x / (1 + e^-s) for s = hi + lo: x / (1 + e) for s >= 0 and x e / (1 + e) below, e = e^-|s|
// <= 1: no overflow, and tiny results of very negative s keep their precision down to the
// denormals (e's last factor applied last). sigmoid, silu and gelu's tanh form.
// kNormal: e is normal (|hi| <= -kExpNormalLo), one factor and no clamps; the loops give the
// sigmoid and silu fast forms blocks within kSigmoidFastBound, where their results are normal too.
template <bool kNormal = false>
inline float times_sigmoid(float x, float hi, float lo) {
  const bool negative = hi < 0.0f;
  const float sign = negative ? 1.0f : -1.0f;
  const ExpParts e = exp_split<kNormal>(hi * sign, lo * sign);
  const float d = 1.0f + e.m * e.scale;
  // Selects of values only, no conditional arithmetic: that is what lets the loops vectorize
  // (the compiler may not speculate a division that could trap).
  const float q = (x * (negative ? e.m : 1.0f)) / d;  // NaN: e.m is NaN
  return q * (negative ? e.scale : 1.0f);
}

inline float sigmoid_f32(float x) { return times_sigmoid(1.0f, x, 0.0f); }
inline float silu_f32(float x) { return times_sigmoid(x, x, 0.0f); }

constexpr float kSigmoidFastBound = 80.0f;
inline float sigmoid_fast(float x) { return times_sigmoid<true>(1.0f, x, 0.0f); }
inline float silu_fast(float x) { return times_sigmoid<true>(x, x, 0.0f); }

// The fast forms of the two gelus, for blocks within kGeluFastBound: every exponential is then
// normal (e^-76 at most), and so is every result.
constexpr float kGeluFastBound = 9.5f;

// x Phi(x) = x (1 + erf(x / sqrt 2)) / 2. Where the sum cancels (x < -sqrt 2 / 2) it is
// x erfc(|x| / sqrt 2) / 2 with the square x^2 / 2 exact, so tiny negative results keep their
// precision; above sqrt 2 * 0.875, x (1 - erfc(x / sqrt 2) / 2). gelu(-inf) is NaN, as std::
// computes it (-inf * 0).
// kNormal: the fast form for |x| <= kGeluFastBound, where e^(-x^2 / 2) >= e^-45 is one factor
// and needs no clamp above, and x^2 / 2 is split by FMA.
template <bool kNormal = false>
inline float gelu_erf_f32(float x) {
  const float u = x * 0.70710678118654752f;
  const bool use_small = u < 0.875f && u > -0.5f;
  const float small = 0.5f * x * (1.0f + u * erf_small_over_x(u * u));
  float xc = vm_abs(x);
  xc = xc < 0.70710678f ? 0.70710678f : xc;  // NaN stays NaN
  if constexpr (!kNormal) xc = xc > 15.5f ? 15.5f : xc;  // e^(-x^2 / 2) < e^-120: m is 0 beyond
  const SquareHiLo q = kNormal ? neg_half_square(xc) : neg_square(xc, 0.5);
  const float half_erfc = static_cast<float>(0.5 * erfcx_poly<double>(xc * 0.70710678118654752));
  const ExpParts e = exp_split<kNormal>(q.hi, q.lo);  // Phi(-|x|) = half_erfc * m * scale
  const float upper = x * (1.0f - half_erfc * (e.m * e.scale));
  const float lower = ((x * half_erfc) * e.m) * e.scale;
  return use_small ? small : x > 0.0f ? upper : lower;
}

// x (1 + tanh(s / 2)) / 2 = x sigmoid(s) with s = 2 sqrt(2 / pi) (x + 0.044715 x^3). s is formed
// in double and carried as hi + lo into the exponential: its float rounding alone would cost
// |s| ulp where sigmoid(s) is small.
template <bool kNormal>
inline float gelu_tanh_double(float x, double xd) {
  const double s = xd * (1.5957691216057308 + 0.071354816272600251 * xd * xd);
  const float hi = static_cast<float>(s);
  return times_sigmoid<kNormal>(x, hi, static_cast<float>(s - static_cast<double>(hi)));
}

inline float gelu_tanh_f32(float x) {
  double xd = static_cast<double>(x);
  xd = xd > 100.0 ? 100.0 : xd < -100.0 ? -100.0 : xd;  // sigmoid(s) is exactly 0 or 1 beyond
  return gelu_tanh_double<false>(x, xd);
}

// gelu_tanh_f32 with s formed in float pairs instead of double (x^2 exact as p + pe by FMA, the
// two constants as hi + lo, c + d x^2 by a two-sum): hi + lo carries s far below a float ulp, as
// the double did, without double lanes (half as wide, and converted twice).
inline float gelu_tanh_fast(float x) {
  if constexpr (kVmathFma) {
    const float c_hi = 1.595769167e+00f, c_lo = -4.534068054e-08f;  // 2 sqrt(2 / pi)
    const float d_hi = 7.135481387e-02f, d_lo = 2.398832466e-09f;   // 0.044715 * 2 sqrt(2 / pi)
    const float p = x * x;
    const float pe = __builtin_fmaf(x, x, -p);
    const float t = d_hi * p;  // d x^2 = t + te
    const float te = __builtin_fmaf(d_hi, p, -t) + __builtin_fmaf(d_hi, pe, d_lo * p);
    const float q = c_hi + t;  // c + d x^2 = q + qe
    const float qb = q - c_hi;
    const float qe = ((c_hi - (q - qb)) + (t - qb)) + (c_lo + te);
    const float hi = x * q;
    const float lo = __builtin_fmaf(x, q, -hi) + x * qe;
    return times_sigmoid<true>(x, hi, lo);
  } else {
    return gelu_tanh_double<true>(x, static_cast<double>(x));
  }
}

}  // namespace
}  // namespace onyxrt::kernels
