#pragma once

#include <cstddef>
#include <cstdint>

namespace onyxrt::kernels {

// A float buffer that starts on a cache line, grown on demand and kept, so that a kernel's run
// after the first allocates nothing. Growing drops the contents (nothing is copied or cleared);
// they are unspecified on return from get() and stay valid until the next call that grows it.
// On a line because the kernels load and store whole 64-byte vectors of their scratch: a
// std::vector's storage is only 16-byte aligned (a large one sits 16 bytes past a page start),
// and every vector off a line spans two (ResNet-50's 1x1 stride-2 layer, 256 -> 512 at
// 56 x 56: 1.69-1.78 ms with its planes off a line, 1.48 on one). Defined in a portable
// translation unit: ISA units use it without compiling its code under their own flags.
class LineAlignedFloats {
 public:
  LineAlignedFloats() = default;
  ~LineAlignedFloats();
  LineAlignedFloats(const LineAlignedFloats&) = delete;
  LineAlignedFloats& operator=(const LineAlignedFloats&) = delete;

  float* get(int64_t floats);  // throws std::bad_alloc when the system refuses

 private:
  float* data_ = nullptr;
  size_t capacity_ = 0;  // floats
};

// Per-thread float workspace for the kernels (a LineAlignedFloats per slot). Slots 0..3 are
// independent buffers; the contents are unspecified on return and stay valid until this
// thread's next call for the same slot.
inline constexpr int kScratchSlots = 4;
float* thread_scratch_f32(int slot, int64_t floats);

}  // namespace onyxrt::kernels
