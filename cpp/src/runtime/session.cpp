#include "runtime/session.h"

#include <cstdio>
#include <optional>
#include <unordered_set>

#include "base/allocator.h"
#include "base/error.h"
#include "base/parallel.h"
#include "format/onnx_writer.h"
#include "ir/inline_functions.h"
#include "optimizer/pass_manager.h"
#include "runtime/executor.h"
#include "runtime/opset_check.h"

namespace onyxrt::runtime {
namespace {

ModelMetadata metadata_of(const ir::Model& model) {
  ModelMetadata m;
  m.producer_name = model.producer_name;
  m.producer_version = model.producer_version;
  m.graph_name = model.graph.name;
  m.domain = model.domain;
  m.description = model.doc_string;
  m.graph_description = model.graph.doc_string;
  m.version = model.model_version;
  m.ir_version = model.ir_version;
  for (const auto& [key, value] : model.metadata_props) m.custom_metadata_map[key] = value;
  for (const ir::OpsetImport& o : model.opset_imports)
    m.opset_imports.emplace_back(o.domain.empty() ? "ai.onnx" : o.domain, o.version);
  return m;
}

std::string names_text(const std::vector<ValueInfo>& infos) {
  std::string s;
  for (const ValueInfo& v : infos) s += (s.empty() ? "'" : ", '") + v.name + "'";
  return s.empty() ? "none" : s;
}

// The config entry that caps a single allocation of this session (bytes, a positive integer).
constexpr const char* kMaxAllocationKey = "onyxrt.max_allocation_bytes";

// A config entry holding a byte count (decimal digits only); fails naming the key otherwise.
size_t byte_count_entry(const char* key, const std::string& text, bool zero_allowed) {
  size_t used = 0;
  unsigned long long bytes = 0;
  try {
    bytes = std::stoull(text, &used, 10);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != text.size() || text[0] == '-' || (bytes == 0 && !zero_allowed))
    fail(ErrorCode::InvalidArgument, "session config entry '", key, "' must be a ", zero_allowed ? "" : "positive ",
         "number of bytes, got '", text, "'");
  return static_cast<size_t>(bytes);
}

size_t allocation_limit_from(const SessionOptions& options) {
  auto it = options.config_entries.find(kMaxAllocationKey);
  if (it == options.config_entries.end()) return default_allocation_limit();
  return byte_count_entry(kMaxAllocationKey, it->second, false);
}

// Opt-in until the blocked kernels win on whole models: ResNet-50 at 1 thread measured 44 ms in
// NCHW against 58 ms blocked (its 3x3 stride-1 layers lose Winograd, 14x14 and 7x7 grids fill
// few positions per tile); docs/performance.md has the per-layer figures.
constexpr const char* kChannelBlockedLayoutKey = "onyxrt.channel_blocked_layout";

bool channel_blocked_layout_requested(const SessionOptions& options) {
  auto it = options.config_entries.find(kChannelBlockedLayoutKey);
  if (it == options.config_entries.end() || it->second == "0") return false;
  if (it->second == "1") return true;
  fail(ErrorCode::InvalidArgument, "session config entry '", kChannelBlockedLayoutKey, "' must be '0' or '1', got '",
       it->second, "'");
}

// onnxruntime's config entries for where the optimized model's large initializers go.
constexpr const char* kOptimizedDataFileKey = "session.optimized_model_external_initializers_file_name";
constexpr const char* kOptimizedDataMinBytesKey = "session.optimized_model_external_initializers_min_size_in_bytes";

format::ModelWriteOptions optimized_model_write_options(const SessionOptions& options) {
  format::ModelWriteOptions write;
  auto file = options.config_entries.find(kOptimizedDataFileKey);
  if (file != options.config_entries.end()) write.external_data_file = file->second;
  auto min_bytes = options.config_entries.find(kOptimizedDataMinBytesKey);
  if (min_bytes != options.config_entries.end())
    write.external_min_bytes = byte_count_entry(kOptimizedDataMinBytesKey, min_bytes->second, true);
  return write;
}

}  // namespace

Session::Session(std::shared_ptr<ir::Model> model, const SessionOptions& options)
    : model_(std::move(model)), options_(options) {
  if (!model_) fail(ErrorCode::NoModel, "no model to run");
  const Profiler::Clock::time_point initialization_begin = Profiler::Clock::now();
  if (options.enable_profiling) profiler_ = std::make_unique<Profiler>();
  allocation_limit_ = allocation_limit_from(options);
  allocation_limit_source_ = options.config_entries.count(kMaxAllocationKey)
                                 ? std::string("session config entry '") + kMaxAllocationKey + "'"
                                 : "the default limit, half of this process's memory; raise it with session config entry '" +
                                       std::string(kMaxAllocationKey) + "'";
  const ScopedAllocationLimit limit(allocation_limit_, allocation_limit_source_.c_str());
  threads_ = options.intra_op_num_threads > 0 ? options.intra_op_num_threads : available_cpu_count();
  if (threads_ > 1) pool_ = std::make_unique<ThreadPool>(threads_);
  if (options.enable_cpu_mem_arena) buffers_ = std::make_unique<BufferCache>();
  if (options.enable_mem_pattern) patterns_ = std::make_unique<MemoryPatternCache>();
  const ScopedThreadPool use_pool(pool_.get());  // constant folding runs kernels too
  ir::inline_model_functions(*model_);  // before anything looks for the calls' kernels
  check_opset_imports(*model_);
  optimizer::optimize_graph(*model_, options.graph_optimization_level, [&](const char* rule, int rewrites) {
    // Severity 0/1 (verbose/info) says which rules changed the graph, as onnxruntime's
    // transformer log does.
    if (options.log_severity_level <= 1)
      std::fprintf(stderr, "[onyxrt] optimizer rule '%s' made %d rewrite(s)\n", rule, rewrites);
  });
  // As onnxruntime: the graph as the rules left it, before the plan is built.
  if (!options.optimized_model_filepath.empty())
    format::save_model_file(*model_, options.optimized_model_filepath, optimized_model_write_options(options));
  if (options.graph_optimization_level == GraphOptimizationLevel::All && channel_blocked_layout_requested(options)) {
    const int converted = optimizer::layout_blocked(*model_);
    if (converted > 0 && options.log_severity_level <= 1)
      std::fprintf(stderr, "[onyxrt] layout stage put %d convolution(s) in the channel-blocked layout\n", converted);
  }
  const ir::Graph& graph = model_->graph;
  std::unordered_set<std::string> initializer_names;
  for (const ir::NamedTensor& t : graph.initializers) initializer_names.insert(t.name);
  for (const ir::NamedSparseTensor& t : graph.sparse_initializers) initializer_names.insert(t.name);

  // Since IR version 4 an initializer listed as a graph input is a default a feed may replace;
  // before that, initializers had to be listed as inputs and are constants.
  std::vector<std::string> fed_names;
  std::unordered_set<std::string> seen_inputs;
  for (const ValueInfo& in : graph.inputs) {
    if (!seen_inputs.insert(in.name).second)
      fail(ErrorCode::InvalidGraph, "graph input '", in.name, "' is declared twice");
    if (!initializer_names.count(in.name)) {
      inputs_.push_back(in);
      fed_names.push_back(in.name);
    } else if (model_->ir_version >= 4) {
      overridable_.push_back(in);
      fed_names.push_back(in.name);
    }
  }
  outputs_ = graph.outputs;
  metadata_ = metadata_of(*model_);
  // A weight every reader has packed is dropped from the model as soon as the last one is built,
  // so that the originals and the packed copies are never all resident at once.
  std::unordered_map<std::string, size_t> initializer_index;
  for (size_t i = 0; i < graph.initializers.size(); ++i) initializer_index.emplace(graph.initializers[i].name, i);
  plan_ = build_execution_plan(*model_, graph, ops::builtin_registry(), fed_names, nullptr,
                               [&](const std::string& name) {
                                 auto it = initializer_index.find(name);
                                 if (it == initializer_index.end()) return;
                                 Tensor& t = model_->graph.initializers[it->second].tensor;
                                 t = Tensor(t.dtype(), t.shape(), nullptr, nullptr);
                               });

  for (const ValueInfo& in : inputs_) feed_targets_[in.name] = {plan_.slot_of.at(in.name), &in, true};
  for (const ValueInfo& in : overridable_) feed_targets_[in.name] = {plan_.slot_of.at(in.name), &in, false};
  if (profiler_) profiler_->record_session("session_initialization", initialization_begin);
}

std::string Session::end_profiling() const {
  if (!profiler_ || profiler_->finished()) return "";
  return profiler_->finish(options_.profile_file_prefix);
}

std::vector<Value> Session::run(const std::vector<std::string>& input_names, const std::vector<Value>& inputs,
                                const std::vector<std::string>& output_names) const {
  if (input_names.size() != inputs.size())
    fail(ErrorCode::InvalidArgument, "got ", input_names.size(), " input names but ", inputs.size(), " input values");
  const Profiler::Clock::time_point run_begin = Profiler::Clock::now();
  const ScopedPoolRun awake(pool_.get());  // the workers wake while the feeds are checked
  RunContext ctx;
  ctx.threads = threads_;
  ctx.profiler = profiler_ && !profiler_->finished() ? profiler_.get() : nullptr;
  ctx.slots.resize(plan_.slot_count);
  for (const auto& [slot, value] : plan_.constants) ctx.slots[slot] = value;

  std::vector<bool> fed(plan_.slot_count, false);
  for (size_t i = 0; i < inputs.size(); ++i) {
    auto it = feed_targets_.find(input_names[i]);
    if (it == feed_targets_.end())
      fail(ErrorCode::InvalidArgument, "invalid input name '", input_names[i], "': the model's inputs are ",
           names_text(inputs_));
    const FeedTarget& target = it->second;
    if (fed[target.slot]) fail(ErrorCode::InvalidArgument, "input '", input_names[i], "' is fed twice");
    check_feed(*target.info, inputs[i]);
    ctx.slots[target.slot] = inputs[i];
    fed[target.slot] = true;
  }
  std::string missing;
  for (const ValueInfo& in : inputs_)
    if (!fed[plan_.slot_of.at(in.name)]) missing += (missing.empty() ? "'" : ", '") + in.name + "'";
  if (!missing.empty()) fail(ErrorCode::InvalidArgument, "missing input(s) ", missing, ": every model input must be fed");

  std::vector<int32_t> wanted;
  if (output_names.empty()) {
    wanted = plan_.output_slots;
  } else {
    for (const std::string& name : output_names) {
      size_t k = 0;
      while (k < outputs_.size() && outputs_[k].name != name) ++k;
      if (k == outputs_.size())
        fail(ErrorCode::InvalidArgument, "invalid output name '", name, "': the model's outputs are ",
             names_text(outputs_));
      wanted.push_back(plan_.output_slots[k]);
    }
  }

  execute(ctx, fed);

  if (ctx.profiler != nullptr) ctx.profiler->record_session("model_run", run_begin);
  std::vector<Value> results;
  results.reserve(wanted.size());
  for (int32_t s : wanted) results.push_back(ctx.slots[s]);
  return results;
}

namespace {

// What a memory pattern is learnt for: each fed tensor's slot, element type and shape. None when
// a feed is not a tensor (a sequence's buffers vary with its items).
std::optional<std::vector<int64_t>> shape_set_of(const RunContext& ctx, const std::vector<bool>& fed) {
  std::vector<int64_t> key;
  for (size_t slot = 0; slot < fed.size(); ++slot) {
    if (!fed[slot]) continue;
    const Value& value = ctx.slots[slot];
    if (!value.is_tensor()) return std::nullopt;
    const Tensor& t = value.tensor();
    key.push_back(static_cast<int64_t>(slot));
    key.push_back(static_cast<int64_t>(t.dtype()));
    key.push_back(static_cast<int64_t>(t.rank()));
    key.insert(key.end(), t.shape().begin(), t.shape().end());
  }
  return key;
}

}  // namespace

void Session::execute(RunContext& ctx, const std::vector<bool>& fed) const {
  const ScopedAllocationLimit limit(allocation_limit_, allocation_limit_source_.c_str());
  const ScopedThreadPool use_pool(pool_.get());
  const ScopedBufferCache use_buffers(buffers_.get());
  std::optional<std::vector<int64_t>> shape_set;
  MemoryPatternCache::Lookup lookup;
  if (patterns_) shape_set = shape_set_of(ctx, fed);
  if (shape_set) lookup = patterns_->find(*shape_set);
  {
    std::optional<RunArena> arena;
    if (lookup.action != MemoryPatternCache::Action::None) arena.emplace(lookup.pattern, &allocate_unplanned);
    const ScopedRunArena use_arena(arena ? &*arena : nullptr);
    execute_plan(plan_, ctx);
    if (lookup.action == MemoryPatternCache::Action::Trace) {
      std::shared_ptr<const MemoryPattern> pattern =
          plan_memory_pattern(arena->finish_trace(), kBufferAlignment, allocation_limit_);
      // The buffers this run left idle in the cache would sit beside the block the next runs take
      // (mobilenetv2 at batch 8: a peak of 214 MiB against 168 without patterns).
      if (pattern && buffers_) buffers_->release_idle();
      patterns_->learnt(*shape_set, std::move(pattern));
    } else if (lookup.action == MemoryPatternCache::Action::Replay && !arena->followed_pattern()) {
      patterns_->strayed(*shape_set);
    }
  }
  if (buffers_) buffers_->end_run();
}

}  // namespace onyxrt::runtime
