// If: runs one of two subgraphs, chosen by a boolean scalar; its outputs become the node's.
// Versions 11..25 only widen what a branch may return (sequences from 13, optionals from 16):
// a branch's outputs are passed on as whatever values they are, so one kernel serves them all.
#include "ops/registry.h"
#include "ops/value_text.h"

namespace onyxrt::ops {
namespace {

// The condition: a one-element bool tensor (any rank: ONNX lets it be [1] as well as a scalar).
bool read_condition(const KernelContext& ctx) {
  const Value& v = ctx.input_value(0);
  if (!v.is_tensor() || v.tensor().dtype() != DataType::Bool || v.tensor().size() != 1)
    ctx.fail(ErrorCode::InvalidArgument, "condition '", ctx.node().inputs[0],
             "' must be a one-element bool tensor, got ", describe_value(v));
  return *v.tensor().data<bool>();
}

class If final : public OpKernel {
 public:
  explicit If(const KernelInfo& info)
      : then_branch_(info.compile_subgraph("then_branch")), else_branch_(info.compile_subgraph("else_branch")) {
    if (info.input_count() != 1 || !info.has_input(0))
      info.fail(ErrorCode::InvalidGraph, "takes exactly one input (the condition), got ", info.input_count());
    for (const auto* branch : {&then_branch_, &else_branch_}) {
      const char* name = branch == &then_branch_ ? "then_branch" : "else_branch";
      if (!(*branch)->inputs().empty())
        info.fail(ErrorCode::InvalidGraph, name, " declares ", (*branch)->inputs().size(),
                  " inputs; an If branch takes none");
      if ((*branch)->outputs().size() != info.output_count())
        info.fail(ErrorCode::InvalidGraph, name, " has ", (*branch)->outputs().size(), " outputs but the node has ",
                  info.output_count());
    }
  }

  void compute(KernelContext& ctx) const override {
    const Subgraph& branch = read_condition(ctx) ? *then_branch_ : *else_branch_;
    std::vector<Value> outputs = ctx.run_subgraph(branch, {});
    for (size_t i = 0; i < outputs.size(); ++i) ctx.set_output(i, std::move(outputs[i]));
  }

 private:
  std::unique_ptr<Subgraph> then_branch_;
  std::unique_ptr<Subgraph> else_branch_;
};

}  // namespace

void register_if(Registry& r) {
  // All element types: a non-bool condition is reported by the kernel as InvalidArgument.
  r.add({"", "If", 1, TypeSet::all(), make_kernel<If>});
}

}  // namespace onyxrt::ops
