#pragma once

#include <cstdint>
#include <vector>

namespace onyxrt::kernels {

// Per-thread float workspace for the kernels, grown on demand and kept, so that a run after the
// first allocates nothing. Defined in a portable translation unit: ISA units call it without
// instantiating library templates under their own flags. Slots 0..3 are independent buffers,
// each starting on a cache line (grow_line_aligned); the contents are unspecified on return and
// stay valid until this thread's next call for the same slot.
inline constexpr int kScratchSlots = 4;
float* thread_scratch_f32(int slot, int64_t floats);

// Grows v to hold `floats` floats from a cache line on and returns where they start. A vector's
// storage is only 16-byte aligned (a large one sits 16 bytes past a page start); the kernels
// load and store whole 64-byte vectors of their scratch, each spanning two lines when it is off
// one (ResNet-50's 1x1 stride-2 layer, 256 -> 512 at 56 x 56: 1.69-1.78 ms with its planes off
// a line, 1.48 on one).
float* grow_line_aligned(std::vector<float>& v, int64_t floats);

}  // namespace onyxrt::kernels
