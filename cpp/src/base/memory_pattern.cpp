#include "base/memory_pattern.h"

#include <algorithm>
#include <iterator>
#include <utility>

#include "base/thread_pool.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
// The block's bytes outside the buffers handed out are poisoned, so that AddressSanitizer still
// catches a kernel writing past its buffer into a neighbour's.
#define ONYXRT_POISON(p, n) ASAN_POISON_MEMORY_REGION(p, n)
#define ONYXRT_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define ONYXRT_POISON(p, n) ((void)(p), (void)(n))
#define ONYXRT_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

namespace onyxrt {
namespace {

thread_local RunArena* tls_arena = nullptr;

size_t align_up(size_t bytes, size_t alignment) { return (bytes + alignment - 1) / alignment * alignment; }

bool lifetimes_overlap(const TracedAllocation& a, const TracedAllocation& b) {
  return a.taken < b.released && b.taken < a.released;
}

}  // namespace

std::shared_ptr<const MemoryPattern> plan_memory_pattern(const std::vector<TracedAllocation>& trace, size_t alignment,
                                                         size_t max_block_bytes) {
  auto pattern = std::make_shared<MemoryPattern>();
  pattern->offsets.assign(trace.size(), MemoryPattern::kOutside);
  for (const TracedAllocation& a : trace) pattern->bytes.push_back(a.bytes);

  std::vector<size_t> placeable;
  for (size_t i = 0; i < trace.size(); ++i)
    if (trace[i].released != TracedAllocation::kNeverReleased && trace[i].bytes > 0) placeable.push_back(i);
  // Largest first, then in request order: the large buffers pack first, so the small ones fill
  // the gaps they leave instead of pushing them apart.
  std::stable_sort(placeable.begin(), placeable.end(),
                   [&](size_t a, size_t b) { return trace[a].bytes > trace[b].bytes; });
  if (placeable.size() > kMaxPlaced) placeable.resize(kMaxPlaced);

  struct Span {
    size_t begin, end;
  };
  std::vector<size_t> placed;
  std::vector<Span> busy;
  for (size_t i : placeable) {
    busy.clear();
    for (size_t j : placed)
      if (lifetimes_overlap(trace[i], trace[j]))
        busy.push_back({pattern->offsets[j], pattern->offsets[j] + trace[j].bytes});
    std::sort(busy.begin(), busy.end(), [](const Span& a, const Span& b) { return a.begin < b.begin; });
    size_t offset = 0;
    for (const Span& span : busy) {
      if (offset + trace[i].bytes <= span.begin) break;
      offset = std::max(offset, align_up(span.end, alignment));
    }
    pattern->offsets[i] = offset;
    pattern->block_bytes = std::max(pattern->block_bytes, align_up(offset + trace[i].bytes, alignment));
    placed.push_back(i);
  }
  if (placed.empty() || pattern->block_bytes > max_block_bytes) return nullptr;
  return pattern;
}

struct RunArena::Trace {
  std::mutex mutex;
  std::vector<TracedAllocation> allocations;
  uint64_t clock = 0;
  bool finished = false;    // releases after the run are not the run's
  bool overflowed = false;  // more than kMaxTraced allocations
};

// The block and which of its byte ranges are held. A buffer's deleter keeps this alive, so the
// block outlives the arena while a buffer in it does.
struct RunArena::Replay {
  std::shared_ptr<void> block;
  size_t block_bytes = 0;
  std::mutex mutex;
  std::map<size_t, size_t> held;  // offset -> end of buffers handed out and not yet released

