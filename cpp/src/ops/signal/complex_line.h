#pragma once

#include <cstdint>

#include "ops/signal/fft.h"

// Signals in ONNX's DFT / STFT layout end in a dim of 1 (real) or 2 (real, imaginary): a line
// along one axis is `count` samples `stride` elements apart, each `components` wide.
namespace onyxrt::ops {

// buf[j] = sample j for j < count, then zeros up to `length` (DFT's zero padding).
template <class T>
void load_complex_line(const T* src, int64_t stride, int64_t components, int64_t count, int64_t length,
                       complex_d* buf) {
  for (int64_t j = 0; j < count; ++j) {
    const T* s = src + j * stride;
    buf[j] = complex_d(static_cast<double>(s[0]), components == 2 ? static_cast<double>(s[1]) : 0.0);
  }
  for (int64_t j = count; j < length; ++j) buf[j] = complex_d(0, 0);
}

// Writes buf[0, count) scaled by `scale` as (real, imaginary) pairs `stride` elements apart.
template <class T>
void store_complex_line(const complex_d* buf, int64_t count, double scale, T* dst, int64_t stride) {
  for (int64_t k = 0; k < count; ++k) {
    dst[k * stride] = static_cast<T>(buf[k].real() * scale);
    dst[k * stride + 1] = static_cast<T>(buf[k].imag() * scale);
  }
}

}  // namespace onyxrt::ops
