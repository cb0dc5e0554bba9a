#pragma once

#include <cstdint>

// What the driver (conv_blocked.cpp) hands an ISA's row kernel: output positions
// [ow_begin, ow_end) of output row `oh` for one panel of `nb` (1 or 2) output channel blocks.
namespace onyxrt::kernels {

struct ConvBlockedRowJob {
  const float* x = nullptr;     // the image's blocked input, [c_blocks][ih][iw][16]
  const float* w = nullptr;     // the panel, [c_blocks][kh][kw][16 inputs][nb * 16 outputs]
  const float* bias = nullptr;  // the panel's nb * 16 values
  const float* z = nullptr;     // residual at the panel's first block, row oh, column 0 (or null)
  float* y = nullptr;           // output at the panel's first block, row oh, column 0
  int64_t y_block = 0;          // floats between two output channel blocks of y (and z)
  int64_t c_blocks = 0, ih = 0, iw = 0, kh = 0, kw = 0, sh = 1, sw = 1, dh = 1, dw = 1, ph = 0, pw = 0;
  int64_t oh = 0, ow_begin = 0, ow_end = 0;
  int nb = 2;
  bool clamp = false;
  float lo = 0.0f, hi = 0.0f;
};

using ConvBlockedRowFn = void (*)(const ConvBlockedRowJob&);

#if defined(__x86_64__) || defined(_M_X64)
void conv_blocked_row_f32__avx512(const ConvBlockedRowJob& job);
#endif

}  // namespace onyxrt::kernels
