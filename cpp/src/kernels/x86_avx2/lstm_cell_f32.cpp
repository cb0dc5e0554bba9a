// The fused LSTM cell for this ISA: the shared loop (recurrent/lstm_cell_f32_loop.h) compiled with
// this folder's flags.
#include "kernels/recurrent/lstm_cell_f32_loop.h"
#include "kernels/recurrent/variants.h"

namespace onyxrt::kernels {

void lstm_cell_f32__avx2(const float* g, const float* xw, float* c, float* h, int64_t n) {
  lstm_cell_loop(g, xw, c, h, n);
}

}  // namespace onyxrt::kernels
