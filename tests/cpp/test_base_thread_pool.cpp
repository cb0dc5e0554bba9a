// The intra-op thread pool: every task once, errors to the caller, nesting inline, one job at a
// time across callers, idle workers asleep rather than spinning, workers kept to one CPU each.
#include <sched.h>
#include <time.h>

#include <atomic>
#include <chrono>
#include <set>
#include <thread>
#include <vector>

#include "base/error.h"
#include "base/parallel.h"
#include "base/thread_pool.h"
#include "check.h"

using onyxrt::ErrorCode;
using onyxrt::ThreadPool;

namespace {

double process_cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

}  // namespace

TEST(every_task_runs_once_over_many_jobs) {
  ThreadPool pool(4);
  CHECK_EQ(pool.threads(), 4);
  for (int job = 0; job < 2000; ++job) {
    const int tasks = 1 + job % 7;
    std::vector<std::atomic<int>> hits(static_cast<size_t>(tasks));
    CHECK(pool.try_run(tasks, [&](int t) { hits[static_cast<size_t>(t)]++; }));
    for (auto& h : hits) CHECK_EQ(h.load(), 1);
  }
}

TEST(tasks_spread_over_several_threads) {
  ThreadPool pool(3);
  std::mutex m;
  std::set<std::thread::id> seen;
  // Tasks long enough that the caller cannot take them all before a worker wakes.
  for (int job = 0; job < 50 && seen.size() < 2; ++job)
    pool.try_run(3, [&](int) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
      std::lock_guard<std::mutex> lock(m);
      seen.insert(std::this_thread::get_id());
    });
  CHECK(seen.size() >= 2);
}

TEST(workers_keep_to_one_cpu_each_when_the_pool_fits_the_cpus) {
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  CHECK(sched_getaffinity(0, sizeof(allowed), &allowed) == 0);
  const int cpus = CPU_COUNT(&allowed);
  if (cpus < 2) return;  // nothing to pin to beside the caller
  ThreadPool pool(2);
  const std::thread::id caller = std::this_thread::get_id();
  std::atomic<int> worker_cpus{0};
  // Tasks long enough that the caller cannot take both before the worker wakes; retry until the
  // worker has run one.
  for (int attempt = 0; attempt < 50 && worker_cpus.load() == 0; ++attempt) {
    pool.try_run(2, [&](int) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
      if (std::this_thread::get_id() == caller) return;
      cpu_set_t mine;
      CPU_ZERO(&mine);
      if (sched_getaffinity(0, sizeof(mine), &mine) == 0) worker_cpus = CPU_COUNT(&mine);
    });
  }
  CHECK_EQ(worker_cpus.load(), 1);
  CPU_ZERO(&allowed);  // the caller's own affinity is left as it was
  CHECK(sched_getaffinity(0, sizeof(allowed), &allowed) == 0);
  CHECK_EQ(CPU_COUNT(&allowed), cpus);
}

// The worker's CPU as its task reports it; -1 when the caller ran every task.
int worker_cpu_in_a_job(ThreadPool& pool) {
  const std::thread::id caller = std::this_thread::get_id();
  std::atomic<int> cpu{-1};
  for (int attempt = 0; attempt < 50 && cpu.load() < 0; ++attempt)
    pool.try_run(2, [&](int) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
      if (std::this_thread::get_id() != caller) cpu = sched_getcpu();
    });
  return cpu.load();
}

TEST(a_run_that_starts_on_the_workers_cpu_moves_the_worker) {
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  CHECK(sched_getaffinity(0, sizeof(allowed), &allowed) == 0);
  if (CPU_COUNT(&allowed) != 2) return;  // the pool must fit the CPUs exactly for this check
  ThreadPool pool(2);
  const int worker_cpu = worker_cpu_in_a_job(pool);
  CHECK(worker_cpu >= 0);
  // The test thread goes to the worker's CPU (its affinity restored after), then starts a run.
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(worker_cpu, &one);
  CHECK(sched_setaffinity(0, sizeof(one), &one) == 0);
  pool.begin_run();
  const int moved_to = worker_cpu_in_a_job(pool);
  pool.end_run();
  CHECK(sched_setaffinity(0, sizeof(allowed), &allowed) == 0);
  CHECK(moved_to >= 0);
  CHECK(moved_to != worker_cpu);
}

