#pragma once

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/buffer_cache.h"
#include "base/memory_pattern.h"
#include "base/thread_pool.h"
#include "ir/graph.h"
#include "onyxrt/session.hpp"
#include "runtime/execution_plan.h"
#include "runtime/executor.h"
#include "runtime/profiler.h"

namespace onyxrt::runtime {

// load -> optimize -> prepare, once; then run() any number of times, from any thread.
class Session {
 public:
  Session(std::shared_ptr<ir::Model> model, const SessionOptions& options);

  const std::vector<ValueInfo>& inputs() const { return inputs_; }
  const std::vector<ValueInfo>& outputs() const { return outputs_; }
  const std::vector<ValueInfo>& overridable_initializers() const { return overridable_; }
  const ModelMetadata& metadata() const { return metadata_; }

  std::vector<Value> run(const std::vector<std::string>& input_names, const std::vector<Value>& inputs,
                         const std::vector<std::string>& output_names) const;

  // Profiling (SessionOptions::enable_profiling): writes the profile and stops recording,
  // returning the file's name; "" when the session does not profile or already wrote it.
  std::string end_profiling() const;
  uint64_t profiling_start_time_ns() const { return profiler_ ? profiler_->start_time_ns() : 0; }

 private:
  // Runs the plan under the session's limit, pool, buffer cache and memory pattern.
  void execute(RunContext& ctx, const std::vector<bool>& fed) const;

  struct FeedTarget {
    int32_t slot;
    const ValueInfo* info;
    bool required;
  };

  std::shared_ptr<ir::Model> model_;
  SessionOptions options_;
  int threads_ = 1;
  std::unique_ptr<ThreadPool> pool_;  // threads_ - 1 workers that sleep between runs; null at 1 thread
  std::unique_ptr<Profiler> profiler_;  // null unless SessionOptions::enable_profiling
  std::unique_ptr<BufferCache> buffers_;  // null when SessionOptions::enable_cpu_mem_arena is off
  std::unique_ptr<MemoryPatternCache> patterns_;  // null when SessionOptions::enable_mem_pattern is off
  size_t allocation_limit_ = 0;  // bytes, for any single buffer this session allocates
  std::string allocation_limit_source_;
  std::vector<ValueInfo> inputs_;
  std::vector<ValueInfo> outputs_;
  std::vector<ValueInfo> overridable_;
  ModelMetadata metadata_;
  ExecutionPlan plan_;
  std::unordered_map<std::string, FeedTarget> feed_targets_;
};

// Checks a feed against its declared type: kind, element type, rank and fixed dimensions.
// Throws Error(InvalidArgument) naming the input and both types / shapes.
void check_feed(const ValueInfo& declared, const Value& feed);

}  // namespace onyxrt::runtime
