#pragma once

// Depthwise convolution, directly: a row of outputs at a time, each kernel tap one row update
// y[ow] += w * x[ow * stride + offset] over the outputs whose tap lies inside the input; at
// stride 1 a contiguous multiply-add the compiler vectorizes at the width of the including
// translation unit (generic/, x86_avx2/, x86_avx512/). 1-D and 2-D windows run as 3-D ones with
// leading unit axes. Everything here is local to the including unit (anonymous namespace) and
// calls no inline library templates, so no copy built with one ISA's flags can be shared.
#include <cstdint>

#include "kernels/conv.h"

namespace onyxrt::kernels {
namespace {

inline int64_t dw_ceil_div(int64_t a, int64_t b) { return a >= 0 ? (a + b - 1) / b : -((-a) / b); }
inline int64_t dw_clamp(int64_t v, int64_t lo, int64_t hi) { return v < lo ? lo : (v > hi ? hi : v); }

// Kernel taps [lo, hi) inside the input for output index o of one axis; start: tap 0's input index.
struct DwAxisRange {
  int64_t start, lo, hi;
};

inline DwAxisRange dw_axis_range(int64_t o, int64_t stride, int64_t pad, int64_t dilation, int64_t kernel,
                                 int64_t input) {
  DwAxisRange r;
  r.start = o * stride - pad;
  r.lo = dw_clamp(dw_ceil_div(-r.start, dilation), 0, kernel);
  r.hi = dw_clamp(dw_ceil_div(input - r.start, dilation), r.lo, kernel);
  return r;
}

inline void depthwise_rows(const ConvGeometry& g, int64_t multiplier, const float* x, const float* w,
                           const float* bias, float* y, int64_t c0, int64_t c1) {
  int64_t in[3] = {1, 1, 1}, k[3] = {1, 1, 1}, out[3] = {1, 1, 1}, st[3] = {1, 1, 1}, dil[3] = {1, 1, 1},
          pad[3] = {0, 0, 0};
  const int shift = 3 - g.rank;
  for (int d = 0; d < g.rank; ++d) {
    in[d + shift] = g.input[d], k[d + shift] = g.kernel[d], out[d + shift] = g.output[d];
    st[d + shift] = g.stride[d], dil[d + shift] = g.dilation[d], pad[d + shift] = g.pad_begin[d];
  }
  const int64_t in_size = in[0] * in[1] * in[2], out_size = out[0] * out[1] * out[2], ksize = k[0] * k[1] * k[2];
  const int64_t sw = st[2];
  for (int64_t o = c0; o < c1; ++o) {
    const float* xc = x + (o / multiplier) * in_size;
    const float* wc = w + o * ksize;
    float* yc = y + o * out_size;
    const float b = bias != nullptr ? bias[o] : 0.0f;
    for (int64_t od = 0; od < out[0]; ++od) {
      const DwAxisRange rd = dw_axis_range(od, st[0], pad[0], dil[0], k[0], in[0]);
      for (int64_t oh = 0; oh < out[1]; ++oh) {
        const DwAxisRange rh = dw_axis_range(oh, st[1], pad[1], dil[1], k[1], in[1]);
        float* yrow = yc + (od * out[1] + oh) * out[2];
        for (int64_t ow = 0; ow < out[2]; ++ow) yrow[ow] = b;
        for (int64_t kd = rd.lo; kd < rd.hi; ++kd)
          for (int64_t kh = rh.lo; kh < rh.hi; ++kh) {
            const int64_t id = rd.start + kd * dil[0], ih = rh.start + kh * dil[1];
            const float* xrow = xc + (id * in[1] + ih) * in[2];
            const float* wrow = wc + (kd * k[1] + kh) * k[2];
            for (int64_t kw = 0; kw < k[2]; ++kw) {
              const int64_t off = kw * dil[2] - pad[2];  // input column of output 0's tap
              const int64_t lo = dw_clamp(dw_ceil_div(-off, sw), 0, out[2]);
              const int64_t hi = dw_clamp(dw_ceil_div(in[2] - off, sw), lo, out[2]);
              const float wv = wrow[kw];
              if (sw == 1) {
                for (int64_t ow = lo; ow < hi; ++ow) yrow[ow] += wv * xrow[ow + off];
              } else {
                for (int64_t ow = lo; ow < hi; ++ow) yrow[ow] += wv * xrow[ow * sw + off];
              }
            }
          }
      }
    }
  }
}

}  // namespace
}  // namespace onyxrt::kernels
