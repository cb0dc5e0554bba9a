#pragma once

#include <cstddef>
#include <memory>

namespace onyxrt {

inline constexpr size_t kBufferAlignment = 64;

// Allocates `bytes` aligned to kBufferAlignment and zeroed; throws Error(RuntimeException) naming
// the size when it exceeds physical memory or the system refuses. The deleter frees it.
// TODO: a per-session cap from a config entry (hostile-input issue).
std::shared_ptr<void> allocate_buffer(size_t bytes);

}  // namespace onyxrt
