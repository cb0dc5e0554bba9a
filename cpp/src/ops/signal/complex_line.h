#pragma once

#include <cstdint>

#include "ops/signal/fft.h"

// Signals in ONNX's DFT / STFT layout end in a dim of 1 (real) or 2 (real, imaginary): a line
// along one axis is `count` samples `stride` elements apart, each `components` wide. A line is
// transformed in precision C (ops/signal/fft.h), whatever the tensor's element type T.
namespace onyxrt::ops {

// buf[j] = sample j for j < count, then zeros up to `length` (DFT's zero padding).
template <class T, class C>
void load_complex_line(const T* src, int64_t stride, int64_t components, int64_t count, int64_t length,
                       FftComplex<C>* buf) {
  for (int64_t j = 0; j < count; ++j) {
    const T* s = src + j * stride;
    buf[j] = {static_cast<C>(s[0]), components == 2 ? static_cast<C>(s[1]) : C(0)};
  }
  for (int64_t j = count; j < length; ++j) buf[j] = {C(0), C(0)};
}

// Writes buf[0, count) scaled by `scale` as (real, imaginary) pairs `stride` elements apart.
template <class T, class C>
void store_complex_line(const FftComplex<C>* buf, int64_t count, C scale, T* dst, int64_t stride) {
  for (int64_t k = 0; k < count; ++k) {
    dst[k * stride] = static_cast<T>(buf[k].re * scale);
    dst[k * stride + 1] = static_cast<T>(buf[k].im * scale);
  }
}

}  // namespace onyxrt::ops
