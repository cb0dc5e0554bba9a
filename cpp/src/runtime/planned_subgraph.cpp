#include "runtime/planned_subgraph.h"

#include "base/error.h"
#include "runtime/executor.h"

namespace onyxrt::runtime {

PlannedSubgraph::PlannedSubgraph(const ir::Graph& graph, ExecutionPlan plan) : graph_(graph), plan_(std::move(plan)) {}

std::vector<Value> PlannedSubgraph::run(const std::vector<Value>& inputs, const Value* enclosing_slots,
                                        int threads) const {
  if (inputs.size() != plan_.input_slots.size())
    fail(ErrorCode::InvalidArgument, "subgraph '", graph_.name, "' takes ", plan_.input_slots.size(),
         " inputs but was given ", inputs.size());
  RunContext ctx;
  ctx.threads = threads;
  ctx.slots.resize(plan_.slot_count);
  for (const auto& [slot, value] : plan_.constants) ctx.slots[slot] = value;
  for (const auto& [own, outer] : plan_.outer_bindings) ctx.slots[own] = enclosing_slots[outer];
  for (size_t i = 0; i < inputs.size(); ++i) ctx.slots[plan_.input_slots[i]] = inputs[i];
  execute_plan(plan_, ctx);
  std::vector<Value> outputs;
  outputs.reserve(plan_.output_slots.size());
  for (int32_t s : plan_.output_slots) outputs.push_back(ctx.slots[s]);
  return outputs;
}

}  // namespace onyxrt::runtime
