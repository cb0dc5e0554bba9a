// Loop: runs a body subgraph while a trip count and/or a condition allow, threading loop-carried
// values through iterations and stacking per-iteration scan outputs along a new first axis.
// Versions 11..25 widen the carried types (sequences from 13, optionals from 16) and the element
// types; carried values are passed on as whatever values they are, so one kernel serves them all.
#include <limits>

#include "ops/axis_copy.h"
#include "ops/registry.h"
#include "ops/value_text.h"

namespace onyxrt::ops {
namespace {

Tensor scalar_int64(int64_t v) {
  Tensor t(DataType::Int64, {});
  *t.data<int64_t>() = v;
  return t;
}

Tensor scalar_bool(bool v) {
  Tensor t(DataType::Bool, {});
  *t.data<bool>() = v;
  return t;
}

bool read_bool(const KernelContext& ctx, const Value& v, const std::string& what) {
  if (!v.is_tensor() || v.tensor().dtype() != DataType::Bool || v.tensor().size() != 1)
    ctx.fail(ErrorCode::InvalidArgument, what, " must be a one-element bool tensor, got ", describe_value(v));
  return *v.tensor().data<bool>();
}

class Loop final : public OpKernel {
 public:
  explicit Loop(const KernelInfo& info) : body_(info.compile_subgraph("body")) {
    if (info.input_count() < 2)
      info.fail(ErrorCode::InvalidGraph, "has ", info.input_count(),
                " inputs; it needs at least 2 (trip count M and condition, either may be empty)");
    carried_count_ = info.input_count() - 2;
    if (body_->inputs().size() != info.input_count())
      info.fail(ErrorCode::InvalidGraph, "the body takes ", body_->inputs().size(), " inputs but the node has ",
                info.input_count(), " (the body needs iteration number, condition and each loop-carried value)");
    if (body_->outputs().size() < 1 + carried_count_)
      info.fail(ErrorCode::InvalidGraph, "the body has ", body_->outputs().size(), " outputs; it needs at least ",
                1 + carried_count_, " (condition and each loop-carried value)");
    scan_count_ = body_->outputs().size() - 1 - carried_count_;
    if (info.output_count() > carried_count_ + scan_count_)
      info.fail(ErrorCode::InvalidGraph, "the node has ", info.output_count(), " outputs but the body yields ",
                carried_count_ + scan_count_, " (", carried_count_, " loop-carried, ", scan_count_, " scan outputs)");
  }

  void compute(KernelContext& ctx) const override {
    int64_t max_trips = std::numeric_limits<int64_t>::max();
    if (ctx.has_input(0)) {
      const Value& m = ctx.input_value(0);
      if (!m.is_tensor() || m.tensor().dtype() != DataType::Int64 || m.tensor().size() != 1)
        ctx.fail(ErrorCode::InvalidArgument, "trip count M must be a one-element int64 tensor, got ",
                 describe_value(m));
      max_trips = *m.tensor().data<int64_t>();
    }
    bool keep_going = ctx.has_input(1) ? read_bool(ctx, ctx.input_value(1), "condition") : true;

    // A carried value may be an empty optional (Loop-16): it travels as a None value.
    std::vector<Value> carried;
    for (size_t i = 0; i < carried_count_; ++i)
      carried.push_back(ctx.has_input(2 + i) ? ctx.input_value(2 + i) : Value());
    // Per-iteration scan values grow with the iterations actually run, never with M.
    std::vector<std::vector<Tensor>> scans(scan_count_);

    std::vector<Value> inputs(2 + carried_count_);
    for (int64_t i = 0; i < max_trips && keep_going; ++i) {
      inputs[0] = Value(scalar_int64(i));
      inputs[1] = Value(scalar_bool(keep_going));
      for (size_t k = 0; k < carried_count_; ++k) inputs[2 + k] = std::move(carried[k]);
      std::vector<Value> outputs = ctx.run_subgraph(*body_, inputs);
      keep_going = read_bool(ctx, outputs[0], "the body's condition output '" + body_->outputs()[0].name + "'");
      for (size_t k = 0; k < carried_count_; ++k) carried[k] = std::move(outputs[1 + k]);
      for (size_t k = 0; k < scan_count_; ++k) collect_scan_value(ctx, k, outputs[1 + carried_count_ + k], scans[k]);
    }
    for (size_t k = 0; k < carried_count_; ++k) ctx.set_output(k, std::move(carried[k]));
    for (size_t k = 0; k < scan_count_; ++k) {
      const ValueInfo& declared = body_->outputs()[1 + carried_count_ + k];
      Shape empty_shape;  // zero iterations: the declared item shape, unknown dims as 0
      for (const Dim& d : declared.type.dims) empty_shape.push_back(d.is_fixed() ? d.value : 0);
      DataType empty_type = declared.type.elem_type == DataType::Undefined ? DataType::Float : declared.type.elem_type;
      ctx.set_output(carried_count_ + k, stack_along_new_axis(scans[k], 0, empty_shape, empty_type));
    }
  }

 private:
  void collect_scan_value(const KernelContext& ctx, size_t k, const Value& v, std::vector<Tensor>& items) const {
    const std::string& name = body_->outputs()[1 + carried_count_ + k].name;
    if (!v.is_tensor())
      ctx.fail(ErrorCode::InvalidArgument, "scan output '", name, "' must be a tensor, got ", describe_value(v));
    const Tensor& t = v.tensor();
    if (!items.empty() && (t.shape() != items[0].shape() || t.dtype() != items[0].dtype()))
      ctx.fail(ErrorCode::InvalidArgument, "scan output '", name, "' changes between iterations: ",
               describe_value(Value(items[0])), " then ", describe_value(v));
    items.push_back(t);
  }

  std::unique_ptr<Subgraph> body_;
  size_t carried_count_ = 0;
  size_t scan_count_ = 0;
};

}  // namespace

void register_loop(Registry& r) {
  r.add({"", "Loop", 1, TypeSet::all(), make_kernel<Loop>});
}

}  // namespace onyxrt::ops
