#include "runtime/executor.h"

#include <new>

#include "base/error.h"

namespace onyxrt::runtime {
namespace {

void check_first_input_type(const Step& step, const RunContext& ctx) {
  if (step.inputs.empty() || step.inputs[0] < 0) return;
  const Value& v = ctx.slots[step.inputs[0]];
  if (!v.is_tensor() || step.def->types.contains(v.tensor().dtype())) return;
  fail(ErrorCode::NotImplemented, step.node->describe(), " (opset ", step.opset, "): input '", step.node->inputs[0],
       "' has element type ", data_type_name(v.tensor().dtype()), ", which this operator supports only for ",
       step.def->types.to_string());
}

}  // namespace

void execute_plan(const ExecutionPlan& plan, RunContext& ctx) {
  for (const Step& step : plan.steps) {
    check_first_input_type(step, ctx);
    ops::KernelContext kernel_ctx(*step.node, step.opset, ctx.slots.data(), step.inputs.data(), step.inputs.size(),
                                  step.outputs.data(), step.outputs.size(), ctx.threads);
    kernel_ctx.allow_in_place(step.in_place_inputs);
    Profiler::NodeInputs profiled_inputs;
    if (ctx.profiler != nullptr) {
      std::vector<const Value*> inputs;
      std::vector<bool> is_parameter;
      for (int32_t s : step.inputs) {
        inputs.push_back(s >= 0 ? &ctx.slots[s] : nullptr);
        is_parameter.push_back(s >= 0 && plan.is_constant[s]);
      }
      profiled_inputs = Profiler::describe_inputs(inputs, is_parameter);
    }
    const Profiler::Clock::time_point begin = ctx.profiler != nullptr ? Profiler::Clock::now() : Profiler::Clock::time_point();
    try {
      step.kernel->compute(kernel_ctx);
    } catch (const Error&) {
      throw;
    } catch (const std::bad_alloc&) {
      fail(ErrorCode::RuntimeException, step.node->describe(), ": out of memory");
    } catch (const std::exception& e) {
      fail(ErrorCode::RuntimeException, step.node->describe(), ": ", e.what());
    }
    if (ctx.profiler != nullptr) {
      std::vector<const Value*> outputs;
      for (int32_t s : step.outputs) outputs.push_back(s >= 0 ? &ctx.slots[s] : nullptr);
      ctx.profiler->record_node(*step.node, begin, profiled_inputs, outputs);
    }
    for (int32_t s : step.release_after) ctx.slots[s] = Value();
  }
}

}  // namespace onyxrt::runtime
