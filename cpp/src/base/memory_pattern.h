#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

namespace onyxrt {

// Memory patterns (SessionOptions::enable_mem_pattern): the first run with a set of input shapes
// traces the buffers its own thread allocates; the planner gives each buffer released within the
// run an offset in one block so that buffers alive at the same time never share bytes; later
// runs with those shapes serve the same requests, in the same order, from one such block. A run
// then asks the buffer cache (or the system) for one block instead of a buffer per value, and its
// intermediates sit at the addresses the last run paged in.

// One allocation of a traced run, on the run's clock (one tick per take and per release).
struct TracedAllocation {
  static constexpr uint64_t kNeverReleased = UINT64_MAX;
  size_t bytes = 0;
  uint64_t taken = 0;
  uint64_t released = kNeverReleased;  // still held when the run ended: an output, a kernel's cache
};

// Where each request of a run lives: an offset in one block, or outside it.
struct MemoryPattern {
  static constexpr size_t kOutside = SIZE_MAX;
  std::vector<size_t> bytes;    // the requests, in the order the run made them
  std::vector<size_t> offsets;  // per request; kOutside: served by the cache (it outlives its run)
  size_t block_bytes = 0;
};

// Places the allocations released within the run, largest first, each at the lowest aligned
// offset clear of every placed allocation whose lifetime overlaps its own (onnxruntime learns its
// memory patterns from a traced first run too). Only the kMaxPlaced largest are placed;
// the rest, usually small scratch, stay outside. Null when nothing is placed, or when the block
// would exceed `max_block_bytes` (the session's allocation limit applies to it as to any buffer).
inline constexpr size_t kMaxPlaced = 2048;
std::shared_ptr<const MemoryPattern> plan_memory_pattern(const std::vector<TracedAllocation>& trace, size_t alignment,
                                                         size_t max_block_bytes);

// A run's allocations on the run's own thread: traced (no pattern yet) or served from a pattern.
// Allocations inside parallel tasks are left to the cache: their order changes from run to run.
// A replayed run that asks for something the pattern did not expect (a size decided by data,
// NonZero's output, a Loop's trip count) gets it from the cache, and so does everything after it;
// a request whose bytes would overlap a buffer still held (a lifetime longer than traced) also
// goes to the cache, so a pattern never hands out memory that is in use.
class RunArena {
 public:
  using Allocate = std::shared_ptr<void> (*)(size_t bytes);  // the cache or the system

  // Traces when `pattern` is null, else replays it. `unplanned` serves everything outside it.
  RunArena(std::shared_ptr<const MemoryPattern> pattern, Allocate unplanned);
  ~RunArena();
  RunArena(const RunArena&) = delete;
  RunArena& operator=(const RunArena&) = delete;

  // A buffer of `bytes` (a multiple of the alignment); nullptr when the system refuses.
  std::shared_ptr<void> take(size_t bytes);

  // Largest count of allocations a trace keeps; a run making more learns no pattern.
  static constexpr size_t kMaxTraced = 1 << 16;

  // After a traced run: what it traced (its clock stops here). Empty when replaying or overflowed.
  std::vector<TracedAllocation> finish_trace();
  // After a replayed run: false when a request strayed from the pattern.
  bool followed_pattern() const { return !diverged_; }

 private:
  struct Trace;
  struct Replay;
  std::shared_ptr<void> trace_take(size_t bytes);
  std::shared_ptr<void> replay_take(size_t bytes);

  std::shared_ptr<const MemoryPattern> pattern_;
  Allocate unplanned_;
  std::shared_ptr<Trace> trace_;
  std::shared_ptr<Replay> replay_;
  size_t next_request_ = 0;
  bool diverged_ = false;
};

// Makes allocate_buffer on this thread (only: not on pool workers) go through `arena` while
// alive; nullptr: none. Nests.
class ScopedRunArena {
 public:
  explicit ScopedRunArena(RunArena* arena);
  ~ScopedRunArena();
  ScopedRunArena(const ScopedRunArena&) = delete;
  ScopedRunArena& operator=(const ScopedRunArena&) = delete;

 private:
  RunArena* previous_;
};

RunArena* current_run_arena();

// A session's patterns by input-shape set, the least recently used dropped beyond `capacity`, so
// a server fed ever-new shapes holds a bounded number. A set whose replays keep straying (its
// allocations depend on the data) stops being traced after kMaxStrays.
class MemoryPatternCache {
 public:
  static constexpr size_t kDefaultCapacity = 8;
  static constexpr int kMaxStrays = 2;

  explicit MemoryPatternCache(size_t capacity = kDefaultCapacity);

  enum class Action { Trace, Replay, None };
  struct Lookup {
    Action action = Action::None;
    std::shared_ptr<const MemoryPattern> pattern;  // for Replay
  };
  // What a run with this shape set does; the set becomes the most recently used.
  Lookup find(const std::vector<int64_t>& shape_set);
  // After a traced run: its pattern (null: the trace gave none, the set is not traced again).
  void learnt(const std::vector<int64_t>& shape_set, std::shared_ptr<const MemoryPattern> pattern);
  // After a replayed run that strayed: the pattern is dropped; the next run traces again.
  void strayed(const std::vector<int64_t>& shape_set);

  size_t size() const;

 private:
  struct Entry {
    std::vector<int64_t> shape_set;
    std::shared_ptr<const MemoryPattern> pattern;
    int strays = 0;
  };
  using Recency = std::list<Entry>;  // most recently used first
  Recency::iterator entry_of(const std::vector<int64_t>& shape_set);  // end() when absent

  size_t capacity_;
  mutable std::mutex mutex_;
  Recency entries_;
  std::map<std::vector<int64_t>, Recency::iterator> index_;
};

}  // namespace onyxrt
