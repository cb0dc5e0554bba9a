// Memory patterns: the planner never lets buffers alive at the same time share bytes, a run
// arena replays a traced run from one block, and anything that strays from the trace is served
// outside the block instead of over memory in use.
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>
#include <vector>

#include "base/allocator.h"
#include "base/memory_pattern.h"
#include "check.h"

using onyxrt::MemoryPattern;
using onyxrt::MemoryPatternCache;
using onyxrt::RunArena;
using onyxrt::TracedAllocation;

namespace {

constexpr size_t kNoLimit = SIZE_MAX;

int system_takes = 0;

std::shared_ptr<void> counted_allocate(size_t bytes) {
  ++system_takes;
  return std::shared_ptr<void>(std::aligned_alloc(64, bytes), [](void* p) { std::free(p); });
}

bool bytes_overlap(size_t a_offset, size_t a_bytes, size_t b_offset, size_t b_bytes) {
  return a_offset < b_offset + b_bytes && b_offset < a_offset + a_bytes;
}

// A run's allocations as a model's would go: each step takes an output and releases inputs read
// for the last time; a few buffers stay held past the end (outputs).
struct Step {
  size_t bytes;
  int release_after;  // index of the step after which this buffer is released; -1: held past the run
};

std::vector<Step> random_run(unsigned seed, int steps) {
  std::mt19937 rng(seed);
  std::vector<Step> run;
  for (int i = 0; i < steps; ++i) {
    const size_t bytes = 64 * (1 + rng() % 4000);
    const int life = 1 + static_cast<int>(rng() % 6);
    run.push_back({bytes, rng() % 20 == 0 ? -1 : std::min(i + life, steps - 1)});
  }
  return run;
}

// Plays `run` through allocate_buffer under `arena`; returns the buffers held past the run.
std::vector<std::shared_ptr<void>> play(const std::vector<Step>& run, RunArena& arena,
                                        std::vector<void*>* addresses = nullptr) {
  const onyxrt::ScopedRunArena use(&arena);
  std::vector<std::shared_ptr<void>> live(run.size()), kept;
  for (size_t i = 0; i < run.size(); ++i) {
    live[i] = onyxrt::allocate_buffer(run[i].bytes, onyxrt::BufferFill::Uninitialized);
    std::memset(live[i].get(), static_cast<int>(i & 0xFF), run[i].bytes);  // the sanitizers see every byte used
    if (addresses != nullptr) addresses->push_back(live[i].get());
    for (size_t j = 0; j <= i; ++j) {
      if (live[j] == nullptr || run[j].release_after != static_cast<int>(i)) continue;
      // Still holding the byte pattern written at its step: nothing else was placed over it.
      CHECK(static_cast<unsigned char*>(live[j].get())[run[j].bytes - 1] == (j & 0xFF));
      live[j].reset();
    }
  }
  for (size_t i = 0; i < run.size(); ++i)
    if (live[i] != nullptr) kept.push_back(std::move(live[i]));
  return kept;
}

}  // namespace

TEST(buffers_with_disjoint_lifetimes_share_an_offset) {
  const std::vector<TracedAllocation> trace = {{4096, 1, 2}, {8192, 3, 4}, {1024, 5, 6}};
  auto pattern = onyxrt::plan_memory_pattern(trace, 64, kNoLimit);
  CHECK(pattern != nullptr);
  CHECK(pattern->offsets == (std::vector<size_t>{0, 0, 0}));
  CHECK_EQ(pattern->block_bytes, size_t{8192});
}

TEST(buffers_alive_together_get_disjoint_bytes_and_held_ones_stay_outside) {
  const std::vector<TracedAllocation> trace = {
      {4096, 1, 4}, {8192, 2, 5}, {1000 * 64, 3, TracedAllocation::kNeverReleased}, {2048, 6, 7}};
  auto pattern = onyxrt::plan_memory_pattern(trace, 64, kNoLimit);
  CHECK(pattern != nullptr);
  CHECK_EQ(pattern->offsets[2], MemoryPattern::kOutside);
  CHECK(!bytes_overlap(pattern->offsets[0], 4096, pattern->offsets[1], 8192));
  CHECK_EQ(pattern->block_bytes, size_t{4096 + 8192});
  CHECK(pattern->bytes == (std::vector<size_t>{4096, 8192, 64000, 2048}));
}

