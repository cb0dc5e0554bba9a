#pragma once

#include <cstdint>

namespace onyxrt::kernels {

// Per-thread float workspace for the kernels, grown on demand and kept, so that a run after the
// first allocates nothing. Defined in a portable translation unit: ISA units call it without
// instantiating library templates under their own flags. Slots 0..3 are independent buffers;
// the contents are unspecified on return and stay valid until this thread's next call for the
// same slot.
inline constexpr int kScratchSlots = 4;
float* thread_scratch_f32(int slot, int64_t floats);

}  // namespace onyxrt::kernels
