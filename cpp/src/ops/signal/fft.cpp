#include "ops/signal/fft.h"

#include <cmath>

namespace onyxrt::ops {
namespace {

constexpr double kPi = 3.14159265358979323846;

bool is_power_of_two(int64_t n) {
  return n > 0 && (n & (n - 1)) == 0;
}

int64_t next_power_of_two(int64_t n) {
  int64_t m = 1;
  while (m < n) m <<= 1;
  return m;
}

}  // namespace

FftPlan::FftPlan(int64_t n) : n_(n), bluestein_(!is_power_of_two(n)) {
  // The circular convolution of the n chirped inputs with the 2n - 1 chirp taps must not wrap.
  m_ = bluestein_ ? next_power_of_two(2 * n - 1) : n;
  twiddles_.resize(static_cast<size_t>(m_ / 2));
  // Each twiddle from its own angle (not a recurrence), so errors do not grow with m.
  for (int64_t k = 0; k < m_ / 2; ++k) {
    const double angle = -2.0 * kPi * static_cast<double>(k) / static_cast<double>(m_);
    twiddles_[k] = complex_d(std::cos(angle), std::sin(angle));
  }
  if (!bluestein_) return;

  // k^2 taken mod 2n in integers keeps the chirp's angle exact however large k^2 gets:
  // exp(-pi i k^2 / n) has period 2n in k^2. k^2 - (k-1)^2 = 2k - 1 steps it without overflow.
  chirp_.resize(static_cast<size_t>(n));
  int64_t square = 0;
  for (int64_t k = 0; k < n; ++k) {
    if (k > 0) square = (square + 2 * k - 1) % (2 * n);
    const double angle = -kPi * static_cast<double>(square) / static_cast<double>(n);
    chirp_[k] = complex_d(std::cos(angle), std::sin(angle));
  }
  // The convolution kernel b[l] = conj(chirp[|l|]) for -n < l < n, laid out circularly.
  kernel_.assign(static_cast<size_t>(m_), complex_d(0, 0));
  const double scale = 1.0 / static_cast<double>(m_);  // the inverse FFT's 1/m, folded in once
  kernel_[0] = std::conj(chirp_[0]) * scale;
  for (int64_t k = 1; k < n; ++k) kernel_[k] = kernel_[m_ - k] = std::conj(chirp_[k]) * scale;
  radix2(kernel_.data(), false);
}

void FftPlan::radix2(complex_d* a, bool inverse) const {
  const int64_t m = m_;
  // Bit-reversal permutation.
  for (int64_t i = 1, j = 0; i < m; ++i) {
    int64_t bit = m >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) std::swap(a[i], a[j]);
  }
  for (int64_t len = 2; len <= m; len <<= 1) {
    const int64_t half = len >> 1, step = m / len;
    for (int64_t start = 0; start < m; start += len) {
      for (int64_t k = 0; k < half; ++k) {
        const complex_d w = inverse ? std::conj(twiddles_[k * step]) : twiddles_[k * step];
        const complex_d even = a[start + k], odd = a[start + k + half] * w;
        a[start + k] = even + odd;
        a[start + k + half] = even - odd;
      }
    }
  }
}

// X[k] = chirp[k] * sum_j (x[j] chirp[j]) conj(chirp[k - j]), from jk = (j^2 + k^2 - (k-j)^2) / 2.
void FftPlan::bluestein_forward(complex_d* data, complex_d* scratch) const {
  for (int64_t j = 0; j < n_; ++j) scratch[j] = data[j] * chirp_[j];
  for (int64_t j = n_; j < m_; ++j) scratch[j] = complex_d(0, 0);
  radix2(scratch, false);
  for (int64_t j = 0; j < m_; ++j) scratch[j] *= kernel_[j];
  radix2(scratch, true);
  for (int64_t k = 0; k < n_; ++k) data[k] = scratch[k] * chirp_[k];
}

void FftPlan::transform(complex_d* data, bool inverse, complex_d* scratch) const {
  if (!bluestein_) {
    radix2(data, inverse);
    return;
  }
  // The inverse DFT is the forward one conjugated on both sides.
  if (inverse)
    for (int64_t j = 0; j < n_; ++j) data[j] = std::conj(data[j]);
  bluestein_forward(data, scratch);
  if (inverse)
    for (int64_t j = 0; j < n_; ++j) data[j] = std::conj(data[j]);
}

}  // namespace onyxrt::ops