  ~Replay() {
    if (block) ONYXRT_UNPOISON(block.get(), block_bytes);  // back to the cache as a plain buffer
  }
};

RunArena::RunArena(std::shared_ptr<const MemoryPattern> pattern, Allocate unplanned)
    : pattern_(std::move(pattern)), unplanned_(unplanned) {
  if (pattern_) {
    replay_ = std::make_shared<Replay>();
  } else {
    trace_ = std::make_shared<Trace>();
  }
}

RunArena::~RunArena() {
  if (trace_) {
    std::lock_guard<std::mutex> lock(trace_->mutex);
    trace_->finished = true;
  }
}

std::shared_ptr<void> RunArena::take(size_t bytes) {
  // A pool task's allocations come in a different order each run (tasks are claimed from a
  // counter), and the block is not for sharing between threads.
  if (ThreadPool::in_task()) return unplanned_(bytes);
  return trace_ ? trace_take(bytes) : replay_take(bytes);
}

std::shared_ptr<void> RunArena::trace_take(size_t bytes) {
  std::shared_ptr<void> buffer = unplanned_(bytes);
  if (buffer == nullptr) return nullptr;
  size_t index = 0;
  {
    std::lock_guard<std::mutex> lock(trace_->mutex);
    if (trace_->overflowed || trace_->allocations.size() >= kMaxTraced) {
      trace_->overflowed = true;
      return buffer;
    }
    index = trace_->allocations.size();
    trace_->allocations.push_back({bytes, ++trace_->clock});
  }
  void* data = buffer.get();
  return std::shared_ptr<void>(data, [trace = trace_, buffer = std::move(buffer), index](void*) {
    std::lock_guard<std::mutex> lock(trace->mutex);
    if (!trace->finished) trace->allocations[index].released = ++trace->clock;
  });
}

std::shared_ptr<void> RunArena::replay_take(size_t bytes) {
  if (diverged_) return unplanned_(bytes);
  const size_t request = next_request_++;
  if (request >= pattern_->bytes.size() || pattern_->bytes[request] != bytes) {
    diverged_ = true;
    return unplanned_(bytes);
  }
  const size_t offset = pattern_->offsets[request];
  if (offset == MemoryPattern::kOutside) return unplanned_(bytes);
  if (replay_->block == nullptr) {
    replay_->block = unplanned_(pattern_->block_bytes);
    if (replay_->block == nullptr) {
      diverged_ = true;
      return unplanned_(bytes);
    }
    replay_->block_bytes = pattern_->block_bytes;
    ONYXRT_POISON(replay_->block.get(), replay_->block_bytes);
  }
  {
    std::lock_guard<std::mutex> lock(replay_->mutex);
    auto after = replay_->held.lower_bound(offset);
    const bool overlaps_after = after != replay_->held.end() && after->first < offset + bytes;
    const bool overlaps_before = after != replay_->held.begin() && std::prev(after)->second > offset;
    if (overlaps_after || overlaps_before) {
      diverged_ = true;  // a buffer lives longer than traced: this run no longer fits the pattern
      return unplanned_(bytes);
    }
    replay_->held.emplace(offset, offset + bytes);
  }
  void* data = static_cast<char*>(replay_->block.get()) + offset;
  ONYXRT_UNPOISON(data, bytes);
  return std::shared_ptr<void>(data, [replay = replay_, offset, bytes](void* p) {
    ONYXRT_POISON(p, bytes);
    std::lock_guard<std::mutex> lock(replay->mutex);
    replay->held.erase(offset);
  });
}

std::vector<TracedAllocation> RunArena::finish_trace() {
  if (!trace_) return {};
  std::lock_guard<std::mutex> lock(trace_->mutex);
  trace_->finished = true;
  if (trace_->overflowed) return {};
  return trace_->allocations;
}

ScopedRunArena::ScopedRunArena(RunArena* arena) : previous_(tls_arena) { tls_arena = arena; }

ScopedRunArena::~ScopedRunArena() { tls_arena = previous_; }

RunArena* current_run_arena() { return tls_arena; }

MemoryPatternCache::MemoryPatternCache(size_t capacity) : capacity_(std::max<size_t>(capacity, 1)) {}

MemoryPatternCache::Recency::iterator MemoryPatternCache::entry_of(const std::vector<int64_t>& shape_set) {
  auto it = index_.find(shape_set);
  if (it == index_.end()) return entries_.end();
  entries_.splice(entries_.begin(), entries_, it->second);  // now the most recently used
  return entries_.begin();
}

MemoryPatternCache::Lookup MemoryPatternCache::find(const std::vector<int64_t>& shape_set) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto entry = entry_of(shape_set);
  if (entry == entries_.end()) {
    entries_.push_front(Entry{shape_set, nullptr, 0});
    index_.emplace(shape_set, entries_.begin());
    if (entries_.size() > capacity_) {
      index_.erase(entries_.back().shape_set);
      entries_.pop_back();
    }
    return {Action::Trace, nullptr};
  }
  if (entry->pattern) return {Action::Replay, entry->pattern};
  return {entry->strays < kMaxStrays ? Action::Trace : Action::None, nullptr};
}

void MemoryPatternCache::learnt(const std::vector<int64_t>& shape_set, std::shared_ptr<const MemoryPattern> pattern) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto entry = entry_of(shape_set);
  if (entry == entries_.end()) return;  // dropped meanwhile by newer shape sets
  if (pattern == nullptr) entry->strays = kMaxStrays;
  entry->pattern = std::move(pattern);
}

void MemoryPatternCache::strayed(const std::vector<int64_t>& shape_set) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto entry = entry_of(shape_set);
  if (entry == entries_.end()) return;
  entry->pattern = nullptr;
  ++entry->strays;
}

size_t MemoryPatternCache::size() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return entries_.size();
}

}  // namespace onyxrt
