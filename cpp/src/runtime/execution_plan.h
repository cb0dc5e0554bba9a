#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "ir/graph.h"
#include "ops/registry.h"

namespace onyxrt::runtime {

// One node ready to run: its kernel and where its values live.
struct Step {
  const ir::Node* node = nullptr;
  int64_t opset = 0;
  const ops::KernelDef* def = nullptr;
  std::unique_ptr<ops::OpKernel> kernel;
  std::vector<int32_t> inputs;   // slot per input, -1 where omitted
  std::vector<int32_t> outputs;  // slot per output, -1 where omitted
  std::vector<int32_t> implicit_inputs;  // outer-scope slots its subgraphs read
  std::vector<int32_t> release_after;    // slots whose last reader is this step
  // Inputs (bit k: input k) whose buffers an output may take (KernelContext::output_in_place_of):
  // intermediates this step reads last, once, that are neither graph inputs nor outer values.
  uint32_t in_place_inputs = 0;
};

// A graph compiled for execution: every value named once gets a slot index, so a run looks up
// nothing by name. Built once per session; read-only afterwards.
struct ExecutionPlan {
  int32_t slot_count = 0;
  std::unordered_map<std::string, int32_t> slot_of;
  std::vector<std::pair<int32_t, Value>> constants;  // initializers and sparse initializers
  std::vector<bool> is_constant;                     // per slot: one of `constants`
  std::vector<Step> steps;                           // in execution order
  std::vector<int32_t> input_slots;                  // graph inputs, in order
  std::vector<int32_t> output_slots;                 // graph outputs, in order
  // For a subgraph: (own slot, enclosing slot) of each value read from an enclosing graph.
  std::vector<std::pair<int32_t, int32_t>> outer_bindings;
};

// Compiles `graph` with kernels from `registry`. `fed_names` are values supplied at run time
// (graph inputs, overridable initializers): kernels are never given those as constants to
// pre-pack. For a subgraph, `enclosing` maps the enclosing graph's value names to its slots;
// names the subgraph reads but does not define are bound to those (null for a main graph).
// `release`, when given, hears the name of each constant whose every reader keeps it in its own
// form (KernelInfo::release_constant) as soon as the last one is built: the plan already holds
// a data-less stand-in (type and shape) for it, and the owner of the graph may drop the data.
ExecutionPlan build_execution_plan(const ir::Model& model, const ir::Graph& graph, const ops::Registry& registry,
                                   const std::vector<std::string>& fed_names,
                                   const std::unordered_map<std::string, int32_t>* enclosing = nullptr,
                                   const std::function<void(const std::string& name)>& release = {});

}  // namespace onyxrt::runtime
