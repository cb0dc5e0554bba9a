#include "base/allocator.h"

#include <cstdlib>
#include <cstring>

#include "base/error.h"

namespace onyxrt {

std::shared_ptr<void> allocate_buffer(size_t bytes) {
  size_t rounded = (bytes + kBufferAlignment - 1) / kBufferAlignment * kBufferAlignment;
  if (rounded < bytes) fail(ErrorCode::RuntimeException, "allocation of ", bytes, " bytes overflows");
  if (rounded == 0) rounded = kBufferAlignment;
  void* p = std::aligned_alloc(kBufferAlignment, rounded);
  if (p == nullptr) fail(ErrorCode::RuntimeException, "failed to allocate ", bytes, " bytes");
  std::memset(p, 0, rounded);
  return std::shared_ptr<void>(p, [](void* q) { std::free(q); });
}

}  // namespace onyxrt
