// Optional, OptionalHasElement, OptionalGetElement. An optional holding a value is that value
// itself (a tensor or a sequence); an empty optional is a None value. So:
//   Optional(x) is x; Optional() with the `type` attribute is None;
//   OptionalHasElement is "input given and not None";
//   OptionalGetElement is the input, or an error when it is None.
// Versions 18 and 28 let a plain tensor or sequence stand where an optional was required (and
// widen the element types); in this representation that is what version 15 already does.
#include "ops/op_table.h"
#include "ops/sequence/sequence_args.h"

namespace onyxrt::ops {
namespace {

class Optional final : public OpKernel {
 public:
  explicit Optional(const KernelInfo& info) {
    if (!info.has_input(0) && !info.has_attr("type"))
      info.fail(ErrorCode::InvalidGraph, "has neither an input nor the 'type' attribute; one is required");
    if (info.has_attr("type") && info.node().find_attribute("type")->type != ir::AttrType::TypeProto)
      info.fail(ErrorCode::InvalidGraph, "attribute 'type' must be a TypeProto");
  }
  void compute(KernelContext& ctx) const override {
    ctx.set_output(0, ctx.has_input(0) ? ctx.input_value(0) : Value());
  }
};

class OptionalHasElement final : public OpKernel {
 public:
  explicit OptionalHasElement(const KernelInfo&) {}
  void compute(KernelContext& ctx) const override {
    *ctx.output(0, DataType::Bool, {}).data<bool>() = ctx.has_input(0);
  }
};

class OptionalGetElement final : public OpKernel {
 public:
  explicit OptionalGetElement(const KernelInfo& info) {
    if (!info.has_input(0)) info.fail(ErrorCode::InvalidGraph, "needs an input");
  }
  void compute(KernelContext& ctx) const override {
    if (!ctx.has_input(0))
      ctx.fail(ErrorCode::InvalidArgument, "input '", ctx.node().inputs[0],
               "' is an empty optional: it has no element");
    ctx.set_output(0, ctx.input_value(0));
  }
};

constexpr OpRow kOptionalRows[] = {
    {"Optional", 15, TypeSet::all(), make_kernel<Optional>},
    {"OptionalHasElement", 15, TypeSet::all(), make_kernel<OptionalHasElement>},
    {"OptionalGetElement", 15, TypeSet::all(), make_kernel<OptionalGetElement>},
};
static_assert(sizeof(kOptionalRows) / sizeof(kOptionalRows[0]) == 3, "one row per optional operator");

}  // namespace

void register_optional_ops(Registry& r) { register_rows(r, kOptionalRows); }

}  // namespace onyxrt::ops
