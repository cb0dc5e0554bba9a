// If: runs one of two subgraphs, chosen by a boolean scalar; its outputs become the node's.
#include "ops/registry.h"

namespace onyxrt::ops {
namespace {

// True when a one-element condition tensor holds a non-zero value.
bool read_condition(const KernelContext& ctx, const Tensor& cond) {
  if (cond.size() != 1) ctx.fail(ErrorCode::InvalidArgument, "condition must hold one element, got shape ",
                                 shape_to_string(cond.shape()));
  return *cond.data<bool>();
}

class If final : public OpKernel {
 public:
  explicit If(const KernelInfo& info)
      : then_branch_(info.compile_subgraph("then_branch")), else_branch_(info.compile_subgraph("else_branch")) {
    for (const Subgraph* branch : {then_branch_.get(), else_branch_.get()})
      if (branch->outputs().size() != info.output_count())
        info.fail(ErrorCode::InvalidGraph, "a branch has ", branch->outputs().size(), " outputs but the node has ",
                  info.output_count());
  }

  void compute(KernelContext& ctx) const override {
    const Subgraph& branch = read_condition(ctx, ctx.input(0)) ? *then_branch_ : *else_branch_;
    std::vector<Value> outputs = ctx.run_subgraph(branch, {});
    for (size_t i = 0; i < outputs.size(); ++i) ctx.set_output(i, std::move(outputs[i]));
  }

 private:
  std::unique_ptr<Subgraph> then_branch_;
  std::unique_ptr<Subgraph> else_branch_;
};

}  // namespace

void register_if(Registry& r) {
  // Later versions only widen the branch output types; the semantics are unchanged.
  r.add({"", "If", 1, TypeSet{DataType::Bool}, make_kernel<If>});
}

}  // namespace onyxrt::ops
