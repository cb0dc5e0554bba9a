#pragma once

#include <cstdint>
#include <functional>

namespace onyxrt {

// The one parallel loop of the library. Calls fn(begin, end) on disjoint chunks covering [0, n),
// at most `threads` of them, on the current thread pool (base/thread_pool.h) with the caller
// taking part; runs inline when threads <= 1, when the range is smaller than `grain` items (so
// small kernels pay no fork/join), inside another parallel_for's chunk, or while another thread's
// job holds the pool. An exception thrown by fn on a worker is rethrown here, on the calling
// thread; workers run under the caller's allocation limit (base/allocator.h).
void parallel_for(int64_t n, int64_t grain, int threads, const std::function<void(int64_t, int64_t)>& fn);

// Calls fn(i) once for every item i in [0, items) on up to `threads` threads, each thread taking
// the next unclaimed item when it finishes one. For a few dozen items of unequal cost (a
// convolution's chunks of rows times parts of its channels): parallel_for's equal contiguous
// ranges would give one thread the big items and leave the other idle, and a thread that starts
// late only loses the items it did not claim. Runs inline where parallel_for would.
void parallel_for_claimed(int64_t items, int threads, const std::function<void(int64_t)>& fn);

// Threads available to this process: its CPU affinity, capped by a cgroup CPU quota (a container
// limited to 2 CPUs on a 64-core host gets 2); at least 1. Read once.
int available_cpu_count();

}  // namespace onyxrt
