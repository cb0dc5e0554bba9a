// SplitToSequence (a tensor cut along an axis into a sequence of parts) and ConcatFromSequence
// (a sequence of tensors joined along an existing or a new axis). SplitToSequence-24 only adds
// element types, so one declaration serves both versions.
#include "ops/axis_copy.h"
#include "ops/axis_view.h"
#include "ops/op_table.h"
#include "ops/sequence/sequence_args.h"

namespace onyxrt::ops {
namespace {

class SplitToSequence final : public OpKernel {
 public:
  explicit SplitToSequence(const KernelInfo& info)
      : axis_(info.attr_int("axis", 0)), keepdims_(info.attr_int("keepdims", 1) != 0) {}

  void compute(KernelContext& ctx) const override {
    const Tensor& input = ctx.input(0);
    if (input.rank() == 0) ctx.fail(ErrorCode::InvalidArgument, "cannot split a scalar: it has no axis");
    const int64_t axis = resolve_axis(ctx, axis_, input.shape());
    const int64_t dim = input.dim(static_cast<size_t>(axis));

    std::vector<int64_t> lengths;
    bool squeeze = false;
    if (!ctx.has_input(1)) {
      lengths.assign(static_cast<size_t>(checked_part_count(ctx, input, dim)), 1);
      squeeze = !keepdims_;
    } else {
      lengths = read_split(ctx, input, dim);
    }

    std::vector<Value> parts;
    parts.reserve(lengths.size());
    int64_t start = 0;
    for (int64_t length : lengths) {
      Tensor part = slice_along_axis(input, axis, start, length);
      if (squeeze) {
        Shape s = part.shape();
        s.erase(s.begin() + axis);
        part = part.reshaped(s);
      }
      parts.emplace_back(std::move(part));
      start += length;
    }
    ctx.set_output(0, Value::sequence(std::move(parts), input.dtype()));
  }

 private:
  static int64_t checked_part_count(const KernelContext& ctx, const Tensor& input, int64_t parts) {
    if (too_many_pieces(parts, input.size()))
      ctx.fail(ErrorCode::InvalidArgument, "splitting shape ", shape_to_string(input.shape()), " would make ", parts,
               " parts, more than the tensor has elements");
    return parts;
  }

  // The part lengths: a scalar `split` cuts equal chunks (the last may be shorter); a 1-D one
  // lists them and must add up to the dimension.
  static std::vector<int64_t> read_split(const KernelContext& ctx, const Tensor& input, int64_t dim) {
    const Tensor& split = ctx.input(1);
    if (split.dtype() != DataType::Int64 && split.dtype() != DataType::Int32)
      ctx.fail(ErrorCode::InvalidArgument, "split must be int32 or int64, got ", data_type_name(split.dtype()));
    if (split.rank() > 1)
      ctx.fail(ErrorCode::InvalidArgument, "split must be a scalar or 1-D, got shape ", shape_to_string(split.shape()));
    auto at = [&split](int64_t i) {
      return split.dtype() == DataType::Int64 ? split.data<int64_t>()[i] : int64_t{split.data<int32_t>()[i]};
    };
    if (split.rank() == 0) {
      const int64_t chunk = at(0);
      if (chunk <= 0) ctx.fail(ErrorCode::InvalidArgument, "split must be positive, got ", chunk);
      const int64_t count = checked_part_count(ctx, input, dim / chunk + (dim % chunk != 0 ? 1 : 0));
      std::vector<int64_t> lengths(static_cast<size_t>(count), chunk);
      if (dim % chunk != 0) lengths.back() = dim % chunk;
      return lengths;
    }
    std::vector<int64_t> lengths(static_cast<size_t>(split.size()));
    for (int64_t i = 0; i < split.size(); ++i) lengths[static_cast<size_t>(i)] = at(i);
    int64_t total = 0;
    for (int64_t length : lengths)
      if (length < 0 || __builtin_add_overflow(total, length, &total))
        ctx.fail(ErrorCode::InvalidArgument, "split ", shape_to_string(lengths),
                 " has a negative entry or a sum that overflows");
    if (total != dim)
      ctx.fail(ErrorCode::InvalidArgument, "split ", shape_to_string(lengths), " adds up to ", total,
               " but the dimension being split is ", dim, " (input shape ", shape_to_string(input.shape()), ")");
    return lengths;
  }

  int64_t axis_;
  bool keepdims_;
};

class ConcatFromSequence final : public OpKernel {
 public:
  explicit ConcatFromSequence(const KernelInfo& info)
      : axis_(info.required_int("axis")), new_axis_(info.attr_int("new_axis", 0) != 0) {}

  void compute(KernelContext& ctx) const override {
    const Value& seq = input_sequence(ctx, 0);
    const std::vector<Value>& items = seq.items();
    if (items.empty()) ctx.fail(ErrorCode::InvalidArgument, "cannot concatenate an empty sequence");
    std::vector<Tensor> parts;
    parts.reserve(items.size());
    for (size_t i = 0; i < items.size(); ++i) {
      if (!items[i].is_tensor())
        ctx.fail(ErrorCode::InvalidArgument, "sequence item ", i, " is ", describe_value(items[i]), ", not a tensor");
      parts.push_back(items[i].tensor());
    }
    const Tensor& first = parts[0];
    if (!new_axis_ && first.rank() == 0) ctx.fail(ErrorCode::InvalidArgument, "cannot concatenate scalars");
    // With new_axis the items are stacked, and the axis counts in the stacked rank r + 1.
    const int64_t rank = static_cast<int64_t>(first.rank()) + (new_axis_ ? 1 : 0);
    if (axis_ < -rank || axis_ >= rank)
      ctx.fail(ErrorCode::InvalidArgument, "axis ", axis_, " is out of range [", -rank, ", ", rank - 1, "] for ",
               new_axis_ ? "stacking" : "concatenating", " items of shape ", shape_to_string(first.shape()));
    const int64_t axis = axis_ < 0 ? axis_ + rank : axis_;
    for (size_t i = 1; i < parts.size(); ++i) check_matches(ctx, first, parts[i], i, new_axis_ ? -1 : axis);
    ctx.set_output(0, new_axis_ ? stack_along_new_axis(parts, axis, first.shape(), first.dtype())
                                : concat_along_axis(parts, axis));
  }

 private:
  // Item i must have item 0's type and shape, except along `free_axis` (-1: none).
  static void check_matches(const KernelContext& ctx, const Tensor& first, const Tensor& t, size_t i,
                            int64_t free_axis) {
    bool same = t.dtype() == first.dtype() && t.rank() == first.rank();
    for (size_t d = 0; same && d < t.rank(); ++d)
      same = static_cast<int64_t>(d) == free_axis || t.dim(d) == first.dim(d);
    if (!same)
      ctx.fail(ErrorCode::InvalidArgument, "sequence item ", i, " (", describe_value(Value(t)),
               ") does not match item 0 (", describe_value(Value(first)), ")",
               free_axis >= 0 ? str_cat(" outside axis ", free_axis) : std::string());
  }

  int64_t axis_;
  bool new_axis_;
};

constexpr OpRow kSplitConcatRows[] = {
    {"SplitToSequence", 11, TypeSet::all(), make_kernel<SplitToSequence>},
    {"ConcatFromSequence", 11, TypeSet::all(), make_kernel<ConcatFromSequence>},
};
static_assert(sizeof(kSplitConcatRows) / sizeof(kSplitConcatRows[0]) == 2, "one row per operator");

}  // namespace

void register_split_concat_sequence(Registry& r) { register_rows(r, kSplitConcatRows); }

}  // namespace onyxrt::ops
