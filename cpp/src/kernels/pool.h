#pragma once

#include <cstdint>

#include "kernels/conv.h"

// Pooling over NCHW-style planes with no operator knowledge, dispatched to the best variant of
// kernels/pool/pool_f32.inc.
namespace onyxrt::kernels {

enum class PoolF32Kind { Max, Average };

// Sliding windows of a 1-D or 2-D ConvGeometry (g.channels unused) over planes [p0, p1) of x,
// each g.input_size() values, into planes of y, each g.output_size() values:
//   Max:     y = the largest of the window's taps inside the input, and of lowest(); a NaN tap
//            never wins (the update is y = x > y ? x : y; when +0 and -0 tie for the largest,
//            either may come out).
//   Average: y = (sum of the taps inside the input, added in an order each kernel chooses, so
//            the last bits may differ between kernels) / (count_h[oh] * count_w[ow]); a divisor of
//            0 is for windows with no tap inside, which give 0; count_h has g.output[0] entries (one, 1, for 1-D), count_w the last
//            axis's. The caller chooses the counts (count_include_pad or not).
// Returns false, having written nothing, for windows the kernels do not serve (rank 3 or more,
// more than 256 taps, very large planes): the caller loops itself. A call with p0 == p1 (other
// pointers may be null) only answers that.
bool pool_f32(const ConvGeometry& g, PoolF32Kind kind, const float* count_h, const float* count_w, const float* x,
              float* y, int64_t p0, int64_t p1);

// Whole-plane reductions: y[p] = max (first element kept unless a later one is greater; a NaN
// first element gives NaN) or mean of x[p * n, (p + 1) * n) for p in [p0, p1); n >= 1.
void global_pool_f32(PoolF32Kind kind, const float* x, int64_t n, float* y, int64_t p0, int64_t p1);

}  // namespace onyxrt::kernels
