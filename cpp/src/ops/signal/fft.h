#pragma once

#include <cstdint>
#include <memory>
#include <vector>

// Complex DFTs of any length n in float or double, O(n log n) for every n. DFT and STFT share it.
//
// Lengths whose prime factors are small run mixed-radix passes in FFTPACK's order and arithmetic:
// radix 4s first, a radix 2 moved to the front, then odd factors; radix 2, 3, 4 and 5 written out,
// other primes by a direct pass. numpy's pocketfft is that algorithm (plus radix 7, 8 and 11
// passes), so where the radices agree, as for the ONNX test data's length 10, a float transform
// rounds exactly as numpy's does. Lengths with a large prime factor use Bluestein's chirp-z: the
// DFT rewritten as a circular convolution with a chirp, done by a mixed-radix transform of a
// 2-3-5-smooth length m >= 2n - 1.
namespace onyxrt::ops {

// A plain pair rather than std::complex: GCC moves std::complex<float> through the stack between
// operations, which made the float passes twice as slow as the double ones.
template <class T>
struct FftComplex {
  T re, im;
  FftComplex operator+(FftComplex o) const { return {re + o.re, im + o.im}; }
  FftComplex operator-(FftComplex o) const { return {re - o.re, im - o.im}; }
  FftComplex operator*(T s) const { return {re * s, im * s}; }
  FftComplex conj() const { return {re, -im}; }
  // The complex product, as (ac - bd, ad + bc).
  FftComplex times(FftComplex o) const { return {re * o.re - im * o.im, re * o.im + im * o.re}; }
};

template <class T>
class FftPlan {
 public:
  using Complex = FftComplex<T>;

  // n >= 1. Factors and tables (twiddles; the chirp and its transform) are built here, once.
  explicit FftPlan(int64_t n);
  ~FftPlan();

  int64_t size() const { return n_; }
  // Complex values of scratch that transform() needs.
  int64_t scratch_size() const;

  // In place, unscaled: data[k] = sum_j data[j] * exp(-+2 pi i j k / n), '+' when inverse.
  // `scratch` holds scratch_size() values; const, so one plan serves concurrent lines.
  void transform(Complex* data, bool inverse, Complex* scratch) const;

 private:
  template <bool kForward>
  void run_passes(Complex* data, Complex* scratch) const;
  void bluestein(Complex* data, bool inverse, Complex* scratch) const;

  int64_t n_;
  std::vector<int64_t> factors_;     // radices, in the order the passes run
  std::vector<Complex> roots_;       // exp(2 pi i k / n), k < n: the odd pass's p-th roots
  std::vector<Complex> twiddles_;    // each pass's (radix - 1) x (ido - 1) table, back to back
  std::unique_ptr<FftPlan> inner_;   // Bluestein's length-m plan; null when the passes run directly
  std::vector<Complex> chirp_;       // exp(-pi i k^2 / n), k < n
  std::vector<Complex> kernel_;      // transform of the conjugate chirp, scaled by 1/m
};

extern template class FftPlan<float>;
extern template class FftPlan<double>;

}  // namespace onyxrt::ops
