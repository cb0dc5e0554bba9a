#pragma once

#include <cstdint>
#include <functional>

namespace onyxrt {

// The one parallel loop of the library (the only OpenMP user). Calls fn(begin, end) on disjoint
// chunks covering [0, n), on at most `threads` threads; runs inline when threads <= 1 or when the
// range is smaller than `grain` items, so small kernels pay no fork/join. An exception thrown by fn
// on a worker is rethrown here, on the calling thread; workers run under the caller's
// allocation limit (base/allocator.h).
void parallel_for(int64_t n, int64_t grain, int threads, const std::function<void(int64_t, int64_t)>& fn);

// Threads available to this process (CPU affinity), at least 1.
int available_cpu_count();

}  // namespace onyxrt
