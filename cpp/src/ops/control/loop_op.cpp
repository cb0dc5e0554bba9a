// Loop: runs a body subgraph while a trip count and/or a condition allow, threading loop-carried
// values through iterations and stacking per-iteration scan outputs along a new first axis.
#include <cstring>
#include <limits>

#include "ops/registry.h"

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

bool read_bool(const KernelContext& ctx, const Value& v, const char* what) {
  if (!v.is_tensor() || v.tensor().dtype() != DataType::Bool || v.tensor().size() != 1)
    ctx.fail(ErrorCode::InvalidArgument, what, " must be a one-element bool tensor");
  return *v.tensor().data<bool>();
}

// Stacks equally shaped tensors along a new axis 0; `declared` gives the per-item shape when
// there is no item (zero iterations), with unknown dimensions as 0.
Tensor stack(const KernelContext& ctx, const std::vector<Tensor>& items, const ValueInfo& declared) {
  Shape item_shape;
  DataType type = declared.type.elem_type;
  if (!items.empty()) {
    item_shape = items[0].shape();
    type = items[0].dtype();
  } else {
    for (const Dim& d : declared.type.dims) item_shape.push_back(d.is_fixed() ? d.value : 0);
  }
  if (type == DataType::Undefined) type = DataType::Float;
  Shape shape{static_cast<int64_t>(items.size())};
  shape.insert(shape.end(), item_shape.begin(), item_shape.end());
  Tensor out(type, shape);
  int64_t per_item = shape_size(item_shape);
  for (size_t i = 0; i < items.size(); ++i) {
    if (items[i].shape() != item_shape || items[i].dtype() != type)
      ctx.fail(ErrorCode::InvalidArgument, "scan output '", declared.name, "' changes shape or type between iterations: ",
               shape_to_string(item_shape), " then ", shape_to_string(items[i].shape()));
    if (type == DataType::String) {
      const auto* src = items[i].data<std::string>();
      std::copy(src, src + per_item, out.data<std::string>() + i * per_item);
    } else {
      size_t bytes = items[i].nbytes();
      std::memcpy(static_cast<uint8_t*>(out.raw()) + i * bytes, items[i].raw(), bytes);
    }
  }
  return out;
}

class Loop final : public OpKernel {
 public:
  explicit Loop(const KernelInfo& info) : body_(info.compile_subgraph("body")) {
    carried_count_ = info.input_count() >= 2 ? info.input_count() - 2 : 0;
    if (info.input_count() < 2 || body_->inputs().size() != info.input_count())
      info.fail(ErrorCode::InvalidGraph, "the body takes ", body_->inputs().size(), " inputs but the node has ",
                info.input_count(), " (the body needs iteration number, condition and each loop-carried value)");
    if (body_->outputs().size() < 1 + carried_count_)
      info.fail(ErrorCode::InvalidGraph, "the body has ", body_->outputs().size(), " outputs; it needs at least ",
                1 + carried_count_, " (condition and each loop-carried value)");
    scan_count_ = body_->outputs().size() - 1 - carried_count_;
    if (info.output_count() > carried_count_ + scan_count_)
      info.fail(ErrorCode::InvalidGraph, "the node has ", info.output_count(), " outputs but the body yields ",
                carried_count_ + scan_count_);
  }

  void compute(KernelContext& ctx) const override {
    int64_t max_trips = std::numeric_limits<int64_t>::max();
    if (ctx.has_input(0)) {
      const Tensor& m = ctx.input(0);
      if (m.dtype() != DataType::Int64 || m.size() != 1)
        ctx.fail(ErrorCode::InvalidArgument, "trip count M must be a one-element int64 tensor");
      max_trips = *m.data<int64_t>();
    }
    bool keep_going = ctx.has_input(1) ? read_bool(ctx, ctx.input_value(1), "condition") : true;

    std::vector<Value> carried;
    for (size_t i = 0; i < carried_count_; ++i) carried.push_back(ctx.input_value(2 + i));
    std::vector<std::vector<Tensor>> scans(scan_count_);

    for (int64_t i = 0; i < max_trips && keep_going; ++i) {
      std::vector<Value> inputs{Value(scalar_int64(i)), Value(scalar_bool(keep_going))};
      inputs.insert(inputs.end(), carried.begin(), carried.end());
      std::vector<Value> outputs = ctx.run_subgraph(*body_, inputs);
      keep_going = read_bool(ctx, outputs[0], "the body's condition output");
      for (size_t k = 0; k < carried_count_; ++k) carried[k] = std::move(outputs[1 + k]);
      for (size_t k = 0; k < scan_count_; ++k) {
        const Value& v = outputs[1 + carried_count_ + k];
        if (!v.is_tensor()) ctx.fail(ErrorCode::InvalidArgument, "scan output ", k, " is not a tensor");
        scans[k].push_back(v.tensor());
      }
    }
    for (size_t k = 0; k < carried_count_; ++k) ctx.set_output(k, std::move(carried[k]));
    for (size_t k = 0; k < scan_count_; ++k)
      ctx.set_output(carried_count_ + k, stack(ctx, scans[k], body_->outputs()[1 + carried_count_ + k]));
  }

 private:
  std::unique_ptr<Subgraph> body_;
  size_t carried_count_ = 0;
  size_t scan_count_ = 0;
};

}  // namespace

void register_loop(Registry& r) {
  // Versions 11..23 widen the carried types (sequences, optionals); the iteration rule is the same.
  r.add({"", "Loop", 1, TypeSet::all(), make_kernel<Loop>});
}

}  // namespace onyxrt::ops
