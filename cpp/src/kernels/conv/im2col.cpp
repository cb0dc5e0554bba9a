// im2col for any spatial rank: the output positions are walked as runs along the innermost
// dimension, so each run is one bounds check on the outer dims and then a zero / copy / zero
// split of the innermost dimension (a memcpy at stride 1).
#include <algorithm>
#include <cstring>

#include "kernels/conv.h"

namespace onyxrt::kernels {
namespace {

int64_t ceil_div(int64_t a, int64_t b) {  // b > 0, any sign of a
  return a >= 0 ? (a + b - 1) / b : -((-a) / b);
}

template <class T>
void im2col(const ConvGeometry& g, const T* x, int64_t col_begin, int64_t col_count, T* out, int64_t ld_out) {
  const int nd = g.rank, last = nd - 1;
  const int64_t ksize = g.kernel_size(), in_size = g.input_size(), width = g.input[last];
  const int64_t out_w = g.output[last], stride_w = g.stride[last];
  const int64_t end = col_begin + col_count;
  int64_t kidx[kMaxConvSpatialRank], oidx[kMaxConvSpatialRank];
  for (int64_t c = 0; c < g.channels; ++c) {
    const T* xc = x + c * in_size;
    for (int64_t kr = 0; kr < ksize; ++kr) {
      int64_t r = kr;  // kernel multi-index of this row
      for (int d = last; d >= 0; --d) kidx[d] = r % g.kernel[d], r /= g.kernel[d];
      T* row = out + (c * ksize + kr) * ld_out;
      int64_t q = col_begin;  // and the output multi-index of the first column
      r = q;
      for (int d = last; d >= 0; --d) oidx[d] = r % g.output[d], r /= g.output[d];
      const int64_t off_w = kidx[last] * g.dilation[last] - g.pad_begin[last];
      while (q < end) {
        const int64_t ow0 = oidx[last], run = std::min(out_w - ow0, end - q);
        bool inside = true;
        int64_t base = 0;
        for (int d = 0; d < last; ++d) {
          const int64_t i = oidx[d] * g.stride[d] - g.pad_begin[d] + kidx[d] * g.dilation[d];
          inside = inside && i >= 0 && i < g.input[d];
          base = base * g.input[d] + i;
        }
        T* dst = row + (q - col_begin);
        if (!inside) {
          std::fill(dst, dst + run, T(0));
        } else {
          // Input column ow * stride_w + off_w lies in [0, width) for ow in [lo, hi).
          const int64_t ow1 = ow0 + run;
          const int64_t lo = std::clamp(ceil_div(-off_w, stride_w), ow0, ow1);
          const int64_t hi = std::clamp(ceil_div(width - off_w, stride_w), lo, ow1);
          const T* src = xc + base * width;
          std::fill(dst, dst + (lo - ow0), T(0));
          if (stride_w == 1) {
            std::memcpy(dst + (lo - ow0), src + lo + off_w, sizeof(T) * (hi - lo));
          } else {
            for (int64_t ow = lo; ow < hi; ++ow) dst[ow - ow0] = src[ow * stride_w + off_w];
          }
          std::fill(dst + (hi - ow0), dst + run, T(0));
        }
        q += run;
        oidx[last] += run;
        for (int d = last; d > 0 && oidx[d] >= g.output[d]; --d) oidx[d] = 0, ++oidx[d - 1];
      }
    }
  }
}

}  // namespace

bool ConvGeometry::is_pointwise() const {
  for (int d = 0; d < rank; ++d)
    if (kernel[d] != 1 || stride[d] != 1 || pad_begin[d] != 0 || output[d] != input[d]) return false;
  return true;
}

void im2col_f32(const ConvGeometry& g, const float* x, int64_t col_begin, int64_t col_count, float* out,
                int64_t ld_out) {
  im2col(g, x, col_begin, col_count, out, ld_out);
}

void im2col_f64(const ConvGeometry& g, const double* x, int64_t col_begin, int64_t col_count, double* out,
                int64_t ld_out) {
  im2col(g, x, col_begin, col_count, out, ld_out);
}

}  // namespace onyxrt::kernels
