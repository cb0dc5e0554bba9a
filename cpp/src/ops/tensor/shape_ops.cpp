#include <algorithm>
#include <iterator>

#include "ops/op_table.h"
#include "ops/tensor/shape_ops_parts.h"
#include "ops/tensor/tensor_args.h"

// Operators that change only the shape: the output is a view of the input's buffer (no copy).
// Also Identity, Shape and Size.
namespace onyxrt::ops {
namespace {

int64_t checked_mul(const KernelContext& ctx, int64_t a, int64_t b) {
  int64_t r = 0;
  if (__builtin_mul_overflow(a, b, &r)) ctx.fail(ErrorCode::InvalidArgument, "shape element count overflows int64");
  return r;
}

// Reshape-5: 0 copies the input's dim; Reshape-14 adds allowzero (0 then means 0).
template <bool kHasAllowZero>
class ReshapeKernel final : public OpKernel {
 public:
  explicit ReshapeKernel(const KernelInfo& info) {
    if constexpr (kHasAllowZero) allow_zero_ = info.attr_int("allowzero", 0) != 0;
  }

  void compute(KernelContext& ctx) const override {
    const Tensor& data = ctx.input(0);
    std::vector<int64_t> spec = read_int64_list(ctx, 1, "shape");
    Shape out(spec.size());
    int64_t inferred = -1, known = 1;
    for (size_t i = 0; i < spec.size(); ++i) {
      int64_t v = spec[i];
      if (v == -1) {
        if (inferred >= 0) ctx.fail(ErrorCode::InvalidArgument, "shape ", shape_to_string(spec), " has more than one -1");
        inferred = static_cast<int64_t>(i);
        continue;
      }
      if (v == 0 && !allow_zero_) {
        if (i >= data.rank())
          ctx.fail(ErrorCode::InvalidArgument, "shape ", shape_to_string(spec), " copies dim ", i,
                   " (a 0) of the input of shape ", shape_to_string(data.shape()), ", which has no such dim");
        v = data.dim(i);
      }
      if (v < 0) ctx.fail(ErrorCode::InvalidArgument, "shape ", shape_to_string(spec), " has the invalid dim ", v);
      out[i] = v;
      known = checked_mul(ctx, known, v);
    }
    if (inferred >= 0) {
      if (known == 0 || data.size() % known != 0)
        ctx.fail(ErrorCode::InvalidArgument, "cannot reshape a tensor of shape ", shape_to_string(data.shape()),
                 " to ", shape_to_string(spec), ": the -1 cannot be inferred");
      out[static_cast<size_t>(inferred)] = data.size() / known;
    } else if (known != data.size()) {
      ctx.fail(ErrorCode::InvalidArgument, "cannot reshape a tensor of shape ", shape_to_string(data.shape()), " (",
               data.size(), " elements) to ", shape_to_string(out), " (", known, " elements)");
    }
    ctx.set_output(0, data.reshaped(std::move(out)));
  }

 private:
  bool allow_zero_ = false;
};

// Flatten: a 2-D view (dims before axis) x (dims from axis); axis in [-rank, rank].
class FlattenKernel final : public OpKernel {
 public:
  explicit FlattenKernel(const KernelInfo& info) : axis_(info.attr_int("axis", 1)) {}

  void compute(KernelContext& ctx) const override {
    const Tensor& data = ctx.input(0);
    const auto rank = static_cast<int64_t>(data.rank());
    int64_t axis = axis_ < 0 ? axis_ + rank : axis_;
    if (axis < 0 || axis > rank)
      ctx.fail(ErrorCode::InvalidArgument, "axis ", axis_, " is out of range for an input of rank ", rank);
    int64_t outer = 1, inner = 1;
    for (int64_t d = 0; d < rank; ++d) {
      int64_t dim = data.dim(static_cast<size_t>(d));
      if (d < axis) {
        outer = checked_mul(ctx, outer, dim);
      } else {
        inner = checked_mul(ctx, inner, dim);
      }
    }
    ctx.set_output(0, data.reshaped({outer, inner}));
  }

 private:
  int64_t axis_;
};

// Squeeze: axes from the attribute (before opset 13) or the optional input (13 on); none given
// removes every dim of 1.
template <bool kAxesInput>
class SqueezeKernel final : public OpKernel {
 public:
  explicit SqueezeKernel(const KernelInfo& info) {
    if constexpr (!kAxesInput) {
      has_axes_ = info.has_attr("axes");
      axes_ = info.attr_ints("axes");
    }
  }

  void compute(KernelContext& ctx) const override {
    const Tensor& data = ctx.input(0);
    std::vector<int64_t> axes = axes_;
    bool has_axes = has_axes_;
    if constexpr (kAxesInput) {
      has_axes = ctx.has_input(1);
      if (has_axes) axes = read_int64_list(ctx, 1, "axes");
    }
    const auto rank = static_cast<int64_t>(data.rank());
    std::vector<bool> drop(static_cast<size_t>(rank), false);
    if (has_axes && !axes.empty()) {  // an empty list squeezes every dim of 1, as no list does
      normalize_axes(ctx, axes, rank);
      for (int64_t a : axes) {
        if (data.dim(static_cast<size_t>(a)) != 1)
          ctx.fail(ErrorCode::InvalidArgument, "cannot squeeze axis ", a, " of shape ", shape_to_string(data.shape()),
                   ": its dim is not 1");
        drop[static_cast<size_t>(a)] = true;
      }
    } else {
      for (int64_t d = 0; d < rank; ++d) drop[static_cast<size_t>(d)] = data.dim(static_cast<size_t>(d)) == 1;
    }
    Shape out;
    for (int64_t d = 0; d < rank; ++d)
      if (!drop[static_cast<size_t>(d)]) out.push_back(data.dim(static_cast<size_t>(d)));
    ctx.set_output(0, data.reshaped(std::move(out)));
  }

