#include "base/allocator.h"

#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "base/error.h"

namespace onyxrt {

namespace {

// Physical memory: no single buffer larger than this can be zeroed without the OOM killer, so
// such a request (a huge shape from an untrusted model) fails cleanly instead.
size_t physical_memory_bytes() {
  static const size_t bytes = [] {
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    return pages > 0 && page > 0 ? static_cast<size_t>(pages) * static_cast<size_t>(page) : SIZE_MAX;
  }();
  return bytes;
}

}  // namespace

std::shared_ptr<void> allocate_buffer(size_t bytes) {
  if (bytes > physical_memory_bytes())
    fail(ErrorCode::RuntimeException, "refusing to allocate ", bytes, " bytes: more than this machine's ",
         physical_memory_bytes(), " bytes of memory");
  size_t rounded = (bytes + kBufferAlignment - 1) / kBufferAlignment * kBufferAlignment;
  if (rounded < bytes) fail(ErrorCode::RuntimeException, "allocation of ", bytes, " bytes overflows");
  if (rounded == 0) rounded = kBufferAlignment;
  void* p = std::aligned_alloc(kBufferAlignment, rounded);
  if (p == nullptr) fail(ErrorCode::RuntimeException, "failed to allocate ", bytes, " bytes");
  std::memset(p, 0, rounded);
  return std::shared_ptr<void>(p, [](void* q) { std::free(q); });
}

}  // namespace onyxrt
