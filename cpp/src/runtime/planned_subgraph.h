#pragma once

#include <vector>

#include "ops/subgraph.h"
#include "runtime/execution_plan.h"

namespace onyxrt::runtime {

// A subgraph compiled into its own execution plan; each run gets its own slots.
class PlannedSubgraph : public ops::Subgraph {
 public:
  PlannedSubgraph(const ir::Graph& graph, ExecutionPlan plan);

  const std::vector<ValueInfo>& inputs() const override { return graph_.inputs; }
  const std::vector<ValueInfo>& outputs() const override { return graph_.outputs; }
  std::vector<Value> run(const std::vector<Value>& inputs, const Value* enclosing_slots, int threads) const override;

 private:
  const ir::Graph& graph_;  // owned by the model, which outlives the session's plans
  ExecutionPlan plan_;
};

}  // namespace onyxrt::runtime
