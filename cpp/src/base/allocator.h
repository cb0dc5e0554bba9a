#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

namespace onyxrt {

inline constexpr size_t kBufferAlignment = 64;

enum class BufferFill : uint8_t {
  Zeroed,
  // Contents unspecified. With the environment variable ONYXRT_POISON_UNINITIALIZED=1 they are
  // 0xFF bytes (NaN floats, -1 integers), so a test run finds code that reads before writing.
  Uninitialized,
};

// Allocates `bytes` aligned to kBufferAlignment; throws Error(RuntimeException) naming the size
// when it exceeds the calling thread's allocation limit or the system refuses. Served by the
// thread's run arena when one is set (base/memory_pattern.h), else taken from the thread's buffer
// cache when one is set (base/buffer_cache.h; a session's run sets its own), else from the
// system; the deleter gives it back.
std::shared_ptr<void> allocate_buffer(size_t bytes, BufferFill fill = BufferFill::Zeroed);

// `bytes` (a multiple of kBufferAlignment) from the thread's buffer cache, else the system, with
// no limit check and no fill; nullptr when the system refuses. What allocate_buffer does when no
// run arena (base/memory_pattern.h) serves the request.
std::shared_ptr<void> allocate_unplanned(size_t bytes);

// A block of `bytes` (a multiple of `alignment`) from the system, to be given back with std::free;
// nullptr when the system refuses. Blocks of 2 MiB and more go on transparent huge pages where
// the kernel offers them.
void* allocate_system_block(size_t bytes, size_t alignment);

// The largest single buffer a session may allocate unless configured otherwise: half of the memory
// this process may use (physical memory, or the cgroup limit when lower). A shape that an
// untrusted model makes huge fails with an error instead of waking the OOM killer.
size_t default_allocation_limit();

// Caps every allocate_buffer call on this thread (and on the parallel_for workers it starts) while
// alive; `source` says where the cap comes from, for the error message. Nests: the previous cap
// comes back on destruction.
class ScopedAllocationLimit {
 public:
  ScopedAllocationLimit(size_t max_bytes, const char* source);
  ~ScopedAllocationLimit();
  ScopedAllocationLimit(const ScopedAllocationLimit&) = delete;
  ScopedAllocationLimit& operator=(const ScopedAllocationLimit&) = delete;

 private:
  size_t previous_bytes_;
  const char* previous_source_;
};

// The calling thread's cap and its source, for handing to worker threads.
struct AllocationLimit {
  size_t max_bytes;
  const char* source;
};
AllocationLimit current_allocation_limit();

}  // namespace onyxrt
