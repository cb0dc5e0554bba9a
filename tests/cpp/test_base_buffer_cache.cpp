// The session buffer cache: released buffers come back for requests of their size class, idle
// ones go back to the system after kKeepRuns runs, and a buffer may outlive its cache.
#include <memory>
#include <thread>
#include <vector>

#include "base/allocator.h"
#include "base/buffer_cache.h"
#include "check.h"

using onyxrt::BufferCache;

TEST(a_released_buffer_serves_the_next_request_of_its_class) {
  BufferCache cache;
  void* first = nullptr;
  {
    auto a = cache.take(100000, 64);
    first = a.get();
  }
  CHECK(cache.idle_bytes() >= 100000);
  auto b = cache.take(99000, 64);  // same size class
  CHECK(b.get() == first);
  CHECK_EQ(cache.system_allocations(), uint64_t{1});
  CHECK_EQ(cache.idle_bytes(), size_t{0});
}

TEST(size_classes_waste_at_most_an_eighth) {
  for (size_t bytes : {size_t{1}, size_t{64}, size_t{4096}, size_t{4097}, size_t{100000}, size_t{1} << 30}) {
    const size_t c = BufferCache::size_class(bytes, 64);
    CHECK(c >= bytes);
    CHECK(c % 64 == 0);
    CHECK(c - bytes <= std::max<size_t>(64, bytes / 8));
  }
}

TEST(idle_buffers_leave_after_the_kept_runs) {
  BufferCache cache;
  { auto a = cache.take(1 << 20, 64); }
  for (uint64_t r = 0; r < BufferCache::kKeepRuns; ++r) {
    cache.end_run();
    CHECK(cache.idle_bytes() > 0);
  }
  cache.end_run();
  CHECK_EQ(cache.idle_bytes(), size_t{0});
}

TEST(steady_runs_allocate_from_the_system_once) {
  BufferCache cache;
  for (int run = 0; run < 20; ++run) {
    std::vector<std::shared_ptr<void>> live;
    for (size_t size : {size_t{1000}, size_t{50000}, size_t{50000}, size_t{3000000}}) live.push_back(cache.take(size, 64));
    live.clear();
    cache.end_run();
  }
  CHECK_EQ(cache.system_allocations(), uint64_t{4});
}

TEST(a_buffer_may_outlive_its_cache) {
  std::shared_ptr<void> kept;
  {
    BufferCache cache;
    kept = cache.take(5000, 64);
    static_cast<char*>(kept.get())[4999] = 1;
  }
  kept.reset();  // freed to the system (the LeakSanitizer build checks nothing is lost)
}

TEST(release_idle_frees_the_idle_buffers_and_leaves_the_held_ones) {
  BufferCache cache;
  auto held = cache.take(1 << 20, 64);
  { auto idle = cache.take(3 << 20, 64); }
  CHECK(cache.idle_bytes() >= size_t{3} << 20);
  cache.release_idle();
  CHECK_EQ(cache.idle_bytes(), size_t{0});
  static_cast<char*>(held.get())[(1 << 20) - 1] = 1;
  held.reset();  // comes back to the cache as before
  CHECK(cache.idle_bytes() >= size_t{1} << 20);
}

TEST(allocate_buffer_uses_the_scoped_cache_and_still_zeroes) {
  BufferCache cache;
  const onyxrt::ScopedBufferCache use(&cache);
  {
    auto a = onyxrt::allocate_buffer(8192);
    static_cast<unsigned char*>(a.get())[100] = 7;
  }
  auto b = onyxrt::allocate_buffer(8192);
  CHECK_EQ(cache.system_allocations(), uint64_t{1});
  CHECK_EQ(static_cast<unsigned char*>(b.get())[100], 0);
}

TEST(a_run_request_takes_a_larger_idle_buffer_and_a_creation_request_does_not) {
  // 3 MiB and 5 MiB are different size classes, the second within kMaxOversize of the first.
  for (BufferCache::Use use : {BufferCache::Use::Runs, BufferCache::Use::Creation}) {
    BufferCache cache(use);
    void* larger = nullptr;
    {
      auto a = cache.take(5 << 20, 64);
      larger = a.get();
    }
    auto b = cache.take(3 << 20, 64);
    CHECK_EQ(b.get() == larger, use == BufferCache::Use::Runs);
    CHECK_EQ(cache.system_allocations(), uint64_t{use == BufferCache::Use::Runs ? 1u : 2u});
  }
}

TEST(a_creation_cache_recycles_a_buffer_of_its_own_class) {
  // A misaligned weight's copy, released once packed, becomes the next weight's packed buffer.
  BufferCache cache(BufferCache::Use::Creation);
  const onyxrt::ScopedBufferCache use(&cache);
  void* copy = nullptr;
  {
    auto a = onyxrt::allocate_buffer(9 << 20, onyxrt::BufferFill::Uninitialized);
    copy = a.get();
    CHECK_EQ(reinterpret_cast<uintptr_t>(copy) % onyxrt::kBufferAlignment, uintptr_t{0});
    static_cast<char*>(copy)[(9 << 20) - 1] = 1;
  }
  auto packed = onyxrt::allocate_buffer(9 << 20, onyxrt::BufferFill::Uninitialized);
  CHECK(packed.get() == copy);
  CHECK_EQ(cache.system_allocations(), uint64_t{1});
}

TEST(a_creation_miss_first_frees_as_much_idle_memory_as_it_takes) {
  // Resident memory never grows while buffers sit idle: creation's peak stays what freeing every
  // released buffer at once would give.
  BufferCache cache(BufferCache::Use::Creation);
  const size_t mib = size_t{1} << 20;
  std::vector<std::shared_ptr<void>> held;
  std::vector<void*> released;
  for (size_t size : {1 * mib, 2 * mib, 3 * mib}) held.push_back(cache.take(size, 64));
  for (auto& buffer : held) released.push_back(buffer.get()), buffer.reset();  // released in this order
  CHECK_EQ(cache.idle_bytes(), 6 * mib);
  auto missed = cache.take(mib + mib / 2, 64);  // its own class is not idle: the two oldest go
  CHECK_EQ(cache.idle_bytes(), 3 * mib);
  auto newest = cache.take(3 * mib, 64);
  CHECK(newest.get() == released[2]);
  CHECK_EQ(cache.system_allocations(), uint64_t{4});
}

TEST(a_creation_cache_holds_at_most_its_idle_bytes) {
  BufferCache cache(BufferCache::Use::Creation);
  { auto small = cache.take(BufferCache::kCreationIdleBytes / 4, 64); }
  CHECK_EQ(cache.idle_bytes(), BufferCache::kCreationIdleBytes / 4);
  { auto large = cache.take(BufferCache::kCreationIdleBytes, 64); }  // misses: the small one goes
  CHECK_EQ(cache.idle_bytes(), BufferCache::kCreationIdleBytes);
  { auto larger = cache.take(BufferCache::kCreationIdleBytes * 2, 64); }  // alone above the bound
  CHECK_EQ(cache.idle_bytes(), size_t{0});
}

TEST(concurrent_takes_and_releases) {
  BufferCache cache;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 2000; ++i) {
        auto a = cache.take(64 * (1 + i % 50), 64);
        static_cast<char*>(a.get())[0] = 1;
      }
    });
  for (std::thread& t : threads) t.join();
  CHECK(cache.system_allocations() <= 4 * 50);
}

int main() { return check::run_all(); }