TEST(planned_offsets_never_overlap_live_buffers_and_the_block_is_near_the_peak) {
  for (unsigned seed = 1; seed <= 20; ++seed) {
    std::mt19937 rng(seed);
    std::vector<TracedAllocation> trace;
    uint64_t clock = 0;
    for (int i = 0; i < 300; ++i) trace.push_back({64 * (1 + rng() % 2000), clock += 1 + rng() % 3, 0});
    for (TracedAllocation& a : trace) a.released = a.taken + 1 + rng() % 40;
    auto pattern = onyxrt::plan_memory_pattern(trace, 64, kNoLimit);
    CHECK(pattern != nullptr);
    size_t peak_live = 0;
    for (size_t i = 0; i < trace.size(); ++i) {
      CHECK(pattern->offsets[i] % 64 == 0);
      CHECK(pattern->offsets[i] + trace[i].bytes <= pattern->block_bytes);
      size_t live_at_take = 0;
      for (size_t j = 0; j < trace.size(); ++j) {
        const bool together = trace[i].taken < trace[j].released && trace[j].taken < trace[i].released;
        if (j != i && together)
          CHECK(!bytes_overlap(pattern->offsets[i], trace[i].bytes, pattern->offsets[j], trace[j].bytes));
        if (trace[j].taken <= trace[i].taken && trace[j].released > trace[i].taken) live_at_take += trace[j].bytes;
      }
      peak_live = std::max(peak_live, live_at_take);
    }
    // Lifetime packing is NP-hard in general; the greedy stays within a small factor of the peak.
    CHECK(pattern->block_bytes >= peak_live);
    CHECK(pattern->block_bytes <= peak_live * 3 / 2);
  }
}

TEST(only_the_largest_are_placed_and_a_block_over_the_limit_is_refused) {
  std::vector<TracedAllocation> trace;
  for (size_t i = 0; i < onyxrt::kMaxPlaced + 10; ++i) trace.push_back({64 * (i + 1), 2 * i + 1, 2 * i + 2});
  auto pattern = onyxrt::plan_memory_pattern(trace, 64, kNoLimit);
  CHECK(pattern != nullptr);
  for (size_t i = 0; i < 10; ++i) CHECK_EQ(pattern->offsets[i], MemoryPattern::kOutside);
  CHECK_EQ(pattern->offsets[10], size_t{0});
  CHECK(onyxrt::plan_memory_pattern(trace, 64, pattern->block_bytes - 1) == nullptr);
  CHECK(onyxrt::plan_memory_pattern({{4096, 1, TracedAllocation::kNeverReleased}}, 64, kNoLimit) == nullptr);
}

TEST(a_replayed_run_takes_one_block_and_reuses_its_addresses) {
  const std::vector<Step> run = random_run(7, 200);
  RunArena tracer(nullptr, &counted_allocate);
  std::vector<void*> traced_addresses;
  auto held = play(run, tracer, &traced_addresses);
  auto pattern = onyxrt::plan_memory_pattern(tracer.finish_trace(), 64, kNoLimit);
  CHECK(pattern != nullptr);
  CHECK_EQ(pattern->bytes.size(), run.size());
  held.clear();

  size_t outside = 0;
  for (size_t offset : pattern->offsets) outside += offset == MemoryPattern::kOutside;
  system_takes = 0;
  RunArena replayer(pattern, &counted_allocate);
  std::vector<void*> addresses;
  held = play(run, replayer, &addresses);
  CHECK(replayer.followed_pattern());
  CHECK_EQ(system_takes, static_cast<int>(outside) + 1);  // the block, and the held buffers
  const char* block_begin = nullptr;
  for (size_t i = 0; i < run.size(); ++i)
    if (pattern->offsets[i] == 0) block_begin = static_cast<const char*>(addresses[i]);
  CHECK(block_begin != nullptr);
  for (size_t i = 0; i < run.size(); ++i)
    if (pattern->offsets[i] != MemoryPattern::kOutside)
      CHECK(static_cast<const char*>(addresses[i]) == block_begin + pattern->offsets[i]);
}

TEST(a_request_the_pattern_did_not_expect_and_all_after_it_go_outside) {
  std::vector<Step> run = random_run(11, 100);
  RunArena tracer(nullptr, &counted_allocate);
  play(run, tracer);
  auto pattern = onyxrt::plan_memory_pattern(tracer.finish_trace(), 64, kNoLimit);
  run[50].bytes += 64;  // a size decided by the data
  RunArena replayer(pattern, &counted_allocate);
  system_takes = 0;
  play(run, replayer);
  CHECK(!replayer.followed_pattern());
  CHECK(system_takes >= 50);
}

TEST(a_buffer_held_longer_than_traced_is_never_overwritten) {
  std::vector<Step> run = {{4096, 0}, {4096, 1}, {4096, 2}, {4096, 3}};
  RunArena tracer(nullptr, &counted_allocate);
  play(run, tracer);
  auto pattern = onyxrt::plan_memory_pattern(tracer.finish_trace(), 64, kNoLimit);
  CHECK_EQ(pattern->block_bytes, size_t{4096});  // one at a time: all at offset 0
  run[0].release_after = 3;                       // now alive beside the next three
  RunArena replayer(pattern, &counted_allocate);
  play(run, replayer);  // play() checks each buffer still holds its own bytes when released
  CHECK(!replayer.followed_pattern());
}

