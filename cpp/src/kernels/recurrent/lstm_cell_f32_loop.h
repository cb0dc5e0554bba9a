#pragma once

// The fused LSTM cell (kernels/lstm_cell.h) over vmath's element functions, for the translation
// unit including it (its ISA flags decide the vector width; vmath_f32_core.h's note on trapping
// math applies to it too).
#include <cstdint>

#include "kernels/vmath/vmath_f32_core.h"

namespace onyxrt::kernels {
namespace {

inline void lstm_cell_loop(const float* g, const float* xw, float* c, float* h, int64_t n) {
  const float *gi = g, *go = g + n, *gf = g + 2 * n, *gc = g + 3 * n;
  const float *xi = xw, *xo = xw + n, *xf = xw + 2 * n, *xc = xw + 3 * n;
  // g, xw, c and h do not overlap (c is read and written at the same index only).
#pragma GCC ivdep
  for (int64_t j = 0; j < n; ++j) {
    const float i = sigmoid_f32(gi[j] + xi[j]), o = sigmoid_f32(go[j] + xo[j]), f = sigmoid_f32(gf[j] + xf[j]);
    const float candidate = tanh_f32(gc[j] + xc[j]);
    const float cell = f * c[j] + i * candidate;
    c[j] = cell;
    h[j] = o * tanh_f32(cell);
  }
}

}  // namespace
}  // namespace onyxrt::kernels
