// Row softmax for this ISA: the shared loops (softmax/softmax_f32_loops.h) over the portable
// vector vocabulary, plus its pow2_shifted, hsum and hmax.
#include <cstring>

#include "kernels/simd/f32_portable.h"
#include "kernels/softmax/softmax_f32_loops.h"
#include "kernels/softmax/variants.h"

namespace onyxrt::kernels {
namespace {

struct SoftmaxPortable : simd::F32Portable {
  static vf32 pow2_shifted(vf32 t) {
    vf32 r;
    for (int i = 0; i < kLanes; ++i) {
      uint32_t bits;
      std::memcpy(&bits, &t.v[i], sizeof(bits));
      bits <<= 23;
      std::memcpy(&r.v[i], &bits, sizeof(bits));
    }
    return r;
  }
  static float hsum(vf32 v) {
    for (int w = kLanes / 2; w >= 1; w /= 2)
      for (int j = 0; j < w; ++j) v.v[j] += v.v[j + w];
    return v.v[0];
  }
  static float hmax(vf32 v) {
    for (int w = kLanes / 2; w >= 1; w /= 2)
      for (int j = 0; j < w; ++j) v.v[j] = v.v[j + w] > v.v[j] ? v.v[j + w] : v.v[j];
    return v.v[0];
  }
};

}  // namespace

void softmax_f32__generic(const float* x, float* y, int64_t n, bool log) {
  softmax_row<SoftmaxPortable>(x, y, n, log);
}

}  // namespace onyxrt::kernels
