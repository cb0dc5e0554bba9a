#include "base/thread_pool.h"

#include <chrono>
#include <vector>

#if defined(__linux__)
#include <pthread.h>
#include <sched.h>
#endif

#include "base/parallel.h"

namespace onyxrt {
namespace {

thread_local bool tls_in_task = false;
thread_local ThreadPool* tls_pool = nullptr;

// How long a thread polls before it sleeps (a worker outside a run) or starts yielding its core
// (a worker inside a run, the caller waiting for a worker's last task). Long enough to bridge the
// gaps between operators, short enough that an idle pool is quiet within a millisecond. Waking a
// sleeping thread can take milliseconds on a virtual machine whose vCPU went idle, which is why
// workers do not sleep while a run is under way.
constexpr auto kSpinTime = std::chrono::microseconds(1000);

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

// Polls `done` with pauses for kSpinTime, then with yields; returns once it holds.
template <typename Done>
void wait_until(Done done) {
  const auto spin_end = std::chrono::steady_clock::now() + kSpinTime;
  for (int polls = 0; !done(); ++polls) {
    if ((polls & 63) == 63 && std::chrono::steady_clock::now() > spin_end) {
      std::this_thread::yield();
    } else {
      cpu_relax();
    }
  }
}


int first_allowed_cpu() {
#if defined(__linux__)
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  if (sched_getaffinity(0, sizeof(allowed), &allowed) != 0) return -1;
  for (int c = 0; c < CPU_SETSIZE; ++c)
    if (CPU_ISSET(c, &allowed)) return c;
#endif
  return -1;
}

bool pin_to_cpu(std::thread& thread, int cpu) {
#if defined(__linux__)
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(cpu, &one);
  return pthread_setaffinity_np(thread.native_handle(), sizeof(one), &one) == 0;  // best effort
#else
  (void)thread, (void)cpu;
  return false;
#endif
}

// Worker i keeps to the i-th CPU the process may use, when the pool fits them; the 0th is left
// for the caller. Woken after an idle spell, an unpinned worker is often placed on its waker's
// CPU (the scheduler's wake-affine choice, the other CPU being idle and cache-cold) and shares
// it with the caller for milliseconds until it is migrated: squeezenet at 2 threads after a
// 200 ms pause ran 11-12 ms unpinned, 5-6 ms pinned (back-to-back runs: equal). The caller is
// not pinned (it is the application's thread); a run that starts on a worker's CPU moves that
// worker instead (ThreadPool::begin_run). Returns the CPU, or -1 when the worker is not pinned.
int pin_worker(std::thread& worker, int index, int threads) {
#if defined(__linux__)
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  if (sched_getaffinity(0, sizeof(allowed), &allowed) != 0 || CPU_COUNT(&allowed) < threads) return -1;
  int seen = 0;
  for (int c = 0; c < CPU_SETSIZE; ++c) {
    if (!CPU_ISSET(c, &allowed) || seen++ != index) continue;
    return pin_to_cpu(worker, c) ? c : -1;
  }
#else
  (void)worker, (void)index, (void)threads;
#endif
  return -1;
}

}  // namespace

ThreadPool::ThreadPool(int threads) {
  for (int i = 1; i < threads; ++i) {
    workers_.emplace_back([this] { worker_loop(); });
    worker_cpu_.push_back(pin_worker(workers_.back(), i, threads));
  }
  // The caller's CPU: the 0th allowed one, which no worker holds (known once worker 1 is pinned).
  if (!worker_cpu_.empty() && worker_cpu_[0] >= 0) caller_cpu_ = first_allowed_cpu();
}

// A run that starts on a pinned worker's CPU would share it with that worker (the scheduler
// takes milliseconds to move the caller to the idle one: squeezenet at 2 threads, runs that
// started on the worker's CPU after a pause took 9-10 ms against 5); the worker moves to the
// CPU left for the caller instead, and that CPU is now the caller's.
void ThreadPool::move_worker_off_caller_cpu() {
#if defined(__linux__)
  std::lock_guard<std::mutex> lock(pin_mutex_);
  const int cpu = caller_cpu_ < 0 ? -1 : sched_getcpu();
  if (cpu < 0 || cpu == caller_cpu_) return;
  for (size_t i = 0; i < workers_.size(); ++i) {
    if (worker_cpu_[i] != cpu || !pin_to_cpu(workers_[i], caller_cpu_)) continue;
    worker_cpu_[i] = caller_cpu_;
    caller_cpu_ = cpu;
    return;
  }
#endif
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(sleep_mutex_);
    stopping_.store(true, std::memory_order_release);
  }
  wake_.notify_all();
  for (std::thread& w : workers_) w.join();
}

