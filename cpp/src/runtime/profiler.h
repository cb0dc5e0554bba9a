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
// events named "<node>_kernel_time" whose args carry op_name, provider, the inputs' and
// outputs' types and shapes and their sizes (activation_size, parameter_size, output_size), so
// tools that read onnxruntime profiles read these. Thread-safe.
class Profiler {
 public:
  using Clock = std::chrono::steady_clock;

  Profiler();

  // Wall-clock time the profile starts at, in nanoseconds since the epoch.
  uint64_t start_time_ns() const { return start_ns_; }

  void record_session(const char* name, Clock::time_point begin);
  // What a node reads, taken before it runs (a kernel may take over an input's buffer):
  // onnxruntime's "input_type_shape", and the bytes of its activations and of its parameters
  // (initializers).
  struct NodeInputs {
    std::string type_shapes;
    size_t activation_bytes = 0, parameter_bytes = 0;
  };
  static NodeInputs describe_inputs(const std::vector<const Value*>& inputs, const std::vector<bool>& is_parameter);
  void record_node(const ir::Node& node, Clock::time_point begin, const NodeInputs& inputs,
                   const std::vector<const Value*>& outputs);

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
