#pragma once

#include <vector>

#include "runtime/execution_plan.h"
#include "runtime/profiler.h"

namespace onyxrt::runtime {

// Per-run state: the value of every slot. One per run() call, so concurrent runs share nothing
// mutable.
struct RunContext {
  std::vector<Value> slots;
  int threads = 1;
  Profiler* profiler = nullptr;  // set when the session profiles: each step's time is recorded
};

// Runs the plan's steps in order over ctx.slots (constants and feeds already placed), releasing
// each intermediate after its last reader.
void execute_plan(const ExecutionPlan& plan, RunContext& ctx);

}  // namespace onyxrt::runtime
