// parallel_for's error and allocation-limit contract, and the allocation limit's scoping.
#include <atomic>
#include <vector>

#include "base/allocator.h"
#include "base/error.h"
#include "base/parallel.h"
#include "check.h"

using onyxrt::ErrorCode;

TEST(worker_exception_reaches_the_caller) {
  // On a worker (chunk 1 of 2) an escaping exception would terminate the process.
  CHECK_THROWS(onyxrt::parallel_for(1000, 1, 2,
                                    [](int64_t begin, int64_t) {
                                      if (begin > 0) onyxrt::fail(ErrorCode::InvalidArgument, "bad chunk ", begin);
                                    }),
               ErrorCode::InvalidArgument, "bad chunk");
}

TEST(every_item_runs_once) {
  std::vector<std::atomic<int>> hits(10007);
  onyxrt::parallel_for(10007, 16, 2, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) hits[static_cast<size_t>(i)]++;
  });
  for (auto& h : hits) CHECK_EQ(h.load(), 1);
}

TEST(scoped_limit_refuses_and_nests) {
  {
    onyxrt::ScopedAllocationLimit outer(4096, "the outer test limit");
    CHECK(onyxrt::allocate_buffer(4096) != nullptr);
    CHECK_THROWS(onyxrt::allocate_buffer(4097), ErrorCode::RuntimeException, "the outer test limit");
    {
      onyxrt::ScopedAllocationLimit inner(100, "the inner test limit");
      CHECK_THROWS(onyxrt::allocate_buffer(101), ErrorCode::RuntimeException, "the inner test limit");
    }
    CHECK(onyxrt::allocate_buffer(4000) != nullptr);
  }
  CHECK(onyxrt::current_allocation_limit().max_bytes == onyxrt::default_allocation_limit());
}

TEST(workers_run_under_the_callers_limit) {
  onyxrt::ScopedAllocationLimit limit(1000, "the caller's test limit");
  CHECK_THROWS(onyxrt::parallel_for(2, 1, 2, [](int64_t, int64_t) { onyxrt::allocate_buffer(2000); }),
               ErrorCode::RuntimeException, "the caller's test limit");
}

int main() { return check::run_all(); }
