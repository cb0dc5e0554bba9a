// The tensor-sequence operators of opset 11: SequenceEmpty, SequenceConstruct, SequenceInsert,
// SequenceAt, SequenceErase, SequenceLength. A sequence is an immutable Value; each op builds a
// new one sharing the item tensors (no tensor data is copied). The element type travels with the
// sequence so an empty one still has a type.
#include "ops/op_table.h"
#include "ops/sequence/sequence_args.h"

namespace onyxrt::ops {
namespace {

class SequenceEmpty final : public OpKernel {
 public:
  explicit SequenceEmpty(const KernelInfo& info) {
    const int64_t code = info.attr_int("dtype", static_cast<int64_t>(DataType::Float));
    if (code <= 0 || code > INT32_MAX || !data_type_is_valid(static_cast<int32_t>(code)))
      info.fail(ErrorCode::InvalidGraph, "attribute 'dtype' is ", code, ", not a tensor element type");
    type_ = static_cast<DataType>(code);
  }
  void compute(KernelContext& ctx) const override { ctx.set_output(0, Value::sequence({}, type_)); }

 private:
  DataType type_ = DataType::Float;
};

// All inputs must be tensors of one element type; their shapes may differ.
class SequenceConstruct final : public OpKernel {
 public:
  explicit SequenceConstruct(const KernelInfo& info) {
    if (info.input_count() == 0) info.fail(ErrorCode::InvalidGraph, "needs at least one input");
  }
  void compute(KernelContext& ctx) const override {
    std::vector<Value> items;
    items.reserve(ctx.input_count());
    DataType type = DataType::Undefined;
    for (size_t i = 0; i < ctx.input_count(); ++i) {
      const Tensor& t = ctx.input(i);
      if (i > 0 && t.dtype() != type)
        ctx.fail(ErrorCode::InvalidArgument, "input '", ctx.node().inputs[i], "' has element type ",
                 data_type_name(t.dtype()), " but input '", ctx.node().inputs[0], "' has ", data_type_name(type),
                 "; a sequence holds one element type");
      type = t.dtype();
      items.emplace_back(t);
    }
    ctx.set_output(0, Value::sequence(std::move(items), type));
  }
};

class SequenceInsert final : public OpKernel {
 public:
  explicit SequenceInsert(const KernelInfo&) {}
  void compute(KernelContext& ctx) const override {
    const Value& seq = input_sequence(ctx, 0);
    const Tensor& tensor = ctx.input(1);
    const DataType type = sequence_element_type(seq);
    if (type != DataType::Undefined && tensor.dtype() != type)
      ctx.fail(ErrorCode::InvalidArgument, "cannot insert a tensor(", data_type_name(tensor.dtype()),
               ") into a sequence of tensor(", data_type_name(type), ")");
    const auto count = static_cast<int64_t>(seq.items().size());
    const int64_t position =
        ctx.has_input(2) ? resolve_position(ctx, read_index_scalar(ctx, 2, "position"), count, true) : count;
    std::vector<Value> items = seq.items();
    items.insert(items.begin() + position, Value(tensor));
    ctx.set_output(0, Value::sequence(std::move(items), tensor.dtype()));
  }
};

class SequenceAt final : public OpKernel {
 public:
  explicit SequenceAt(const KernelInfo&) {}
  void compute(KernelContext& ctx) const override {
    const Value& seq = input_sequence(ctx, 0);
    const auto count = static_cast<int64_t>(seq.items().size());
    const int64_t position = resolve_position(ctx, read_index_scalar(ctx, 1, "position"), count, false);
    ctx.set_output(0, seq.items()[static_cast<size_t>(position)]);
  }
};

class SequenceErase final : public OpKernel {
 public:
  explicit SequenceErase(const KernelInfo&) {}
  void compute(KernelContext& ctx) const override {
    const Value& seq = input_sequence(ctx, 0);
    const auto count = static_cast<int64_t>(seq.items().size());
    if (count == 0) ctx.fail(ErrorCode::InvalidArgument, "cannot erase from an empty sequence");
    const int64_t position =
        ctx.has_input(1) ? resolve_position(ctx, read_index_scalar(ctx, 1, "position"), count, false) : count - 1;
    std::vector<Value> items = seq.items();
    items.erase(items.begin() + position);
    ctx.set_output(0, Value::sequence(std::move(items), sequence_element_type(seq)));
  }
};

class SequenceLength final : public OpKernel {
 public:
  explicit SequenceLength(const KernelInfo&) {}
  void compute(KernelContext& ctx) const override {
    const Value& seq = input_sequence(ctx, 0);
    *ctx.output(0, DataType::Int64, {}).data<int64_t>() = static_cast<int64_t>(seq.items().size());
  }
};

// Input 0 is a sequence for all but SequenceConstruct, so the executor's first-input type check
// (which applies to tensors only) has nothing to narrow: every row takes all types.
constexpr OpRow kSequenceRows[] = {
    {"SequenceEmpty", 11, TypeSet::all(), make_kernel<SequenceEmpty>},
    {"SequenceConstruct", 11, TypeSet::all(), make_kernel<SequenceConstruct>},
    {"SequenceInsert", 11, TypeSet::all(), make_kernel<SequenceInsert>},
    {"SequenceAt", 11, TypeSet::all(), make_kernel<SequenceAt>},
    {"SequenceErase", 11, TypeSet::all(), make_kernel<SequenceErase>},
    {"SequenceLength", 11, TypeSet::all(), make_kernel<SequenceLength>},
};
static_assert(sizeof(kSequenceRows) / sizeof(kSequenceRows[0]) == 6, "one row per sequence operator");

}  // namespace

void register_sequence_ops(Registry& r) { register_rows(r, kSequenceRows); }

}  // namespace onyxrt::ops
