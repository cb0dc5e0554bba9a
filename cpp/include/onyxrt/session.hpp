#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "onyxrt/export.hpp"
#include "onyxrt/type_info.hpp"
#include "onyxrt/value.hpp"

namespace onyxrt {

enum class GraphOptimizationLevel : int { DisableAll = 0, Basic = 1, Extended = 2, All = 99 };
enum class ExecutionMode : int { Sequential = 0, Parallel = 1 };

struct SessionOptions {
  int intra_op_num_threads = 0;  // 0: follow the process's CPU affinity
  int inter_op_num_threads = 0;
  GraphOptimizationLevel graph_optimization_level = GraphOptimizationLevel::All;
  ExecutionMode execution_mode = ExecutionMode::Sequential;
  int log_severity_level = 2;
  bool enable_profiling = false;
  std::string profile_file_prefix = "onyxrt_profile";
  std::string optimized_model_filepath;
  // Recycle buffers across steps and runs (base/buffer_cache.h); off: every buffer comes from
  // and goes back to the system.
  bool enable_cpu_mem_arena = true;
  // Learn where each buffer of a run lives from the first run with a set of input shapes, and
  // serve later runs with those shapes from one block laid out that way (base/memory_pattern.h).
  bool enable_mem_pattern = true;
  std::map<std::string, std::string> config_entries;
};

struct ModelMetadata {
  std::string producer_name;
  std::string producer_version;
  std::string graph_name;
  std::string domain;
  std::string description;
  std::string graph_description;
  int64_t version = 0;
  int64_t ir_version = 0;
  std::map<std::string, std::string> custom_metadata_map;
  std::vector<std::pair<std::string, int64_t>> opset_imports;
};

class SessionImpl;

// A loaded, prepared model. Immutable after construction: run() may be called from many threads
// at once. Copies share the prepared model.
class ONYXRT_API Session {
 public:
  // Loads from a file (memory-mapped; external data resolved inside the file's folder).
  Session(const std::string& model_path, const SessionOptions& options = {});
  // Loads from bytes, which are copied. External data needs `external_data_folder`.
  Session(const void* model_bytes, size_t size, const SessionOptions& options = {},
          const std::string& external_data_folder = {});

  const std::vector<ValueInfo>& inputs() const;
  const std::vector<ValueInfo>& outputs() const;
  // Initializers that a feed of the same name may replace (ir_version >= 4 graphs).
  const std::vector<ValueInfo>& overridable_initializers() const;
  const ModelMetadata& metadata() const;

  // Runs the model. `output_names` empty means every graph output, in graph order.
  std::vector<Value> run(const std::vector<std::string>& input_names, const std::vector<Value>& inputs,
                         const std::vector<std::string>& output_names = {}) const;

  // With SessionOptions::enable_profiling: writes the profile (onnxruntime's JSON trace format:
  // session initialization, each run and each node's kernel time) to
  // "<profile_file_prefix>_<date>_<time>.json", stops profiling and returns the file's name;
  // "" when not profiling or already ended.
  std::string end_profiling() const;
  // When profiling started, in nanoseconds since the epoch; 0 when not profiling.
  uint64_t profiling_start_time_ns() const;

 private:
  std::shared_ptr<const SessionImpl> impl_;
};

ONYXRT_API const char* version();

}  // namespace onyxrt
