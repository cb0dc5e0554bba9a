#pragma once

#include <cstdint>

// Row normalization with no operator knowledge, over n contiguous floats (n >= 1):
//   center (LayerNormalization): mean = sum x / n, var = sum (x - mean)^2 / n,
//                                y = (x - mean) / sqrt(var + epsilon) * scale + bias;
//   !center (RMSNormalization):  mean = 0, var = sum x^2 / n, y = x / sqrt(var + epsilon) * scale.
// scale (one value per position) is required, bias may be null (0). stats, when not null,
// receives {mean, 1 / sqrt(var + epsilon)}. The sums are float, over a vector of partial sums,
// and the variance is taken around the mean (two passes), so a large mean costs no precision.
// y == x (in place) is allowed. Dispatched to the best variant of kernels/layer_norm/layer_norm_f32.inc.
namespace onyxrt::kernels {

void layer_norm_f32(const float* x, const float* scale, const float* bias, float* y, int64_t n, float epsilon,
                    bool center, float* stats);

// The variant the dispatcher picked ("layer_norm_f32__avx512").
const char* layer_norm_f32_kernel_name();

}  // namespace onyxrt::kernels
