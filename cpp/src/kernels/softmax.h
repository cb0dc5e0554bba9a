#pragma once

#include <cstdint>

// Row softmax with no operator knowledge: y = exp(x - max) / sum, or its logarithm, over n
// contiguous values. Dispatched to the best variant of kernels/softmax/softmax_f32.inc.
namespace onyxrt::kernels {

void softmax_f32(const float* x, float* y, int64_t n, bool log);

// The variant the dispatcher picked ("softmax_f32__avx512").
const char* softmax_f32_kernel_name();

}  // namespace onyxrt::kernels
