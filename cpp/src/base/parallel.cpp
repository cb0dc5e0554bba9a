#include "base/parallel.h"

#include <sched.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <fstream>
#include <string>

#include "base/thread_pool.h"

namespace onyxrt {
namespace {

// CPUs' worth of time the cgroup lets this process use (cgroup v2 cpu.max, then v1's CFS quota),
// rounded up; 0 when there is no quota.
int cgroup_cpu_quota() {
  {
    std::ifstream file("/sys/fs/cgroup/cpu.max");
    std::string quota;
    double period = 0;
    if (file >> quota >> period && quota != "max" && period > 0) {
      try {
        return std::max(1, static_cast<int>(std::ceil(std::stod(quota) / period)));
      } catch (const std::exception&) {
      }
    }
  }
  std::ifstream quota_file("/sys/fs/cgroup/cpu/cpu.cfs_quota_us"), period_file("/sys/fs/cgroup/cpu/cpu.cfs_period_us");
  double quota = 0, period = 0;
  if (quota_file >> quota && period_file >> period && quota > 0 && period > 0)
    return std::max(1, static_cast<int>(std::ceil(quota / period)));
  return 0;
}

}  // namespace

void parallel_for(int64_t n, int64_t grain, int threads, const std::function<void(int64_t, int64_t)>& fn) {
  if (n <= 0) return;
  grain = std::max<int64_t>(grain, 1);
  const int64_t max_chunks = (n + grain - 1) / grain;
  int workers = static_cast<int>(std::min<int64_t>(threads, max_chunks));
  if (workers > 1 && !ThreadPool::in_task()) {
    ThreadPool& pool = current_thread_pool();
    workers = std::min(workers, pool.threads());
    if (workers > 1) {
      const std::function<void(int)> chunk = [&](int t) {
        const int64_t begin = n * t / workers, end = n * (t + 1) / workers;
        if (begin < end) fn(begin, end);
      };
      if (pool.try_run(workers, chunk)) return;
    }
  }
  fn(0, n);
}

void parallel_for_claimed(int64_t items, int threads, const std::function<void(int64_t)>& fn) {
  if (items <= 0) return;
  const int workers = static_cast<int>(std::min<int64_t>(threads, items));
  std::atomic<int64_t> next{0};
  parallel_for(workers, 1, workers, [&](int64_t, int64_t) {
    for (int64_t i = next.fetch_add(1, std::memory_order_relaxed); i < items;
         i = next.fetch_add(1, std::memory_order_relaxed))
      fn(i);
  });
}

int available_cpu_count() {
  static const int count = [] {
    int cpus = 1;
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof(set), &set) == 0) cpus = std::max(1, CPU_COUNT(&set));
    const int quota = cgroup_cpu_quota();
    return quota > 0 ? std::min(cpus, quota) : cpus;
  }();
  return count;
}

}  // namespace onyxrt