 private:
  bool has_axes_ = false;
  std::vector<int64_t> axes_;
};

// Unsqueeze: inserts dims of 1 at `axes` (positions in the output, negative from its end).
template <bool kAxesInput>
class UnsqueezeKernel final : public OpKernel {
 public:
  explicit UnsqueezeKernel(const KernelInfo& info) {
    if constexpr (!kAxesInput) axes_ = info.required_ints("axes");
  }

  void compute(KernelContext& ctx) const override {
    const Tensor& data = ctx.input(0);
    std::vector<int64_t> axes = kAxesInput ? read_int64_list(ctx, 1, "axes") : axes_;
    const auto out_rank = static_cast<int64_t>(data.rank() + axes.size());
    normalize_axes(ctx, axes, out_rank);
    std::vector<bool> inserted(static_cast<size_t>(out_rank), false);
    for (int64_t a : axes) inserted[static_cast<size_t>(a)] = true;
    Shape out;
    size_t next = 0;
    for (int64_t d = 0; d < out_rank; ++d) out.push_back(inserted[static_cast<size_t>(d)] ? 1 : data.dim(next++));
    ctx.set_output(0, data.reshaped(std::move(out)));
  }

 private:
  std::vector<int64_t> axes_;
};

// Identity: the input value itself (a tensor, a sequence, an optional's content or None).
class IdentityKernel final : public OpKernel {
 public:
  explicit IdentityKernel(const KernelInfo&) {}
  void compute(KernelContext& ctx) const override {
    ctx.set_output(0, ctx.has_input(0) ? ctx.input_value(0) : Value());
  }
};

// Shape: the dims as int64; from opset 15 the slice [start, end) of them (clamped).
template <bool kHasRange>
class ShapeKernel final : public OpKernel {
 public:
  explicit ShapeKernel(const KernelInfo& info) {
    if constexpr (kHasRange) {
      start_ = info.attr_int("start", 0);
      end_ = info.has_attr("end") ? info.attr_int("end", 0) : INT64_MAX;
    }
  }

  void compute(KernelContext& ctx) const override {
    const Tensor& data = ctx.input(0);
    const auto rank = static_cast<int64_t>(data.rank());
    auto clamp = [rank](int64_t v) { return std::clamp(v < 0 ? v + rank : v, int64_t{0}, rank); };
    int64_t start = clamp(start_), end = end_ == INT64_MAX ? rank : clamp(end_);
    int64_t n = std::max<int64_t>(end - start, 0);
    Tensor& out = ctx.output(0, DataType::Int64, {n});
    for (int64_t i = 0; i < n; ++i) out.data<int64_t>()[i] = data.dim(static_cast<size_t>(start + i));
  }

 private:
  int64_t start_ = 0, end_ = INT64_MAX;
};

class SizeKernel final : public OpKernel {
 public:
  explicit SizeKernel(const KernelInfo&) {}
  void compute(KernelContext& ctx) const override {
    int64_t n = ctx.input(0).size();
    ctx.output(0, DataType::Int64, {}).data<int64_t>()[0] = n;
  }
};

// These only look at shapes, so every element type works at every version; the later versions
// of the ONNX schemas add types, not behaviour, except where a row of its own says so.
constexpr TypeSet kAny = TypeSet::all();

constexpr OpRow kShapeRows[] = {
    {"Reshape", 5, kAny, make_kernel<ReshapeKernel<false>>},
    {"Reshape", 14, kAny, make_kernel<ReshapeKernel<true>>},
    {"Flatten", 1, kAny, make_kernel<FlattenKernel>},  // negative axis (opset 11) accepted throughout
    {"Squeeze", 1, kAny, make_kernel<SqueezeKernel<false>>},
    {"Squeeze", 13, kAny, make_kernel<SqueezeKernel<true>>},
    {"Unsqueeze", 1, kAny, make_kernel<UnsqueezeKernel<false>>},
    {"Unsqueeze", 13, kAny, make_kernel<UnsqueezeKernel<true>>},
    {"Identity", 1, kAny, make_kernel<IdentityKernel>},
    {"Shape", 1, kAny, make_kernel<ShapeKernel<false>>},
    {"Shape", 15, kAny, make_kernel<ShapeKernel<true>>},
    {"Size", 1, kAny, make_kernel<SizeKernel>},
};
static_assert(std::size(kShapeRows) == 11, "update the row count together with the table");

}  // namespace

void register_shape_ops(Registry& r) {
  register_rows(r, kShapeRows);
  register_dropout(r);
  register_expand_tile(r);
  register_range(r);
}

}  // namespace onyxrt::ops
