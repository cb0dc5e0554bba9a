#pragma once

#include <cstdint>

#include "kernels/conv.h"

namespace onyxrt::kernels {

// A 1-D or 2-D window of a ConvGeometry as the kernels that walk one plane in place read it:
// rows (h) and columns (w); a 1-D window is a single row.
struct PlaneWindow {
  int64_t in_h = 1, in_w = 1, out_h = 1, out_w = 1, kh = 1, kw = 1;
  int64_t sh = 1, sw = 1, dh = 1, dw = 1, pt = 0, pl = 0;
};

// False for rank 3 or more, an empty plane, output or kernel, or negative begin padding.
inline bool read_plane_window(const ConvGeometry& g, PlaneWindow& q) {
  if (g.rank < 1 || g.rank > 2) return false;
  const int s = g.rank - 1;
  if (g.rank == 2) {
    q.in_h = g.input[0], q.out_h = g.output[0], q.kh = g.kernel[0], q.sh = g.stride[0], q.dh = g.dilation[0];
    q.pt = g.pad_begin[0];
  }
  q.in_w = g.input[s], q.out_w = g.output[s], q.kw = g.kernel[s], q.sw = g.stride[s], q.dw = g.dilation[s];
  q.pl = g.pad_begin[s];
  if (q.out_h < 1 || q.out_w < 1 || q.in_h < 1 || q.in_w < 1 || q.kh < 1 || q.kw < 1) return false;
  return q.pt >= 0 && q.pl >= 0;
}

}  // namespace onyxrt::kernels
