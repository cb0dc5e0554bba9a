#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "base/allocator.h"
#include "base/buffer_cache.h"

namespace onyxrt {

// A fixed set of worker threads for one session's operators (the intra-op pool). The thread that
// calls run() takes part, so a pool for T threads starts T - 1 workers.
//
// Why not OpenMP: its workers spin for milliseconds between regions, which on a busy machine
// takes the core from the thread that has the next operator to run, and a region waits for every
// worker to arrive. Here tasks are claimed from a counter: the caller starts on them at once and
// takes the tasks of a worker that has not woken up yet, so a slow wake-up costs nothing but
// that worker's share. Inside a run (begin_run / end_run) workers stay awake between jobs; after
// the run they poll for a millisecond, then sleep on a condition variable: an idle session burns
// no CPU.
class ThreadPool {
 public:
  explicit ThreadPool(int threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  // Threads a job can use: the workers and the caller.
  int threads() const { return static_cast<int>(workers_.size()) + 1; }

  // Calls task(t) for every t in [0, tasks), each once, on the caller and the workers; returns
  // when all have finished and rethrows the first exception a task threw. Tasks run under the
  // caller's allocation limit and buffer cache. Returns false without running anything when
  // another thread's job holds the pool (the caller then runs the work itself).
  bool try_run(int tasks, const std::function<void(int)>& task);

  // Brackets a session run: the workers wake at its start (a sleeping thread can take
  // milliseconds to wake) and stay awake until it ends, polling and yielding; between runs they
  // sleep. Calls nest and may come from several threads.
  void begin_run();
  void end_run();

  // True on a thread that is running a pool task (a nested parallel loop runs inline there).
  static bool in_task();

 private:
  struct Job {
    const std::function<void(int)>* task = nullptr;
    int tasks = 0;
    AllocationLimit limit;
    BufferCache* cache = nullptr;
    std::atomic<int> next{0};      // the next unclaimed task
    std::atomic<int> finished{0};  // tasks run to completion
    std::exception_ptr error;
    std::mutex error_mutex;
  };

  void worker_loop();
  void run_tasks(Job& job);
  void move_worker_off_caller_cpu();

  // Generation (high 32 bits), open flag (bit 31) and the number of workers inside the current
  // job (low bits). A worker enters only an open job of the generation it was woken for, so the
  // caller, after closing the job and seeing the count drop to zero, knows that no worker can
  // still read it.
  static constexpr uint64_t kOpen = uint64_t{1} << 31;
  static constexpr uint64_t kEnteredMask = kOpen - 1;
  std::atomic<uint64_t> state_{0};

  Job job_;
  std::mutex run_mutex_;  // one job at a time
  std::mutex sleep_mutex_;
  std::condition_variable wake_;
  int sleepers_ = 0;  // guarded by sleep_mutex_
  std::atomic<int> active_runs_{0};
  std::atomic<bool> stopping_{false};  // set under sleep_mutex_
  std::vector<std::thread> workers_;
  // Worker i's CPU (-1: not pinned) and the pinned CPU left for the caller (-1: none); both
  // change only in move_worker_off_caller_cpu, under pin_mutex_.
  std::vector<int> worker_cpu_;
  int caller_cpu_ = -1;
  std::mutex pin_mutex_;
};

// Makes `pool` the one parallel_for uses on this thread for the scope's lifetime (a session
// installs its pool around building and running); without one, a process-wide pool sized by
// available_cpu_count() serves.
class ScopedThreadPool {
 public:
  explicit ScopedThreadPool(ThreadPool* pool);
  ~ScopedThreadPool();
  ScopedThreadPool(const ScopedThreadPool&) = delete;
  ScopedThreadPool& operator=(const ScopedThreadPool&) = delete;

 private:
  ThreadPool* previous_;
};

// begin_run() / end_run() on `pool` (may be null) for the scope's lifetime.
class ScopedPoolRun {
 public:
  explicit ScopedPoolRun(ThreadPool* pool) : pool_(pool) {
    if (pool_ != nullptr) pool_->begin_run();
  }
  ~ScopedPoolRun() {
    if (pool_ != nullptr) pool_->end_run();
  }
  ScopedPoolRun(const ScopedPoolRun&) = delete;
  ScopedPoolRun& operator=(const ScopedPoolRun&) = delete;

 private:
  ThreadPool* pool_;
};

// The pool parallel_for uses on this thread.
ThreadPool& current_thread_pool();

}  // namespace onyxrt
