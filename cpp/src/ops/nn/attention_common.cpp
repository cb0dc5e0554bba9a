#include "ops/nn/attention_common.h"

#include <algorithm>
#include <cstring>

#include "kernels/softmax.h"
#include "ops/float_staging.h"

namespace onyxrt::ops::attention {

HeadLayout layout_4d(const Shape& s) {
  HeadLayout l;
  l.batch = s[0], l.heads = s[1], l.rows = s[2], l.cols = s[3];
  l.row_stride = l.cols, l.head_stride = l.rows * l.cols, l.batch_stride = l.heads * l.head_stride;
  return l;
}

HeadLayout layout_3d(const Shape& s, int64_t heads) {
  HeadLayout l;
  l.batch = s[0], l.heads = heads, l.rows = s[1], l.cols = heads > 0 ? s[2] / heads : 0;
  l.row_stride = s[2], l.head_stride = l.cols, l.batch_stride = l.rows * s[2];
  return l;
}

namespace {

inline uint32_t bits_of(float v) {
  uint32_t b;
  std::memcpy(&b, &v, sizeof(b));
  return b;
}
inline float float_of(uint32_t b) {
  float v;
  std::memcpy(&v, &b, sizeof(v));
  return v;
}

// Independent partial maxima so that the loop vectorizes (a single running max cannot).
float row_max(const float* x, int64_t n) {
  constexpr int kLanes = 16;
  float m[kLanes];
  std::fill(m, m + kLanes, neg_inf<float>());
  int64_t j = 0;
  for (; j + kLanes <= n; j += kLanes)
    for (int l = 0; l < kLanes; ++l) m[l] = x[j + l] > m[l] ? x[j + l] : m[l];
  for (; j < n; ++j) m[0] = x[j] > m[0] ? x[j] : m[0];
  return *std::max_element(m, m + kLanes);
}

// Softmax of a row whose storage S is wider than the arithmetic A, or whose steps round to 16
// bits (A is then float): x - max, exp, the sum and the quotient are each rounded by `r`.
template <class S, class A>
void softmax_rounded(S* x, int64_t n, Rounding r) {
  if constexpr (std::is_same_v<S, float> && std::is_same_v<A, float>) round_row(r, x, n);
  A max = neg_inf<A>();
  bool nan = false;
  if constexpr (std::is_same_v<S, float> && std::is_same_v<A, float>) {
    max = row_max(x, n);
    for (int64_t j = 0; j < n; ++j) nan |= x[j] != x[j];
  } else {
    for (int64_t j = 0; j < n; ++j) {
      const A v = round_to(r, static_cast<A>(x[j]));
      max = v > max ? v : max;
      nan |= v != v;
    }
  }
  if (nan) {  // NaN poisons the whole row, as numpy's max does
    std::fill(x, x + n, static_cast<S>(std::numeric_limits<A>::quiet_NaN()));
    return;
  }
  if (max == neg_inf<A>()) {
    std::fill(x, x + n, S(0));
    return;
  }
  if constexpr (std::is_same_v<S, float> && std::is_same_v<A, float>) {
    // Whole-row passes so that the rounding vectorizes; only exp stays a call per element.
    for (int64_t j = 0; j < n; ++j) x[j] -= max;
    round_row(r, x, n);
    float sum = 0;
    for (int64_t j = 0; j < n; ++j) x[j] = std::exp(x[j]);
    round_row(r, x, n);
    for (int64_t j = 0; j < n; ++j) sum += x[j];
    const float total = round_to(r, sum);
    for (int64_t j = 0; j < n; ++j) x[j] /= total;
    round_row(r, x, n);
  } else {
    A sum = 0;
    for (int64_t j = 0; j < n; ++j) {
      const A e = round_to(r, static_cast<A>(std::exp(round_to(r, round_to(r, static_cast<A>(x[j])) - max))));
      x[j] = static_cast<S>(e);
      sum += e;
    }
    sum = round_to(r, sum);
    for (int64_t j = 0; j < n; ++j) x[j] = static_cast<S>(round_to(r, static_cast<A>(x[j]) / sum));
  }
}

template <class S>
void softmax_dispatch(S* x, int64_t n, int64_t lo, int64_t hi, DataType precision) {
  lo = std::clamp<int64_t>(lo, 0, n);
  hi = std::clamp<int64_t>(hi, lo, n);
  std::fill(x, x + lo, S(0));
  std::fill(x + hi, x + n, S(0));
  S* row = x + lo;
  const int64_t len = hi - lo;
  if (len == 0) return;
  switch (precision) {
    case DataType::Double: softmax_rounded<S, double>(row, len, Rounding::None); return;
    case DataType::Float16: softmax_rounded<S, float>(row, len, Rounding::Half); return;
    case DataType::BFloat16: softmax_rounded<S, float>(row, len, Rounding::BFloat16); return;
    default: break;
  }
  if constexpr (std::is_same_v<S, float>) {
    // The vectorized kernel unless every entry is -inf (NaN stays NaN through it). A finite first
    // entry settles that without a pass over the row.
    if (row[0] > neg_inf<float>() || row_max(row, len) != neg_inf<float>()) {
      kernels::softmax_f32(row, row, len, false);
      return;
    }
  }
  softmax_rounded<S, float>(row, len, Rounding::None);  // all -inf (or NaN): the careful loop
}

template <class C>
void store_impl(const C* src, int64_t n, Tensor& out, int64_t at) {
  switch (out.dtype()) {
    case DataType::Float: std::copy(src, src + n, out.data<float>() + at); return;
    case DataType::Double: std::copy(src, src + n, out.data<double>() + at); return;
    case DataType::Float16: {
      uint16_t* d = out.data<uint16_t>() + at;
      for (int64_t j = 0; j < n; ++j) d[j] = float_to_half(static_cast<float>(src[j]));
      return;
    }
    case DataType::BFloat16: {
      uint16_t* d = out.data<uint16_t>() + at;
      for (int64_t j = 0; j < n; ++j) d[j] = float_to_bfloat16(static_cast<float>(src[j]));
      return;
    }
    default: fail(ErrorCode::RuntimeException, "attention: cannot store into ", data_type_name(out.dtype()));
  }
}

}  // namespace

void softmax_row(float* x, int64_t n, int64_t lo, int64_t hi, DataType precision) {
  softmax_dispatch(x, n, lo, hi, precision);
}
void softmax_row(double* x, int64_t n, int64_t lo, int64_t hi, DataType precision) {
  softmax_dispatch(x, n, lo, hi, precision);
}

Tensor to_compute_type(const Tensor& t, DataType compute) {
  if (t.dtype() == compute) return t;
  if (compute == DataType::Float && is_half_type(t.dtype())) return widen_to_float(t);
  Tensor out(compute, t.shape());
  const std::vector<double> values = values_as_double(t);
  if (compute == DataType::Double) {
    std::copy(values.begin(), values.end(), out.data<double>());
  } else {
    std::transform(values.begin(), values.end(), out.data<float>(), [](double v) { return static_cast<float>(v); });
  }
  return out;
}

Tensor widen_scaled(const Tensor& t, float factor) {
  Tensor out = widen_to_float(t);
  float* d = out.data<float>();
  for (int64_t i = 0; i < out.size(); ++i) d[i] *= factor;
  round_row(rounding_of(t.dtype()), d, out.size());
  return out;
}

void round_row(Rounding r, float* x, int64_t n) {
  if (r == Rounding::None) return;
  uint32_t rest = 0;  // some value the bit trick does not cover (kept integral so the loops vectorize)
  if (r == Rounding::Half) {
    // Normal float16 magnitudes [2^-14, 65520): mantissa to 10 bits, ties to even. Smaller ones
    // (subnormal float16, zero): adding and removing 0.5 rounds to a multiple of 2^-24 in float
    // arithmetic (round to nearest even). Larger ones, inf and NaN take the exact conversion.
    for (int64_t j = 0; j < n; ++j) {
      const uint32_t b = bits_of(x[j]), a = b & 0x7fffffffu;
      const uint32_t normal = (b + 0xfffu + ((b >> 13) & 1u)) & 0xffffe000u;
      const uint32_t tiny = bits_of((float_of(a) + 0.5f) - 0.5f) | (b & 0x80000000u);
      const uint32_t is_tiny = 0u - static_cast<uint32_t>(a < 0x38800000u);  // all ones or zero: selects
      const uint32_t is_large = 0u - static_cast<uint32_t>(a >= 0x477ff000u);
      x[j] = float_of((((tiny & is_tiny) | (normal & ~is_tiny)) & ~is_large) | (b & is_large));
      rest |= is_large;
    }
  } else {
    // Finite values: mantissa to 7 bits, ties to even (an overflow carries into inf).
    for (int64_t j = 0; j < n; ++j) {
      const uint32_t b = bits_of(x[j]);
      const uint32_t special = static_cast<uint32_t>((b & 0x7fffffffu) >= 0x7f800000u);
      x[j] = float_of(special ? b : (b + 0x7fffu + ((b >> 16) & 1u)) & 0xffff0000u);
      rest |= special;
    }
  }
  if (rest == 0) return;
  for (int64_t j = 0; j < n; ++j) x[j] = round_to(r, x[j]);  // exact; a no-op on rounded values
}

void store_values(const float* src, int64_t n, Tensor& out, int64_t at) {
  store_impl(src, n, out, at);
}
void store_values(const double* src, int64_t n, Tensor& out, int64_t at) {
  store_impl(src, n, out, at);
}

DataType parse_softmax_precision(const KernelInfo& info, DataType fallback) {
  if (!info.has_attr("softmax_precision")) return fallback;
  const int64_t p = info.attr_int("softmax_precision", 0);
  switch (p) {
    case 1: return DataType::Float;
    case 10: return DataType::Float16;
    case 11: return DataType::Double;
    case 16: return DataType::BFloat16;
    default:
      info.fail(ErrorCode::InvalidGraph, "attribute 'softmax_precision' is ", p,
                "; expected 1 (float), 10 (float16), 11 (double) or 16 (bfloat16)");
  }
}

}  // namespace onyxrt::ops::attention
