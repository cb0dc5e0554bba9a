#include "kernels/conv/scratch.h"

#include <cstddef>
#include <vector>

namespace onyxrt::kernels {

float* thread_scratch_f32(int slot, int64_t floats) {
  thread_local std::vector<float> buffers[kScratchSlots];
  std::vector<float>& b = buffers[slot];
  if (b.size() < static_cast<size_t>(floats)) b.resize(static_cast<size_t>(floats));
  return b.data();
}

}  // namespace onyxrt::kernels
