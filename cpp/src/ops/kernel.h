#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "base/error.h"
#include "ir/graph.h"
#include "onyxrt/value.hpp"
#include "ops/subgraph.h"

namespace onyxrt::ops {

// What a kernel's constructor may read: the node, its attributes, the opset it runs under, and
// the inputs that are constant for the session (initializers no feed can override), for
// pre-packing. Attribute getters check the attribute's type and fail naming the node.
class KernelInfo {
 public:
  // static_shapes[i]: what the session knows of input i's shape before any run (each dim a size,
  // or -1), or null when not even the rank is known; may be shorter than the inputs.
  KernelInfo(const ir::Node& node, int64_t opset, std::vector<const Tensor*> constant_inputs,
             const SubgraphCompiler* subgraph_compiler = nullptr,
             std::vector<const std::vector<int64_t>*> static_shapes = {})
      : node_(node),
        opset_(opset),
        constant_inputs_(std::move(constant_inputs)),
        subgraph_compiler_(subgraph_compiler),
        static_shapes_(std::move(static_shapes)) {}

  const ir::Node& node() const { return node_; }
  int64_t opset() const { return opset_; }
  size_t input_count() const { return node_.inputs.size(); }
  size_t output_count() const { return node_.outputs.size(); }
  bool has_input(size_t i) const { return i < node_.inputs.size() && !node_.inputs[i].empty(); }
  bool has_output(size_t i) const { return i < node_.outputs.size() && !node_.outputs[i].empty(); }
  // The input's value when it is a session constant, else null. Valid during construction:
  // a kernel that keeps it copies the Tensor (a cheap, shared handle) or packs it.
  const Tensor* constant_input(size_t i) const { return i < constant_inputs_.size() ? constant_inputs_[i] : nullptr; }
  // Says that the kernel keeps constant input i in its own form (pre-packed) and reads only its
  // element type and shape at run time: when every reader says so, the session frees the data.
  void release_constant(size_t i) const {
    if (i >= constant_inputs_.size() || constant_inputs_[i] == nullptr) return;
    released_.resize(constant_inputs_.size());
    released_[i] = true;
  }
  bool constant_released(size_t i) const { return i < released_.size() && released_[i]; }
  // Input i's shape as known before any run (dims of -1 unknown), or null. A hint for choosing a
  // kernel's form (a weight layout), never for correctness: runs see and check the real shapes.
  const std::vector<int64_t>* static_input_shape(size_t i) const {
    return i < static_shapes_.size() ? static_shapes_[i] : nullptr;
  }

  bool has_attr(const std::string& name) const { return node_.find_attribute(name) != nullptr; }
  int64_t attr_int(const std::string& name, int64_t fallback) const;
  float attr_float(const std::string& name, float fallback) const;
  std::string attr_string(const std::string& name, const std::string& fallback) const;
  std::vector<int64_t> attr_ints(const std::string& name, std::vector<int64_t> fallback = {}) const;
  std::vector<float> attr_floats(const std::string& name, std::vector<float> fallback = {}) const;
  std::vector<std::string> attr_strings(const std::string& name, std::vector<std::string> fallback = {}) const;
  const Tensor* attr_tensor(const std::string& name) const;  // null when absent
  const ir::Graph* attr_graph(const std::string& name) const;  // null when absent
  // Compiles the GRAPH attribute `name` (If branches, Loop/Scan bodies); fails when missing.
  std::unique_ptr<Subgraph> compile_subgraph(const std::string& name) const;
  // The required forms fail with InvalidGraph when the attribute is missing.
  int64_t required_int(const std::string& name) const;
  std::vector<int64_t> required_ints(const std::string& name) const;
  const Tensor& required_tensor(const std::string& name) const;