bool ThreadPool::in_task() { return tls_in_task; }

void ThreadPool::run_tasks(Job& job) {
  const bool was_in_task = tls_in_task;
  tls_in_task = true;
  ScopedAllocationLimit limit(job.limit.max_bytes, job.limit.source);
  ScopedBufferCache cache(job.cache);
  for (;;) {
    const int t = job.next.fetch_add(1, std::memory_order_relaxed);
    if (t >= job.tasks) break;
    try {
      (*job.task)(t);
    } catch (...) {
      std::lock_guard<std::mutex> lock(job.error_mutex);
      if (!job.error) job.error = std::current_exception();
    }
    job.finished.fetch_add(1, std::memory_order_release);
  }
  tls_in_task = was_in_task;
}

bool ThreadPool::try_run(int tasks, const std::function<void(int)>& task) {
  std::unique_lock<std::mutex> running(run_mutex_, std::try_to_lock);
  if (!running.owns_lock()) return false;
  job_.task = &task;
  job_.tasks = tasks;
  job_.limit = current_allocation_limit();
  job_.cache = current_buffer_cache();
  job_.next.store(0, std::memory_order_relaxed);
  job_.finished.store(0, std::memory_order_relaxed);
  job_.error = nullptr;
  const uint64_t generation = (state_.load(std::memory_order_relaxed) >> 32) + 1;
  state_.store((generation << 32) | kOpen, std::memory_order_release);
  {
    // Taking the mutex orders this wake-up after any worker's check of state_ under it, so a
    // worker about to sleep either sees the new generation or is woken.
    std::lock_guard<std::mutex> lock(sleep_mutex_);
    if (sleepers_ > 0) wake_.notify_all();
  }
  run_tasks(job_);
  wait_until([&] { return job_.finished.load(std::memory_order_acquire) >= tasks; });
  state_.fetch_and(~kOpen, std::memory_order_acq_rel);
  wait_until([&] { return (state_.load(std::memory_order_acquire) & kEnteredMask) == 0; });
  if (job_.error) std::rethrow_exception(job_.error);
  return true;
}

void ThreadPool::worker_loop() {
  // Generation 0 is the pool's state before its first job, whenever this thread gets to start:
  // a job opened before then is still this worker's to join.
  uint64_t seen_generation = 0;
  for (;;) {
    uint64_t s = state_.load(std::memory_order_acquire);
    const auto spin_end = std::chrono::steady_clock::now() + kSpinTime;
    for (int polls = 0; (s >> 32) == seen_generation; ++polls) {
      if (stopping_.load(std::memory_order_acquire)) return;
      const bool spun_out = (polls & 63) == 63 && std::chrono::steady_clock::now() > spin_end;
      if (spun_out && active_runs_.load(std::memory_order_acquire) > 0) {
        std::this_thread::yield();  // a run is under way: stay awake, but give way to its threads
      } else if (spun_out) {
        std::unique_lock<std::mutex> lock(sleep_mutex_);
        ++sleepers_;
        wake_.wait(lock, [&] {
          s = state_.load(std::memory_order_acquire);
          return stopping_.load(std::memory_order_acquire) || (s >> 32) != seen_generation ||
                 active_runs_.load(std::memory_order_acquire) > 0;
        });
        --sleepers_;
        if (stopping_.load(std::memory_order_acquire)) return;
        break;
      } else {
        cpu_relax();
      }
      s = state_.load(std::memory_order_acquire);
    }
    seen_generation = s >> 32;
    // Enter only the open job of this generation; a closed or newer one is not ours to read.
    while ((s >> 32) == seen_generation && (s & kOpen) != 0) {
      if (state_.compare_exchange_weak(s, s + 1, std::memory_order_acq_rel, std::memory_order_acquire)) {
        run_tasks(job_);
        state_.fetch_sub(1, std::memory_order_release);
        break;
      }
    }
  }
}

void ThreadPool::begin_run() {
  if (active_runs_.fetch_add(1, std::memory_order_acq_rel) == 0) {
    move_worker_off_caller_cpu();
    std::lock_guard<std::mutex> lock(sleep_mutex_);
    if (sleepers_ > 0) wake_.notify_all();
  }
}

void ThreadPool::end_run() { active_runs_.fetch_sub(1, std::memory_order_acq_rel); }

ScopedThreadPool::ScopedThreadPool(ThreadPool* pool) : previous_(tls_pool) { tls_pool = pool; }

ScopedThreadPool::~ScopedThreadPool() { tls_pool = previous_; }

ThreadPool& current_thread_pool() {
  if (tls_pool != nullptr) return *tls_pool;
  static ThreadPool shared(available_cpu_count());
  return shared;
}

}  // namespace onyxrt
