// One session run from 8 threads at once with mixed batch sizes matches serial runs bit for bit,
// and sessions created and destroyed in a loop leave nothing behind (run under the ASan/LSan and
// ThreadSanitizer builds, this is the race and leak check; see docs/hostile_input.md).
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "check.h"
#include "onyxrt/onyxrt.hpp"

namespace {

const std::string kModel = std::string(ONYXRT_SOURCE_DIR) + "/python/onyxrt/data/mlp.onnx";  // 784 -> 128 -> 10

onyxrt::Tensor input_batch(int64_t batch, int seed) {
  onyxrt::Tensor t(onyxrt::DataType::Float, {batch, 784});
  float* d = t.data<float>();
  for (int64_t i = 0; i < t.size(); ++i) d[i] = static_cast<float>((i * 7 + seed * 13) % 17) / 17.0f - 0.5f;
  return t;
}

std::vector<float> run_once(const onyxrt::Session& s, const onyxrt::Tensor& x) {
  std::vector<onyxrt::Value> out = s.run({s.inputs()[0].name}, {onyxrt::Value(x)});
  const onyxrt::Tensor& y = out.at(0).tensor();
  return std::vector<float>(y.data<float>(), y.data<float>() + y.size());
}

onyxrt::SessionOptions two_intra_op_threads() {
  // Concurrent callers share the session's one intra-op pool (a caller finding it busy runs its
  // loops itself): both kinds of threads are under test, under ThreadSanitizer too.
  onyxrt::SessionOptions o;
  o.intra_op_num_threads = 2;
  return o;
}

}  // namespace

TEST(eight_threads_match_serial_runs) {
  const onyxrt::Session session(kModel, two_intra_op_threads());
  constexpr int kFeeds = 48;
  std::vector<onyxrt::Tensor> feeds;
  std::vector<std::vector<float>> serial;
  for (int i = 0; i < kFeeds; ++i) {
    feeds.push_back(input_batch(1 + i % 5, i));
    serial.push_back(run_once(session, feeds.back()));
  }
  std::vector<std::vector<float>> parallel(kFeeds);
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&, t] {
      for (int i = t; i < kFeeds; i += 8) parallel[static_cast<size_t>(i)] = run_once(session, feeds[static_cast<size_t>(i)]);
    });
  for (std::thread& th : threads) th.join();
  for (int i = 0; i < kFeeds; ++i) {
    CHECK_EQ(parallel[static_cast<size_t>(i)].size(), serial[static_cast<size_t>(i)].size());
    CHECK(std::memcmp(parallel[static_cast<size_t>(i)].data(), serial[static_cast<size_t>(i)].data(),
                      serial[static_cast<size_t>(i)].size() * sizeof(float)) == 0);
  }
}

TEST(sessions_created_and_destroyed_in_a_loop) {
  const onyxrt::Tensor x = input_batch(2, 0);
  std::vector<float> first;
  for (int i = 0; i < 50; ++i) {
    const onyxrt::Session session(kModel, two_intra_op_threads());
    std::vector<float> y = run_once(session, x);
    if (i == 0) first = y;
    CHECK(y == first);
  }
}

TEST(a_failed_run_leaves_the_session_usable) {
  const onyxrt::Session session(kModel, two_intra_op_threads());
  onyxrt::Tensor wrong(onyxrt::DataType::Float, {2, 5});
  CHECK_THROWS(session.run({session.inputs()[0].name}, {onyxrt::Value(wrong)}), onyxrt::ErrorCode::InvalidArgument,
               "784");
  CHECK_EQ(run_once(session, input_batch(1, 3)).size(), static_cast<size_t>(10));
}

int main() { return check::run_all(); }
