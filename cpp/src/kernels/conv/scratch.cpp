#include "kernels/conv/scratch.h"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace onyxrt::kernels {

float* thread_scratch_f32(int slot, int64_t floats) {
  thread_local std::vector<float> buffers[kScratchSlots];
  return grow_line_aligned(buffers[slot], floats);
}

float* grow_line_aligned(std::vector<float>& v, int64_t floats) {
  constexpr int64_t kLineFloats = 16;
  if (v.size() < static_cast<size_t>(floats + kLineFloats)) v.resize(static_cast<size_t>(floats + kLineFloats));
  const auto past_line = reinterpret_cast<std::uintptr_t>(v.data()) % (kLineFloats * sizeof(float));
  return v.data() + (past_line == 0 ? 0 : kLineFloats - past_line / sizeof(float));
}

}  // namespace onyxrt::kernels
