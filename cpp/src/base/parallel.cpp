#include "base/parallel.h"

#include <sched.h>

#include <algorithm>
#include <exception>
#include <mutex>

#include "base/allocator.h"

#ifdef _OPENMP
#include <omp.h>
#endif

namespace onyxrt {

void parallel_for(int64_t n, int64_t grain, int threads, const std::function<void(int64_t, int64_t)>& fn) {
  if (n <= 0) return;
  grain = std::max<int64_t>(grain, 1);
  int64_t max_chunks = (n + grain - 1) / grain;
  int workers = static_cast<int>(std::min<int64_t>(threads, max_chunks));
#ifdef _OPENMP
  if (workers > 1 && !omp_in_parallel()) {
    // An exception must not leave an OpenMP region (that terminates the process): the first one
    // is kept and rethrown on the calling thread. Workers inherit the caller's allocation limit.
    const AllocationLimit limit = current_allocation_limit();
    std::exception_ptr error;
    std::once_flag error_once;
#pragma omp parallel num_threads(workers)
    {
      ScopedAllocationLimit scoped(limit.max_bytes, limit.source);
      int64_t t = omp_get_thread_num(), nt = omp_get_num_threads();
      int64_t begin = n * t / nt, end = n * (t + 1) / nt;
      try {
        if (begin < end) fn(begin, end);
      } catch (...) {
        std::call_once(error_once, [&] { error = std::current_exception(); });
      }
    }
    if (error) std::rethrow_exception(error);
    return;
  }
#endif
  (void)workers;
  fn(0, n);
}

int available_cpu_count() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) return std::max(1, CPU_COUNT(&set));
  return 1;
}

}  // namespace onyxrt
