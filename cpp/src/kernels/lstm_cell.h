#pragma once

#include <cstdint>

// The LSTM cell with the default activations (Sigmoid, Tanh, Tanh), no peepholes, no clip, for
// n units of one batch row, in one pass:
//   i, o, f = sigmoid(g + xw) (the first 3 n values),  c~ = tanh(g + xw) (the last n),
//   c = f c + i c~ (in place),  h = o tanh(c).
// g holds the step's product Ht-1 R^T and xw the input projection (bias included), both gate
// after gate (i, o, f, c; n values each). The activations are kernels/vmath.h's (same bounds),
// except that results below about 1e-38 stop there instead of going on into the denormals.
// Dispatched to the best variant of kernels/recurrent/lstm_cell_f32.inc.
namespace onyxrt::kernels {

void lstm_cell_f32(const float* g, const float* xw, float* c, float* h, int64_t n);

// The variant the dispatcher picked ("lstm_cell_f32__avx512").
const char* lstm_cell_f32_kernel_name();

}  // namespace onyxrt::kernels