  // Throws Error(code) with the node named first: "Conv node 'c1' (opset 13): <message>".
  template <typename... Parts>
  [[noreturn]] void fail(ErrorCode code, Parts&&... parts) const {
    onyxrt::fail(code, node_.describe(), " (opset ", opset_, "): ", std::forward<Parts>(parts)...);
  }

 private:
  const ir::Attribute* typed_attr(const std::string& name, ir::AttrType type) const;

  const ir::Node& node_;
  int64_t opset_;
  std::vector<const Tensor*> constant_inputs_;
  const SubgraphCompiler* subgraph_compiler_;
  std::vector<const std::vector<int64_t>*> static_shapes_;
  mutable std::vector<bool> released_;
};

// One node's view of a run: its inputs and outputs in the run's value slots. Built by the
// executor per node per run; kernels read inputs and ask it for outputs.
class KernelContext {
 public:
  KernelContext(const ir::Node& node, int64_t opset, Value* slots, const int32_t* input_slots, size_t input_count,
                const int32_t* output_slots, size_t output_count, int threads)
      : node_(node),
        opset_(opset),
        slots_(slots),
        input_slots_(input_slots),
        input_count_(input_count),
        output_slots_(output_slots),
        output_count_(output_count),
        threads_(threads) {}

  size_t input_count() const { return input_count_; }
  size_t output_count() const { return output_count_; }
  // True when input i was given and holds a value (not an omitted optional, not a None optional).
  bool has_input(size_t i) const { return i < input_count_ && input_slots_[i] >= 0 && !slots_[input_slots_[i]].is_none(); }
  bool has_output(size_t i) const { return i < output_count_ && output_slots_[i] >= 0; }
  // Fails naming the node when the input is missing or is not a tensor.
  const Tensor& input(size_t i) const;
  const Value& input_value(size_t i) const;

  // Allocates output i with this type and shape, not cleared: the kernel writes every element
  // (ONYXRT_POISON_UNINITIALIZED=1 makes a test run catch one that does not). An omitted
  // optional output still gets a buffer, so kernels need not special-case it.
  Tensor& output(size_t i, DataType type, Shape shape);
  // Sets output i to an existing value (sharing storage: Identity, Reshape).
  void set_output(size_t i, Value value);
  // Output i in the buffer of input `input` when the plan lets that input go here (an
  // intermediate whose last reader is this node: allow_in_place), nothing else holds its buffer
  // and type and byte count match; else as output(). For kernels that have read all they need
  // of the input's element j before writing element j (elementwise ops), so the input need not
  // be copied and its buffer, still in cache, is not left idle.
  Tensor& output_in_place_of(size_t input, size_t i, DataType type, Shape shape);
  // The inputs (bit k: input k) the executor lets output_in_place_of take.
  void allow_in_place(uint32_t inputs) { in_place_inputs_ = inputs; }

  int threads() const { return threads_; }
  const ir::Node& node() const { return node_; }
  // Runs a subgraph of this node; its outer-scope reads see this run's values.
  std::vector<Value> run_subgraph(const Subgraph& body, const std::vector<Value>& inputs) const {
    return body.run(inputs, slots_, threads_);
  }

  template <typename... Parts>
  [[noreturn]] void fail(ErrorCode code, Parts&&... parts) const {
    onyxrt::fail(code, node_.describe(), " (opset ", opset_, "): ", std::forward<Parts>(parts)...);
  }

 private:
  const ir::Node& node_;
  int64_t opset_;
  Value* slots_;
  const int32_t* input_slots_;
  size_t input_count_;
  const int32_t* output_slots_;
  size_t output_count_;
  int threads_;
  uint32_t in_place_inputs_ = 0;
  std::deque<Value> discarded_;  // outputs the graph does not use; a deque keeps references stable
};

class OpKernel {
 public:
  virtual ~OpKernel() = default;
  // Reads inputs and writes outputs through ctx; const so one kernel serves concurrent runs.
  virtual void compute(KernelContext& ctx) const = 0;
};

}  // namespace onyxrt::ops
