#include "base/allocator.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>

#include "base/buffer_cache.h"
#include "base/error.h"
#include "base/memory_pattern.h"

namespace onyxrt {

namespace {

size_t physical_memory_bytes() {
  long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  return pages > 0 && page > 0 ? static_cast<size_t>(pages) * static_cast<size_t>(page) : SIZE_MAX;
}

// A container's memory limit (cgroup v2, then v1); SIZE_MAX when there is none.
size_t cgroup_memory_limit() {
  for (const char* path : {"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"}) {
    std::ifstream file(path);
    std::string text;
    if (!(file >> text) || text == "max") continue;
    try {
      return static_cast<size_t>(std::stoull(text));
    } catch (const std::exception&) {
      continue;
    }
  }
  return SIZE_MAX;
}

thread_local size_t tls_limit_bytes = 0;  // 0: no scope set on this thread, the default applies
thread_local const char* tls_limit_source = nullptr;

}  // namespace

// Buffers from the system of this size and more go on transparent huge pages where the kernel
// offers them (THP in "madvise" mode, the common default): their first writes then fault once per
// 2 MiB instead of once per 4 KiB page. They are mostly the weights packed at session creation,
// whose page faults were most of its time (bench/compare.py's median of three creations:
// resnet50 112 -> 82 ms, lstm 15.6 -> 9.4; docs/performance.md has the first creation of a
// process too). Only whole huge pages inside the buffer are advised, so its partial last one
// costs no extra resident memory. Run buffers (the memory pattern's arena, the activations) go
// there too: a 1x1 convolution reads one line from each of its input channels' planes per step,
// a TLB entry each on 4 KiB pages (a chain of four 256 <-> 64 1x1 layers at 56 x 56: 2590 ->
// 2490 us; ResNet-50 at 1 thread, batch 1: 46.6 -> 46.1 ms).
constexpr size_t kHugePageBytes = size_t{2} << 20;

void* allocate_system_block(size_t bytes, size_t alignment) {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  if (bytes >= kHugePageBytes) {
    void* p = nullptr;
    if (posix_memalign(&p, std::max(alignment, kHugePageBytes), bytes) != 0) return nullptr;
    ::madvise(p, bytes / kHugePageBytes * kHugePageBytes, MADV_HUGEPAGE);  // a hint: failure is harmless
    return p;
  }
#endif
  return std::aligned_alloc(alignment, bytes);
}

std::shared_ptr<void> allocate_unplanned(size_t bytes) {
  if (BufferCache* cache = current_buffer_cache()) return cache->take(bytes, kBufferAlignment);
  if (void* p = allocate_system_block(bytes, kBufferAlignment))
    return std::shared_ptr<void>(p, [](void* q) { std::free(q); });
  return nullptr;
}

size_t default_allocation_limit() {
  static const size_t bytes = std::min(physical_memory_bytes(), cgroup_memory_limit()) / 2;
  return bytes;
}

AllocationLimit current_allocation_limit() {
  if (tls_limit_bytes != 0) return {tls_limit_bytes, tls_limit_source};
  return {default_allocation_limit(), "the default limit, half of this process's memory"};
}

ScopedAllocationLimit::ScopedAllocationLimit(size_t max_bytes, const char* source)
    : previous_bytes_(tls_limit_bytes), previous_source_(tls_limit_source) {
  tls_limit_bytes = max_bytes == 0 ? 1 : max_bytes;
  tls_limit_source = source;
}

ScopedAllocationLimit::~ScopedAllocationLimit() {
  tls_limit_bytes = previous_bytes_;
  tls_limit_source = previous_source_;
}

std::shared_ptr<void> allocate_buffer(size_t bytes, BufferFill fill) {
  const AllocationLimit limit = current_allocation_limit();
  if (bytes > limit.max_bytes)
    fail(ErrorCode::RuntimeException, "refusing to allocate ", bytes, " bytes: more than ", limit.max_bytes,
         " bytes (", limit.source, ")");
  size_t rounded = (bytes + kBufferAlignment - 1) / kBufferAlignment * kBufferAlignment;
  if (rounded < bytes) fail(ErrorCode::RuntimeException, "allocation of ", bytes, " bytes overflows");
  if (rounded == 0) rounded = kBufferAlignment;
  RunArena* arena = current_run_arena();
  std::shared_ptr<void> buffer = arena != nullptr ? arena->take(rounded) : allocate_unplanned(rounded);
  if (buffer == nullptr) fail(ErrorCode::RuntimeException, "failed to allocate ", bytes, " bytes");
  static const bool poison = [] {
    const char* flag = std::getenv("ONYXRT_POISON_UNINITIALIZED");
    return flag != nullptr && std::string(flag) == "1";
  }();
  if (fill == BufferFill::Zeroed) {
    std::memset(buffer.get(), 0, bytes);
  } else if (poison) {
    std::memset(buffer.get(), 0xFF, bytes);
  }
  return buffer;
}

}  // namespace onyxrt
