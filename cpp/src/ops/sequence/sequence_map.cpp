// SequenceMap-17: runs a body subgraph once per item of the first input sequence. Further inputs
// that are sequences (of the same length) contribute their i-th item; tensors go in whole every
// time. Output j is the sequence of the body's j-th outputs, in item order.
#include "ops/registry.h"
#include "ops/sequence/sequence_args.h"

namespace onyxrt::ops {
namespace {

class SequenceMap final : public OpKernel {
 public:
  explicit SequenceMap(const KernelInfo& info) : body_(info.compile_subgraph("body")) {
    if (info.input_count() == 0 || !info.has_input(0))
      info.fail(ErrorCode::InvalidGraph, "needs an input sequence");
    if (body_->inputs().size() != info.input_count())
      info.fail(ErrorCode::InvalidGraph, "the body takes ", body_->inputs().size(), " inputs but the node has ",
                info.input_count());
    if (body_->outputs().size() != info.output_count())
      info.fail(ErrorCode::InvalidGraph, "the body has ", body_->outputs().size(), " outputs but the node has ",
                info.output_count());
  }

  void compute(KernelContext& ctx) const override {
    const size_t count = input_sequence(ctx, 0).items().size();
    std::vector<const Value*> args(ctx.input_count());
    const Value none;
    for (size_t i = 0; i < args.size(); ++i) {
      args[i] = ctx.has_input(i) ? &ctx.input_value(i) : &none;
      if (args[i]->is_sequence() && args[i]->items().size() != count)
        ctx.fail(ErrorCode::InvalidArgument, "input sequence '", ctx.node().inputs[i], "' has ",
                 args[i]->items().size(), " items but '", ctx.node().inputs[0], "' has ", count);
    }

    std::vector<std::vector<Value>> results(body_->outputs().size());
    for (auto& r : results) r.reserve(count);
    std::vector<Value> inputs(args.size());
    for (size_t item = 0; item < count; ++item) {
      for (size_t i = 0; i < args.size(); ++i) inputs[i] = args[i]->is_sequence() ? args[i]->items()[item] : *args[i];
      std::vector<Value> outputs = ctx.run_subgraph(*body_, inputs);
      for (size_t j = 0; j < outputs.size(); ++j) {
        if (!outputs[j].is_tensor())
          ctx.fail(ErrorCode::InvalidArgument, "body output '", body_->outputs()[j].name, "' must be a tensor, got ",
                   describe_value(outputs[j]));
        results[j].push_back(std::move(outputs[j]));
      }
    }

    for (size_t j = 0; j < results.size(); ++j) {
      // An empty result keeps the type the body declares for that output.
      DataType type = results[j].empty() ? body_->outputs()[j].type.elem_type : results[j][0].tensor().dtype();
      ctx.set_output(j, Value::sequence(std::move(results[j]), type));
    }
  }

 private:
  std::unique_ptr<Subgraph> body_;
};

}  // namespace

void register_sequence_map(Registry& r) { r.add({"", "SequenceMap", 17, TypeSet::all(), make_kernel<SequenceMap>}); }

}  // namespace onyxrt::ops