TEST(a_task_error_reaches_the_caller_and_the_pool_stays_usable) {
  ThreadPool pool(2);
  CHECK_THROWS(pool.try_run(8, [](int t) {
    if (t == 5) onyxrt::fail(ErrorCode::InvalidArgument, "bad task ", t);
  }),
               ErrorCode::InvalidArgument, "bad task 5");
  std::atomic<int> count{0};
  CHECK(pool.try_run(8, [&](int) { count++; }));
  CHECK_EQ(count.load(), 8);
}

TEST(parallel_for_uses_the_scoped_pool_and_nests_inline) {
  ThreadPool pool(2);
  const onyxrt::ScopedThreadPool use(&pool);
  CHECK(&onyxrt::current_thread_pool() == &pool);
  std::vector<std::atomic<int>> hits(1000);
  onyxrt::parallel_for(10, 1, 8, [&](int64_t b, int64_t e) {
    CHECK(ThreadPool::in_task());
    for (int64_t i = b; i < e; ++i)  // the inner loop runs inline on this task's thread
      onyxrt::parallel_for(100, 1, 8, [&](int64_t ib, int64_t ie) {
        for (int64_t j = ib; j < ie; ++j) hits[static_cast<size_t>(i * 100 + j)]++;
      });
  });
  for (auto& h : hits) CHECK_EQ(h.load(), 1);
  CHECK(!ThreadPool::in_task());
}

TEST(parallel_for_claimed_runs_each_item_once_and_shares_out_the_rest_of_a_slow_one) {
  ThreadPool pool(2);
  const onyxrt::ScopedThreadPool use(&pool);
  // Item 0 is slow: with contiguous halves its thread would also own items 1..7; claimed one at
  // a time, the other thread takes them while item 0 runs. The pool is fresh: its worker must
  // join the first job posted, however late the thread starts.
  std::vector<std::thread::id> ran_on(16);
  onyxrt::parallel_for_claimed(16, 2, [&](int64_t i) {
    if (i == 0) std::this_thread::sleep_for(std::chrono::milliseconds(200));
    ran_on[static_cast<size_t>(i)] = std::this_thread::get_id();
  });
  int with_item0 = 0;
  for (const std::thread::id& id : ran_on) with_item0 += id == ran_on[0];
  CHECK_EQ(with_item0, 1);
  for (int64_t items : {1, 2, 3, 17}) {
    std::vector<std::atomic<int>> hits(static_cast<size_t>(items));
    onyxrt::parallel_for_claimed(items, 2, [&](int64_t i) { hits[static_cast<size_t>(i)]++; });
    for (auto& h : hits) CHECK_EQ(h.load(), 1);
  }
  CHECK_THROWS(onyxrt::parallel_for_claimed(8, 2, [](int64_t i) {
    if (i == 5) onyxrt::fail(ErrorCode::InvalidArgument, "bad item ", i);
  }),
               ErrorCode::InvalidArgument, "bad item 5");
}

TEST(concurrent_callers_share_one_pool) {
  // A caller that finds the pool busy runs its loop itself; every item still runs once.
  ThreadPool pool(2);
  std::vector<std::thread> callers;
  std::atomic<int64_t> total{0};
  for (int c = 0; c < 4; ++c)
    callers.emplace_back([&] {
      const onyxrt::ScopedThreadPool use(&pool);
      for (int r = 0; r < 200; ++r)
        onyxrt::parallel_for(1000, 1, 2, [&](int64_t b, int64_t e) { total += e - b; });
    });
  for (std::thread& t : callers) t.join();
  CHECK_EQ(total.load(), int64_t{4 * 200 * 1000});
}

TEST(idle_workers_sleep) {
  ThreadPool pool(4);
  for (int job = 0; job < 20; ++job) pool.try_run(4, [](int) {});
  std::this_thread::sleep_for(std::chrono::milliseconds(20));  // past the polling window
  const double before = process_cpu_seconds();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const double used = process_cpu_seconds() - before;
  CHECK(used < 0.03);  // three spinning workers would burn ~0.9 s here
}

int main() { return check::run_all(); }
