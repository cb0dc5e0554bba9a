#pragma once

// The row softmax written once over a vector vocabulary S (simd/f32_<isa>.h) extended with
//   pow2_shifted(t): the float whose bits are those of t shifted left by 23, i.e. 2^k for a t
//   holding the integer k + 127 in its low mantissa bits (t = k + 127 + 1.5 * 2^23);
//   hsum(v), hmax(v): the sum and the largest of v's lanes, in registers (a round trip through
//   memory stalls on store forwarding, which costs a short row more than its exps);
// which each ISA unit adds (softmax_f32.cpp of its folder). Three passes: the row max, then
// e = exp(x - max) stored and summed, then the scaling (or x - max - log sum). Each pass keeps
// several vector accumulators, so no lane waits on the previous one and nothing is spilled.
//
// exp is exp_nonpositive of vmath_f32_core.h in vector form (the same reduction and polynomial,
// so the same <= 2 ulp bound, and the same flush: arguments below about -87.7 give exactly 0).
// NaN: a NaN never wins the max (as `x > max ? x : max`, unless it is x[0]), its exp is NaN, so
// the sum and the whole row become NaN; +inf makes max inf and inf - inf NaN.
// Local to the including unit (anonymous namespace), so each ISA keeps its own copy.
#include <math.h>  // logf: an extern libm call, never an inline copy built with this unit's flags

#include <cstdint>

#include "kernels/vmath/vmath_f32_core.h"  // kExpFlushBelow

namespace onyxrt::kernels {
namespace {

// exp(x) for x <= 0 or NaN (see above).
template <class S>
inline typename S::vf32 softmax_exp(typename S::vf32 x) {
  x = S::max(S::set1(kExpFlushBelow), x);  // the bound when x is larger, x when it is NaN
  const float shifter = 12582912.0f + 127.0f;
  const typename S::vf32 t = S::fmadd(x, S::set1(1.44269504088896341f), S::set1(shifter));
  const typename S::vf32 n = S::add(t, S::set1(-shifter));  // round(x / ln2), exact
  typename S::vf32 r = S::fmadd(n, S::set1(-0.693359375f), x);  // ln2's 9-bit head: n * head is exact
  r = S::fmadd(n, S::set1(2.12194440e-4f), r);
  typename S::vf32 p = S::set1(1.9875691500e-4f);
  p = S::fmadd(p, r, S::set1(1.3981999507e-3f));
  p = S::fmadd(p, r, S::set1(8.3334519073e-3f));
  p = S::fmadd(p, r, S::set1(4.1665795894e-2f));
  p = S::fmadd(p, r, S::set1(1.6666665459e-1f));
  p = S::fmadd(p, r, S::set1(5.0000001201e-1f));
  const typename S::vf32 e = S::add(S::fmadd(S::mul(p, r), r, r), S::set1(1.0f));
  return S::mul(e, S::pow2_shifted(t));
}

template <class S>
inline float softmax_row_max(const float* x, int64_t n) {
  constexpr int L = S::kLanes;
  int64_t i = 0;
  float best = x[0];
  if (n >= L) {
    typename S::vf32 m0 = S::set1(x[0]), m1 = m0, m2 = m0, m3 = m0;
    for (; i + 4 * L <= n; i += 4 * L) {
      m0 = S::max(S::load(x + i), m0);  // (x > m ? x : m): a NaN x is skipped
      m1 = S::max(S::load(x + i + L), m1);
      m2 = S::max(S::load(x + i + 2 * L), m2);
      m3 = S::max(S::load(x + i + 3 * L), m3);
    }
    for (; i + L <= n; i += L) m0 = S::max(S::load(x + i), m0);
    best = S::hmax(S::max(S::max(m0, m1), S::max(m2, m3)));
  }
  for (; i < n; ++i) best = x[i] > best ? x[i] : best;
  return best;
}

// Flattened: with eleven exps in one body GCC stops inlining the one-instruction vocabulary
// calls (fmadd, set1, ...) and makes each an out-of-line call: 4-5x the row's time.
template <class S>
[[gnu::flatten]] inline void softmax_row(const float* x, float* y, int64_t n, bool log) {
  constexpr int L = S::kLanes;
  const float max = softmax_row_max<S>(x, n);
  const typename S::vf32 neg_max = S::set1(-max);
  typename S::vf32 s0 = S::zero(), s1 = S::zero(), s2 = S::zero(), s3 = S::zero();
  int64_t i = 0;
  // Four independent exps per step: a row of 128 is then two steps, and the exps' long
  // dependency chains overlap instead of running one after the other.
  if (log) {  // only the sum is needed: y = x - max - log(sum)
    for (; i + 4 * L <= n; i += 4 * L) {
      s0 = S::add(s0, softmax_exp<S>(S::add(S::load(x + i), neg_max)));
      s1 = S::add(s1, softmax_exp<S>(S::add(S::load(x + i + L), neg_max)));
      s2 = S::add(s2, softmax_exp<S>(S::add(S::load(x + i + 2 * L), neg_max)));
      s3 = S::add(s3, softmax_exp<S>(S::add(S::load(x + i + 3 * L), neg_max)));
    }
    for (; i + L <= n; i += L) s0 = S::add(s0, softmax_exp<S>(S::add(S::load(x + i), neg_max)));
  } else {
    for (; i + 4 * L <= n; i += 4 * L) {
      const typename S::vf32 e0 = softmax_exp<S>(S::add(S::load(x + i), neg_max));
      const typename S::vf32 e1 = softmax_exp<S>(S::add(S::load(x + i + L), neg_max));
      const typename S::vf32 e2 = softmax_exp<S>(S::add(S::load(x + i + 2 * L), neg_max));
      const typename S::vf32 e3 = softmax_exp<S>(S::add(S::load(x + i + 3 * L), neg_max));
      S::store(y + i, e0);
      S::store(y + i + L, e1);
      S::store(y + i + 2 * L, e2);
      S::store(y + i + 3 * L, e3);
      s0 = S::add(s0, e0);
      s1 = S::add(s1, e1);
      s2 = S::add(s2, e2);
      s3 = S::add(s3, e3);
    }
    for (; i + L <= n; i += L) {
      const typename S::vf32 e0 = softmax_exp<S>(S::add(S::load(x + i), neg_max));
      S::store(y + i, e0);
      s0 = S::add(s0, e0);
    }
  }
  float sum = S::hsum(S::add(S::add(s0, s1), S::add(s2, s3)));
  // The tail (< 1 vector) goes through y, which is the output anyway: only its real lanes are
  // stored and summed.
  if (i < n) {
    const int rest = static_cast<int>(n - i);
    S::store_partial(y + i, softmax_exp<S>(S::add(S::load_partial(x + i, rest), neg_max)), rest);
    for (int j = 0; j < rest; ++j) sum += y[i + j];
  }
  i = 0;
  const int rest = static_cast<int>(n % L);
  if (log) {
    const typename S::vf32 shift = S::set1(-(max + logf(sum)));
    for (; i + L <= n; i += L) S::store(y + i, S::add(S::load(x + i), shift));
    if (rest > 0) S::store_partial(y + i, S::add(S::load_partial(x + i, rest), shift), rest);
  } else {
    const typename S::vf32 inv = S::set1(1.0f / sum);
    for (; i + L <= n; i += L) S::store(y + i, S::mul(S::load(y + i), inv));
    if (rest > 0) S::store_partial(y + i, S::mul(S::load_partial(y + i, rest), inv), rest);
  }
}

}  // namespace
}  // namespace onyxrt::kernels
