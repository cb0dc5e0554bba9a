#pragma once

#include <complex>
#include <cstdint>
#include <vector>

// Complex DFTs of any length n, in double: an iterative radix-2 FFT when n is a power of two,
// Bluestein's chirp-z otherwise (the DFT rewritten as a convolution with a chirp, done by a
// radix-2 FFT of length m >= 2n - 1), so every length costs O(n log n). DFT and STFT share it.
namespace onyxrt::ops {

using complex_d = std::complex<double>;

class FftPlan {
 public:
  // n >= 1. Tables (twiddles, the chirp and its transform) are built here, once per length.
  explicit FftPlan(int64_t n);

  int64_t size() const { return n_; }
  // Complex values of scratch that transform() needs: 0 for powers of two, m for Bluestein.
  int64_t scratch_size() const { return bluestein_ ? m_ : 0; }

  // In place, unscaled: data[k] = sum_j data[j] * exp(-+2 pi i j k / n), '+' when inverse.
  // `scratch` holds scratch_size() values; const, so one plan serves concurrent lines.
  void transform(complex_d* data, bool inverse, complex_d* scratch) const;

 private:
  // Radix-2 transform of the m_ values at a (m_ a power of two), unscaled.
  void radix2(complex_d* a, bool inverse) const;
  void bluestein_forward(complex_d* data, complex_d* scratch) const;

  int64_t n_;
  int64_t m_;                        // the radix-2 length: n itself, or Bluestein's convolution length
  bool bluestein_;                   // n is not a power of two
  std::vector<complex_d> twiddles_;  // exp(-2 pi i k / m), k < m / 2
  std::vector<complex_d> chirp_;     // exp(-pi i k^2 / n), k < n
  std::vector<complex_d> kernel_;    // radix-2 transform of the conjugate chirp, scaled by 1/m
};

}  // namespace onyxrt::ops
