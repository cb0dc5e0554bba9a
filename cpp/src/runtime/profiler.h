#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "onyxrt/value.hpp"

namespace onyxrt::runtime {

// Records what a session spends its time on, in onnxruntime's profile format (a Chrome trace:
// a JSON array of complete events): "Session" events for initialization and each run, "Node"
// events named "<node>_kernel_time" whose args carry op_name, provider and the outputs' types
// and shapes, so tools that read onnxruntime profiles read these. Thread-safe.
class Profiler {
 public:
  using Clock = std::chrono::steady_clock;

  Profiler();

  // Wall-clock time the profile starts at, in nanoseconds since the epoch.
  uint64_t start_time_ns() const { return start_ns_; }

  void record_session(const char* name, Clock::time_point begin);
  void record_node(const ir::Node& node, Clock::time_point begin, const std::vector<const Value*>& outputs);

  // Writes the events to "<prefix>_<date>_<time>.json" in the working directory, stops
  // recording, and returns the file's name; fails naming the path when it cannot be written.
  std::string finish(const std::string& prefix);
  bool finished() const;

 private:
  struct Event {
    std::string category, name, args;
    int64_t begin_us, duration_us;
    uint64_t thread;
  };
  void add(Event event);

  Clock::time_point start_;
  uint64_t start_ns_;
  mutable std::mutex mutex_;
  std::vector<Event> events_;
  bool finished_ = false;
};

}  // namespace onyxrt::runtime