TEST(buffers_outlive_their_arena) {
  const std::vector<Step> run = random_run(3, 60);
  RunArena tracer(nullptr, &counted_allocate);
  play(run, tracer);
  auto pattern = onyxrt::plan_memory_pattern(tracer.finish_trace(), 64, kNoLimit);
  std::shared_ptr<void> kept;
  {
    RunArena replayer(pattern, &counted_allocate);
    const onyxrt::ScopedRunArena use(&replayer);
    kept = onyxrt::allocate_buffer(run[0].bytes);
  }
  std::memset(kept.get(), 1, run[0].bytes);  // the block is still alive (AddressSanitizer checks)
}

TEST(a_traced_run_stops_its_clock_at_the_end) {
  RunArena tracer(nullptr, &counted_allocate);
  std::shared_ptr<void> output;
  {
    const onyxrt::ScopedRunArena use(&tracer);
    output = onyxrt::allocate_buffer(4096);
    onyxrt::allocate_buffer(8192);  // released at once
  }
  const std::vector<TracedAllocation> trace = tracer.finish_trace();
  output.reset();  // after the run: not a release the pattern may plan around
  CHECK_EQ(trace.size(), size_t{2});
  CHECK_EQ(trace[0].released, TracedAllocation::kNeverReleased);
  CHECK_EQ(trace[1].released, uint64_t{3});
}

TEST(replayed_buffers_are_still_zeroed_when_asked) {
  RunArena tracer(nullptr, &counted_allocate);
  play({{8192, 0}, {8192, 1}}, tracer);
  auto pattern = onyxrt::plan_memory_pattern(tracer.finish_trace(), 64, kNoLimit);
  RunArena replayer(pattern, &counted_allocate);
  const onyxrt::ScopedRunArena use(&replayer);
  {
    auto a = onyxrt::allocate_buffer(8192, onyxrt::BufferFill::Uninitialized);
    std::memset(a.get(), 7, 8192);
  }
  auto b = onyxrt::allocate_buffer(8192);
  CHECK_EQ(static_cast<unsigned char*>(b.get())[100], 0);
  CHECK(replayer.followed_pattern());
}

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>

TEST(under_address_sanitizer_the_block_outside_held_buffers_is_poisoned) {
  RunArena tracer(nullptr, &counted_allocate);
  play({{8192, 0}, {4096, 1}}, tracer);  // one after the other: both at offset 0
  auto pattern = onyxrt::plan_memory_pattern(tracer.finish_trace(), 64, kNoLimit);
  RunArena replayer(pattern, &counted_allocate);
  const onyxrt::ScopedRunArena use(&replayer);
  { auto first = onyxrt::allocate_buffer(8192); }
  auto second = onyxrt::allocate_buffer(4096);
  const char* data = static_cast<const char*>(second.get());
  CHECK(!__asan_address_is_poisoned(data + 4095));
  CHECK(__asan_address_is_poisoned(data + 4096));  // the first's bytes past the second's end
  second.reset();
  CHECK(__asan_address_is_poisoned(data));
}
#endif

TEST(the_pattern_cache_traces_replays_and_forgets_the_least_recent) {
  MemoryPatternCache cache(2);
  const std::vector<int64_t> a = {0, 1, 2, 5, 7}, b = {0, 1, 2, 6, 7}, c = {0, 1, 2, 8, 7};
  auto pattern = std::make_shared<MemoryPattern>();
  CHECK(cache.find(a).action == MemoryPatternCache::Action::Trace);
  cache.learnt(a, pattern);
  CHECK(cache.find(a).action == MemoryPatternCache::Action::Replay);
  CHECK(cache.find(a).pattern == pattern);
  CHECK(cache.find(b).action == MemoryPatternCache::Action::Trace);
  cache.learnt(b, pattern);
  CHECK(cache.find(a).action == MemoryPatternCache::Action::Replay);  // a is now the most recent
  CHECK(cache.find(c).action == MemoryPatternCache::Action::Trace);   // b goes
  CHECK_EQ(cache.size(), size_t{2});
  CHECK(cache.find(a).action == MemoryPatternCache::Action::Replay);
  CHECK(cache.find(b).action == MemoryPatternCache::Action::Trace);  // traced afresh
}

TEST(a_shape_set_whose_runs_keep_straying_is_no_longer_traced) {
  MemoryPatternCache cache;
  const std::vector<int64_t> key = {0, 1, 1, 4};
  for (int stray = 0; stray < MemoryPatternCache::kMaxStrays; ++stray) {
    CHECK(cache.find(key).action == MemoryPatternCache::Action::Trace);
    cache.learnt(key, std::make_shared<MemoryPattern>());
    CHECK(cache.find(key).action == MemoryPatternCache::Action::Replay);
    cache.strayed(key);
  }
  CHECK(cache.find(key).action == MemoryPatternCache::Action::None);
  const std::vector<int64_t> nothing_to_plan = {0, 1, 1, 9};
  cache.find(nothing_to_plan);
  cache.learnt(nothing_to_plan, nullptr);
  CHECK(cache.find(nothing_to_plan).action == MemoryPatternCache::Action::None);
}

int main() { return check::run_all(); }
