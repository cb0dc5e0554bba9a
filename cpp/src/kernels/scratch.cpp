#include "kernels/scratch.h"

#include <cstdlib>
#include <new>

namespace onyxrt::kernels {

LineAlignedFloats::~LineAlignedFloats() { std::free(data_); }

float* LineAlignedFloats::get(int64_t floats) {
  const size_t wanted = floats > 0 ? static_cast<size_t>(floats) : 1;
  if (wanted > capacity_) {
    constexpr size_t kLine = 64;
    std::free(data_);
    capacity_ = 0;
    data_ = static_cast<float*>(std::aligned_alloc(kLine, (wanted * sizeof(float) + kLine - 1) / kLine * kLine));
    if (data_ == nullptr) throw std::bad_alloc();
    capacity_ = wanted;
  }
  return data_;
}

float* thread_scratch_f32(int slot, int64_t floats) {
  thread_local LineAlignedFloats buffers[kScratchSlots];
  return buffers[slot].get(floats);
}

}  // namespace onyxrt::kernels
