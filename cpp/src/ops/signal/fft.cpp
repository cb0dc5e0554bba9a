#include "ops/signal/fft.h"

#include <algorithm>
#include <cmath>
#include <utility>

// Built with -ffp-contract=off (cpp/CMakeLists.txt): a fused multiply-add would round the passes
// differently from the FFTPACK arithmetic they follow.
namespace onyxrt::ops {
namespace {

constexpr double kPi = 3.14159265358979323846;

// Below this length the passes always run directly: Bluestein's three transforms never pay.
constexpr int64_t kMinBluesteinLength = 50;

// A pass reads its input as CC(a, b, c) = cc[a + ido * (b + radix * c)] and writes
// CH(a, b, c) = ch[a + ido * (b + l1 * c)], with a < ido, l1 the product of the radices before
// it. Output u of butterfly (a, c) is multiplied by the twiddle WA(u - 1, a) = exp(+-2 pi i u l1 a / n).
template <class T>
struct PassIndex {
  int64_t ido, l1, radix;
  const FftComplex<T>* wa;
  int64_t in(int64_t a, int64_t b, int64_t c) const { return a + ido * (b + radix * c); }
  int64_t out(int64_t a, int64_t b, int64_t c) const { return a + ido * (b + l1 * c); }
  FftComplex<T> twiddle(int64_t x, int64_t a) const { return wa[a - 1 + x * (ido - 1)]; }
};

// v * conj(w) forward, v * w inverse; the twiddle tables hold exp(+2 pi i k / n).
template <bool kForward, class T>
FftComplex<T> twiddle_mul(FftComplex<T> v, FftComplex<T> w) {
  if (kForward)
    return {v.re * w.re + v.im * w.im, v.im * w.re - v.re * w.im};
  return {v.re * w.re - v.im * w.im, v.re * w.im + v.im * w.re};
}

// v * -i forward, v * i inverse.
template <bool kForward, class T>
FftComplex<T> rotate_quarter(FftComplex<T> v) {
  return kForward ? FftComplex<T>{v.im, -v.re} : FftComplex<T>{-v.im, v.re};
}

// The butterfly's outputs past the first, twiddled unless a == 0 (where the twiddle is 1).
template <bool kForward, class T>
void store_twiddled(const PassIndex<T>& p, FftComplex<T>* ch, int64_t a, int64_t c, int64_t u, FftComplex<T> v) {
  ch[p.out(a, c, u)] = a == 0 ? v : twiddle_mul<kForward>(v, p.twiddle(u - 1, a));
}

template <bool kForward, class T>
void pass2(const PassIndex<T>& p, const FftComplex<T>* cc, FftComplex<T>* ch) {
  for (int64_t c = 0; c < p.l1; ++c)
    for (int64_t a = 0; a < p.ido; ++a) {
      const FftComplex<T> x0 = cc[p.in(a, 0, c)], x1 = cc[p.in(a, 1, c)];
      ch[p.out(a, c, 0)] = x0 + x1;
      store_twiddled<kForward>(p, ch, a, c, 1, x0 - x1);
    }
}

template <bool kForward, class T>
void pass3(const PassIndex<T>& p, const FftComplex<T>* cc, FftComplex<T>* ch) {
  constexpr T kCos = T(-0.5), kSin = (kForward ? -1 : 1) * T(0.8660254037844386467637231707529362L);
  for (int64_t c = 0; c < p.l1; ++c)
    for (int64_t a = 0; a < p.ido; ++a) {
      const FftComplex<T> t0 = cc[p.in(a, 0, c)];
      const FftComplex<T> t1 = cc[p.in(a, 1, c)] + cc[p.in(a, 2, c)], t2 = cc[p.in(a, 1, c)] - cc[p.in(a, 2, c)];
      ch[p.out(a, c, 0)] = t0 + t1;
      const FftComplex<T> ca = t0 + t1 * kCos, cb{-t2.im * kSin, t2.re * kSin};
      store_twiddled<kForward>(p, ch, a, c, 1, ca + cb);
      store_twiddled<kForward>(p, ch, a, c, 2, ca - cb);
    }
}

template <bool kForward, class T>
void pass4(const PassIndex<T>& p, const FftComplex<T>* cc, FftComplex<T>* ch) {
  for (int64_t c = 0; c < p.l1; ++c)
    for (int64_t a = 0; a < p.ido; ++a) {
      const FftComplex<T> x0 = cc[p.in(a, 0, c)], x1 = cc[p.in(a, 1, c)];
      const FftComplex<T> x2 = cc[p.in(a, 2, c)], x3 = cc[p.in(a, 3, c)];
      const FftComplex<T> t2 = x0 + x2, t1 = x0 - x2, t3 = x1 + x3;
      const FftComplex<T> t4 = rotate_quarter<kForward>(x1 - x3);
      ch[p.out(a, c, 0)] = t2 + t3;
      store_twiddled<kForward>(p, ch, a, c, 1, t1 + t4);
      store_twiddled<kForward>(p, ch, a, c, 2, t2 - t3);
      store_twiddled<kForward>(p, ch, a, c, 3, t1 - t4);
    }
}

template <bool kForward, class T>
void pass5(const PassIndex<T>& p, const FftComplex<T>* cc, FftComplex<T>* ch) {
  constexpr T kSign = kForward ? -1 : 1;
  constexpr T kCos1 = T(0.3090169943749474241022934171828191L), kSin1 = kSign * T(0.9510565162951535721164393333793821L);
  constexpr T kCos2 = T(-0.8090169943749474241022934171828191L), kSin2 = kSign * T(0.5877852522924731291687059546390728L);
  for (int64_t c = 0; c < p.l1; ++c)
    for (int64_t a = 0; a < p.ido; ++a) {
      const FftComplex<T> t0 = cc[p.in(a, 0, c)];
      const FftComplex<T> x1 = cc[p.in(a, 1, c)], x2 = cc[p.in(a, 2, c)];
      const FftComplex<T> x3 = cc[p.in(a, 3, c)], x4 = cc[p.in(a, 4, c)];
      const FftComplex<T> t1 = x1 + x4, t4 = x1 - x4, t2 = x2 + x3, t3 = x2 - x3;
      ch[p.out(a, c, 0)] = {t0.re + t1.re + t2.re, t0.im + t1.im + t2.im};
      // Outputs u1 and u2 = 5 - u1 share their cosine part ca and differ in the sign of the sine part cb.
      const auto pair = [&](int64_t u1, int64_t u2, T cos_a, T cos_b, T sin_a, T sin_b) {
        const FftComplex<T> ca{t0.re + cos_a * t1.re + cos_b * t2.re, t0.im + cos_a * t1.im + cos_b * t2.im};
        const FftComplex<T> cb{-(sin_a * t4.im + sin_b * t3.im), sin_a * t4.re + sin_b * t3.re};
        store_twiddled<kForward>(p, ch, a, c, u1, ca + cb);
        store_twiddled<kForward>(p, ch, a, c, u2, ca - cb);
      };
      pair(1, 4, kCos1, kCos2, kSin1, kSin2);
      pair(2, 3, kCos2, kCos1, kSin2, -kSin1);
    }
}

// Any radix, as a direct DFT of each butterfly's inputs: radix^2 products per butterfly. `roots`
// is exp(2 pi i k / n) and roots[m * root_step] the radix's m-th root of unity.
template <bool kForward, class T>
void pass_direct(const PassIndex<T>& p, const FftComplex<T>* cc, FftComplex<T>* ch, const FftComplex<T>* roots,
                 int64_t root_step) {
  const int64_t r = p.radix;
  for (int64_t c = 0; c < p.l1; ++c)
    for (int64_t a = 0; a < p.ido; ++a)
      for (int64_t u = 0; u < r; ++u) {
        FftComplex<T> sum = cc[p.in(a, 0, c)];
        for (int64_t j = 1, m = u; j < r; ++j, m = (m + u) % r)
          sum = sum + twiddle_mul<kForward>(cc[p.in(a, j, c)], roots[m * root_step]);
        if (u == 0)
          ch[p.out(a, c, 0)] = sum;
        else
          store_twiddled<kForward>(p, ch, a, c, u, sum);
      }
}

// FFTPACK's order: 4s first, then a 2 (moved to the front), then odd factors in increasing order.
std::vector<int64_t> factorize(int64_t n) {
  std::vector<int64_t> factors;
  for (; n % 4 == 0; n /= 4) factors.push_back(4);
  if (n % 2 == 0) {
    n /= 2;
    factors.push_back(2);
    std::swap(factors.front(), factors.back());
  }
  for (int64_t d = 3; d * d <= n; d += 2)
    for (; n % d == 0; n /= d) factors.push_back(d);
  if (n > 1) factors.push_back(n);
  return factors;
}

// Complex operations the passes spend, roughly: radix r costs r per point, more for direct radices.
double pass_cost(int64_t n) {
  double per_point = 0;
  for (int64_t f : factorize(n)) per_point += f <= 5 ? static_cast<double>(f) : 1.1 * static_cast<double>(f);
  return static_cast<double>(n) * per_point;
}

// The smallest 2^a 3^b 5^c >= n: lengths the passes run fastest.
int64_t smooth_length_at_least(int64_t n) {
  int64_t best = 1;
  while (best < n) best *= 2;
  for (int64_t f5 = 1; f5 < best; f5 *= 5)
    for (int64_t f35 = f5; f35 < best; f35 *= 3) {
      int64_t f = f35;
      while (f < n) f *= 2;
      best = std::min(best, f);
    }
  return best;
}

template <class T>
FftComplex<T> unit_root(double turns) {
  const double angle = 2.0 * kPi * turns;
  return {static_cast<T>(std::cos(angle)), static_cast<T>(std::sin(angle))};
}

}  // namespace

template <class T>
FftPlan<T>::FftPlan(int64_t n) : n_(n) {
  factors_ = factorize(n);
  const int64_t largest = factors_.empty() ? 1 : *std::max_element(factors_.begin(), factors_.end());
  if (n >= kMinBluesteinLength && largest > n / largest) {
    // The circular convolution of the n chirped inputs with the 2n - 1 chirp taps must not wrap.
    const int64_t m = smooth_length_at_least(2 * n - 1);
    if (2 * 1.5 * pass_cost(m) < pass_cost(n)) inner_ = std::make_unique<FftPlan>(m);
  }
  if (inner_) {
    // k^2 taken mod 2n in integers keeps the chirp's angle exact however large k^2 gets:
    // exp(-pi i k^2 / n) has period 2n in k^2. k^2 - (k-1)^2 = 2k - 1 steps it without overflow.
    chirp_.resize(static_cast<size_t>(n));
    for (int64_t k = 0, square = 0; k < n; ++k) {
      if (k > 0) square = (square + 2 * k - 1) % (2 * n);
      chirp_[k] = unit_root<T>(-0.5 * static_cast<double>(square) / static_cast<double>(n));
    }
    // The convolution kernel b[l] = conj(chirp[|l|]) for -n < l < n, laid out circularly.
    const int64_t m = inner_->size();
    const T scale = T(1) / static_cast<T>(m);  // the inverse transform's 1/m, folded in once
    kernel_.assign(static_cast<size_t>(m), Complex{0, 0});
    kernel_[0] = chirp_[0].conj() * scale;
    for (int64_t k = 1; k < n; ++k) kernel_[k] = kernel_[m - k] = chirp_[k].conj() * scale;
    std::vector<Complex> scratch(static_cast<size_t>(inner_->scratch_size()));
    inner_->transform(kernel_.data(), false, scratch.data());
    return;
  }

  // Each root from its own angle (not a recurrence), so errors do not grow with n.
  roots_.resize(static_cast<size_t>(n));
  for (int64_t k = 0; k < n; ++k) roots_[k] = unit_root<T>(static_cast<double>(k) / static_cast<double>(n));
  int64_t l1 = 1;
  for (int64_t radix : factors_) {
    const int64_t ido = n / (l1 * radix);
    for (int64_t x = 1; x < radix; ++x)
      for (int64_t a = 1; a < ido; ++a) twiddles_.push_back(roots_[x * l1 * a]);
    l1 *= radix;
  }
}

template <class T>
FftPlan<T>::~FftPlan() = default;

template <class T>
int64_t FftPlan<T>::scratch_size() const {
  return inner_ ? inner_->size() + inner_->scratch_size() : n_;
}

template <class T>
template <bool kForward>
void FftPlan<T>::run_passes(Complex* data, Complex* scratch) const {
  Complex* in = data;
  Complex* out = scratch;
  const Complex* wa = twiddles_.data();
  int64_t l1 = 1;
  for (int64_t radix : factors_) {
    const PassIndex<T> p{n_ / (l1 * radix), l1, radix, wa};
    switch (radix) {
      case 2: pass2<kForward>(p, in, out); break;
      case 3: pass3<kForward>(p, in, out); break;
      case 4: pass4<kForward>(p, in, out); break;
      case 5: pass5<kForward>(p, in, out); break;
      default: pass_direct<kForward>(p, in, out, roots_.data(), n_ / radix); break;
    }
    std::swap(in, out);
    wa += (radix - 1) * (p.ido - 1);
    l1 *= radix;
  }
  if (in != data) std::copy(in, in + n_, data);
}

// X[k] = chirp[k] * sum_j (x[j] chirp[j]) conj(chirp[k - j]), from jk = (j^2 + k^2 - (k-j)^2) / 2.
// The inverse DFT is the forward one conjugated on both sides.
template <class T>
void FftPlan<T>::bluestein(Complex* data, bool inverse, Complex* scratch) const {
  const int64_t m = inner_->size();
  Complex* conv = scratch;
  Complex* inner_scratch = scratch + m;
  for (int64_t j = 0; j < n_; ++j) conv[j] = (inverse ? data[j].conj() : data[j]).times(chirp_[j]);
  std::fill(conv + n_, conv + m, Complex{0, 0});
  inner_->transform(conv, false, inner_scratch);
  for (int64_t j = 0; j < m; ++j) conv[j] = conv[j].times(kernel_[j]);
  inner_->transform(conv, true, inner_scratch);
  for (int64_t k = 0; k < n_; ++k) {
    const Complex v = conv[k].times(chirp_[k]);
    data[k] = inverse ? v.conj() : v;
  }
}

template <class T>
void FftPlan<T>::transform(Complex* data, bool inverse, Complex* scratch) const {
  if (inner_)
    bluestein(data, inverse, scratch);
  else if (inverse)
    run_passes<false>(data, scratch);
  else
    run_passes<true>(data, scratch);
}

template class FftPlan<float>;
template class FftPlan<double>;

}  // namespace onyxrt::ops
