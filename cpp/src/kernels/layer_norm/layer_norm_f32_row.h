#pragma once

// The row normalization of kernels/layer_norm.h written once over a vector vocabulary S
// (simd/f32_<isa>.h): three passes over the row (sum, sum of squared deviations, the affine
// output), each over two vectors of partial results so the adds of one pass do not wait on each
// other. A row of a transformer (768 .. 4096 floats) stays in L1 across the passes. Local to the
// including unit (anonymous namespace), so each ISA keeps its own copy.
#include <cmath>
#include <cstdint>

namespace onyxrt::kernels {
namespace {

template <class S>
inline float layer_norm_lanes_sum(typename S::vf32 a, typename S::vf32 b) {
  float lanes[S::kLanes];
  S::store(lanes, S::add(a, b));
  float sum = 0.0f;
  for (int j = 0; j < S::kLanes; ++j) sum += lanes[j];
  return sum;
}

// sum of (x + shift)^2 (shift = -mean, or 0): x + shift is exact to one rounding, as x - mean.
template <class S, bool kShift>
inline float layer_norm_sum_squares(const float* x, int64_t n, float shift) {
  constexpr int L = S::kLanes;
  const typename S::vf32 s = S::set1(shift);
  typename S::vf32 a = S::zero(), b = S::zero();
  int64_t i = 0;
  for (; i + 2 * L <= n; i += 2 * L) {
    typename S::vf32 d0 = S::load(x + i), d1 = S::load(x + i + L);
    if constexpr (kShift) d0 = S::add(d0, s), d1 = S::add(d1, s);
    a = S::fmadd(d0, d0, a);
    b = S::fmadd(d1, d1, b);
  }
  float sum = layer_norm_lanes_sum<S>(a, b);
  for (; i < n; ++i) {
    const float d = kShift ? x[i] + shift : x[i];
    sum += d * d;
  }
  return sum;
}

// y = ((x + shift) * inv) * scale (+ bias).
template <class S, bool kShift, bool kBias>
inline void layer_norm_affine(const float* x, const float* scale, const float* bias, float* y, int64_t n, float shift,
                              float inv) {
  constexpr int L = S::kLanes;
  const typename S::vf32 s = S::set1(shift), v_inv = S::set1(inv);
  auto one = [&](typename S::vf32 v, typename S::vf32 g, typename S::vf32 b) {
    if constexpr (kShift) v = S::add(v, s);
    v = S::mul(v, v_inv);
    return kBias ? S::fmadd(v, g, b) : S::mul(v, g);
  };
  int64_t i = 0;
  for (; i + L <= n; i += L)
    S::store(y + i, one(S::load(x + i), S::load(scale + i), kBias ? S::load(bias + i) : S::zero()));
  if (i < n) {
    const int rest = static_cast<int>(n - i);
    const typename S::vf32 r = one(S::load_partial(x + i, rest), S::load_partial(scale + i, rest),
                                   kBias ? S::load_partial(bias + i, rest) : S::zero());
    S::store_partial(y + i, r, rest);
  }
}

template <class S>
inline void layer_norm_row(const float* x, const float* scale, const float* bias, float* y, int64_t n, float epsilon,
                           bool center, float* stats) {
  constexpr int L = S::kLanes;
  float mean = 0.0f;
  if (center) {
    typename S::vf32 a = S::zero(), b = S::zero();
    int64_t i = 0;
    for (; i + 2 * L <= n; i += 2 * L) a = S::add(a, S::load(x + i)), b = S::add(b, S::load(x + i + L));
    float sum = layer_norm_lanes_sum<S>(a, b);
    for (; i < n; ++i) sum += x[i];
    mean = sum / static_cast<float>(n);
  }
  const float squares =
      center ? layer_norm_sum_squares<S, true>(x, n, -mean) : layer_norm_sum_squares<S, false>(x, n, 0.0f);
  const double var = static_cast<double>(squares) / static_cast<double>(n);
  const float inv = static_cast<float>(1.0 / std::sqrt(var + static_cast<double>(epsilon)));
  if (stats) stats[0] = mean, stats[1] = inv;
  if (center) {
    if (bias) layer_norm_affine<S, true, true>(x, scale, bias, y, n, -mean, inv);
    else layer_norm_affine<S, true, false>(x, scale, bias, y, n, -mean, inv);
  } else {
    if (bias) layer_norm_affine<S, false, true>(x, scale, bias, y, n, 0.0f, inv);
    else layer_norm_affine<S, false, false>(x, scale, bias, y, n, 0.0f, inv);
  }
}

}  // namespace
}  // namespace onyxrt::kernels
