#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

namespace onyxrt {

// Recycles a session's buffers across the steps of a run and across runs: a released buffer goes
// back to the cache instead of the system, and the next request of the same size class takes it
// (already paged in, no system call). With steady input shapes, run() stops allocating from the
// system after its first call; buffers idle for more than kKeepRuns runs go back to the system,
// so a server fed ever-changing shapes holds no more than the last runs' working set. A buffer
// that outlives the cache (an output the caller still holds) is freed to the system when dropped.
// Thread-safe: concurrent runs share one cache.
class BufferCache {
 public:
  static constexpr uint64_t kKeepRuns = 2;
  // A request with no idle buffer of its own class takes the smallest idle one at most this many
  // times its size (the rest of the buffer is memory already paged in, idle otherwise).
  static constexpr size_t kMaxOversize = 2;

  enum class Use : uint8_t {
    // A session's runs (above).
    Runs,
    // One session's creation (api/session.cpp), loading included: the aligned copy of a
    // misaligned initializer, dropped once its readers have packed it, can become a later weight's
    // packed buffer instead of fresh pages the system must zero. Most of what creation keeps
    // lives as long as the session, so a request takes only its own size class (an idle larger
    // buffer would stay resident whole), and system blocks get allocate_buffer's huge pages.
    // A request it cannot serve first frees idle buffers, oldest first, until as many bytes as
    // it takes from the system are gone (or none is left idle): what is resident then never
    // exceeds what it was before. Allocations outside the cache (folded constants, the mapped
    // file) may still grow it meanwhile, so at most kCreationIdleBytes are kept idle (oldest
    // freed first): enough for a transformer's 768 x 3072 weight, not for a VGG's classifier.
    Creation,
  };
  static constexpr size_t kCreationIdleBytes = size_t{16} << 20;

  explicit BufferCache(Use use = Use::Runs);
  ~BufferCache();
  BufferCache(const BufferCache&) = delete;
  BufferCache& operator=(const BufferCache&) = delete;

  // A buffer of at least `bytes` (a multiple of the alignment), from the cache (best fit, up to
  // kMaxOversize times larger) or the system; nullptr when the system refuses. Not zeroed.
  std::shared_ptr<void> take(size_t bytes, size_t alignment);

  // Marks the end of a run: buffers released before the last kKeepRuns runs are freed.
  void end_run();

  // Frees every idle buffer now: a memory pattern (base/memory_pattern.h) just learnt to serve
  // the run from one block, and the buffers the traced run left idle would sit beside it.
  void release_idle();

  // Bytes held idle in the cache, and system allocations made so far (for tests and benchmarks).
  size_t idle_bytes() const;
  uint64_t system_allocations() const;

  // The size class a request of `bytes` is served from: up to 1/8 larger, so that nearby sizes
  // (a batch of 7 after a batch of 8) share buffers.
  static size_t size_class(size_t bytes, size_t alignment);

 private:
  struct Idle {
    void* data;
    uint64_t released_in_run;
    uint64_t release;  // State::releases when it came back
  };
  struct State {
    explicit State(Use use) : use(use) {}
    const Use use;
    mutable std::mutex mutex;
    std::multimap<size_t, Idle> idle;  // by size class
    size_t idle_bytes = 0;
    uint64_t run = 0;
    uint64_t releases = 0;
    uint64_t system_allocations = 0;
    bool closed = false;  // the cache is gone: released buffers go to the system
  };
  static void free_idle(State& state);  // under state.mutex
  static void make_room(State& state, size_t size);  // Use::Creation's miss; under state.mutex

  std::shared_ptr<State> state_;
};

// Makes allocate_buffer take from `cache` on this thread (and on the pool workers running this
// thread's parallel loops) while alive; nullptr: the system. Nests.
class ScopedBufferCache {
 public:
  explicit ScopedBufferCache(BufferCache* cache);
  ~ScopedBufferCache();
  ScopedBufferCache(const ScopedBufferCache&) = delete;
  ScopedBufferCache& operator=(const ScopedBufferCache&) = delete;

 private:
  BufferCache* previous_;
};

BufferCache* current_buffer_cache();

}  // namespace onyxrt
