// The transposing panel packer for AVX-512: 16 source rows x 16 steps at a time, one full-line
// load per row, transposed in registers (F32Avx512::transpose), each step's 16 values one store.
// It serves full panels of the AVX-512 tile's widths (MR 12, NR 32) and 16; the rest goes to the
// portable packer. Packing the weights was a third of ResNet-50's session creation on Zen 5.
#include <immintrin.h>

#include "kernels/pack/pack_columns_portable.h"
#include "kernels/pack/variants.h"
#include "kernels/simd/f32_avx512.h"

namespace onyxrt::kernels {
namespace {

using S = simd::F32Avx512;

// Steps [p, p + 16) of rows [0, W): each group of 16 rows is transposed and written as 16 steps'
// lanes [g, g + 16). A 12-row group writes whole vectors (the next step's first 4 values are
// written over by that step) except at the panel's last step, which must not run past it.
template <int W>
void pack_block(const float* src, int64_t ld, int64_t p, int64_t kc, float* panel) {
  constexpr int kGroup = W < 16 ? W : 16;
  for (int g = 0; g < W; g += kGroup) {
    S::vf32 r[16];
    for (int i = 0; i < kGroup; ++i) r[i] = S::load(src + (g + i) * ld + p);
    for (int i = kGroup; i < 16; ++i) r[i] = S::zero();
    S::transpose(r);
    float* d = panel + p * W + g;
    for (int q = 0; q < 16; ++q) {
      if (kGroup == 16 || p + q + 1 < kc) {
        S::store(d + q * W, r[q]);
      } else {
        S::store_partial(d + q * W, r[q], kGroup);
      }
    }
  }
}

template <int W>
bool pack_full_panel(const float* src, int64_t ld, int64_t kc, float* panel) {
  int64_t p = 0;
  for (; p + 16 <= kc; p += 16) pack_block<W>(src, ld, p, kc, panel);
  // The last kc % 16 steps: the portable tiles, from step p on.
  if (p < kc) pack_panel_columns_f32<W, true>(src + p, ld, W, kc - p, panel + p * W);
  return true;
}

}  // namespace

bool pack_columns_f32__avx512(int width, const float* src, int64_t ld, int live, int64_t kc, float* panel) {
  if (live == width) {
    switch (width) {
      case 12: return pack_full_panel<12>(src, ld, kc, panel);
      case 16: return pack_full_panel<16>(src, ld, kc, panel);
      case 32: return pack_full_panel<32>(src, ld, kc, panel);
      default: break;
    }
  }
  return pack_columns_f32_portable(width, src, ld, live, kc, panel);
}

}  // namespace onyxrt::kernels
