// col2im for any spatial rank, the mirror of im2col.cpp: the columns of each row are walked as
// runs along the innermost output dimension, so each run is one bounds check on the outer dims
// and then an add of the part of the run that lands inside the innermost input dimension.
#include <algorithm>

#include "kernels/conv.h"

namespace onyxrt::kernels {
namespace {

int64_t ceil_div(int64_t a, int64_t b) {  // b > 0, any sign of a
  return a >= 0 ? (a + b - 1) / b : -((-a) / b);
}

template <class T>
void col2im(const ConvGeometry& g, const T* cols, int64_t ld_cols, int64_t col_begin, int64_t col_count, T* x) {
  const int nd = g.rank, last = nd - 1;
  const int64_t ksize = g.kernel_size(), in_size = g.input_size(), width = g.input[last];
  const int64_t out_w = g.output[last], stride_w = g.stride[last];
  const int64_t end = col_begin + col_count;
  int64_t kidx[kMaxConvSpatialRank], oidx[kMaxConvSpatialRank];
  for (int64_t c = 0; c < g.channels; ++c) {
    T* xc = x + c * in_size;
    for (int64_t kr = 0; kr < ksize; ++kr) {
      int64_t r = kr;  // kernel multi-index of this row
      for (int d = last; d >= 0; --d) kidx[d] = r % g.kernel[d], r /= g.kernel[d];
      const T* row = cols + (c * ksize + kr) * ld_cols;
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
        if (inside) {
          // Input column ow * stride_w + off_w lies in [0, width) for ow in [lo, hi).
          const int64_t ow1 = ow0 + run;
          const int64_t lo = std::clamp(ceil_div(-off_w, stride_w), ow0, ow1);
          const int64_t hi = std::clamp(ceil_div(width - off_w, stride_w), lo, ow1);
          const T* src = row + (q - col_begin) + (lo - ow0);
          T* dst = xc + base * width + (lo * stride_w + off_w);
          if (stride_w == 1) {
            for (int64_t i = 0; i < hi - lo; ++i) dst[i] += src[i];
          } else {
            for (int64_t i = 0; i < hi - lo; ++i) dst[i * stride_w] += src[i];
          }
        }
        q += run;
        oidx[last] += run;
        for (int d = last; d > 0 && oidx[d] >= g.output[d]; --d) oidx[d] = 0, ++oidx[d - 1];
      }
    }
  }
}

}  // namespace

void col2im_f32(const ConvGeometry& g, const float* cols, int64_t ld_cols, int64_t col_begin, int64_t col_count,
                float* x) {
  col2im(g, cols, ld_cols, col_begin, col_count, x);
}

void col2im_f64(const ConvGeometry& g, const double* cols, int64_t ld_cols, int64_t col_begin, int64_t col_count,
                double* x) {
  col2im(g, cols, ld_cols, col_begin, col_count, x);
}

}  // namespace onyxrt::kernels
