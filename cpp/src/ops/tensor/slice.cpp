#include "ops/tensor/slice.h"

#include <algorithm>
#include <iterator>

#include "ops/elementwise_types.h"
#include "ops/op_table.h"
#include "ops/tensor/strided_copy.h"
#include "ops/tensor/tensor_args.h"

namespace onyxrt::ops {
namespace {

struct SliceArgs {
  std::vector<int64_t> starts, ends, axes, steps;
  bool has_axes = false, has_steps = false;
};

// Slice of data: per axis a start, a step and an element count, clamped as the spec says.
// Builds the strided view and copies it (or shares the input when nothing is cut).
void slice_tensor(KernelContext& ctx, const Tensor& data, SliceArgs args) {
  const auto rank = static_cast<int64_t>(data.rank());
  const size_t n = args.starts.size();
  if (args.ends.size() != n || (args.has_axes && args.axes.size() != n) || (args.has_steps && args.steps.size() != n))
    ctx.fail(ErrorCode::InvalidArgument, "starts, ends, axes and steps have different lengths (", n, ", ",
             args.ends.size(), ", ", args.axes.size(), ", ", args.steps.size(), ")");
  if (!args.has_axes) {
    args.axes.resize(n);
    for (size_t i = 0; i < n; ++i) args.axes[i] = static_cast<int64_t>(i);
  }
  normalize_axes(ctx, args.axes, rank);

  Shape shape = data.shape();
  std::vector<int64_t> step_of(static_cast<size_t>(rank), 1), start_of(static_cast<size_t>(rank), 0);
  for (size_t i = 0; i < n; ++i) {
    const auto axis = static_cast<size_t>(args.axes[i]);
    const int64_t dim = data.dim(axis), step = args.has_steps ? args.steps[i] : 1;
    if (step == 0) ctx.fail(ErrorCode::InvalidArgument, "step for axis ", axis, " is 0");
    int64_t start = args.starts[i], end = args.ends[i];
    if (start < 0) start += dim;  // no overflow: dim >= 0 and start < 0
    if (end < 0) end += dim;
    int64_t count = 0;
    if (step > 0) {
      start = std::clamp<int64_t>(start, 0, dim);
      end = std::clamp<int64_t>(end, 0, dim);
      if (end > start) count = (end - start - 1) / step + 1;
    } else if (dim > 0) {
      start = std::clamp<int64_t>(start, 0, dim - 1);
      end = std::clamp<int64_t>(end, -1, dim - 1);
      const uint64_t magnitude = step == INT64_MIN ? uint64_t{1} << 63 : static_cast<uint64_t>(-step);
      if (start > end) count = static_cast<int64_t>(static_cast<uint64_t>(start - end - 1) / magnitude + 1);
    }
    shape[axis] = count;
    start_of[axis] = count > 0 ? start : 0;
    step_of[axis] = count > 1 ? step : 1;  // with <= 1 element the step never applies (no overflow)
  }

  if (shape == data.shape() && std::all_of(step_of.begin(), step_of.end(), [](int64_t s) { return s == 1; })) {
    ctx.set_output(0, ctx.input_value(0));  // nothing is cut
    return;
  }
  std::vector<int64_t> strides(static_cast<size_t>(rank));
  int64_t stride = 1, offset = 0;
  for (size_t d = static_cast<size_t>(rank); d-- > 0;) {
    strides[d] = stride * step_of[d];
    offset += start_of[d] * stride;
    stride *= data.dim(d);
  }
  Tensor& out = ctx.output(0, data.dtype(), shape);
  if (out.size() == 0) return;
  bool supported = visit_element_width(data.dtype(), [&](auto tag) {
    using W = typename decltype(tag)::type;
    strided_copy(data.data<W>() + offset, shape, strides, out.data<W>(), ctx.threads());
  });
  if (!supported) ctx.fail(ErrorCode::NotImplemented, "element type ", data_type_name(data.dtype()), " is not supported");
}

// Slice-1: starts, ends and the optional axes are attributes; no steps.
class SliceAttributeKernel final : public OpKernel {
 public:
  explicit SliceAttributeKernel(const KernelInfo& info) {
    args_.starts = info.required_ints("starts");
    args_.ends = info.required_ints("ends");
    args_.has_axes = info.has_attr("axes");
    args_.axes = info.attr_ints("axes");
  }
  void compute(KernelContext& ctx) const override { slice_tensor(ctx, ctx.input(0), args_); }

 private:
  SliceArgs args_;
};

// Slice-10 and later: starts, ends, axes, steps are inputs (int32 or int64).
class SliceKernel final : public OpKernel {
 public:
  explicit SliceKernel(const KernelInfo&) {}
  void compute(KernelContext& ctx) const override {
    SliceArgs args;
    args.starts = read_int64_list(ctx, 1, "starts");
    args.ends = read_int64_list(ctx, 2, "ends");
    args.has_axes = ctx.has_input(3);
    if (args.has_axes) args.axes = read_int64_list(ctx, 3, "axes");
    args.has_steps = ctx.has_input(4);
    if (args.has_steps) args.steps = read_int64_list(ctx, 4, "steps");
    slice_tensor(ctx, ctx.input(0), std::move(args));
  }
};

constexpr OpRow kSliceRows[] = {
    {"Slice", 1, kWholeByteTypesNoBf16, make_kernel<SliceAttributeKernel>},
    {"Slice", 10, kWholeByteTypesNoBf16, make_kernel<SliceKernel>},  // 11: negative axes, accepted here too
    {"Slice", 13, kWholeByteTypes, make_kernel<SliceKernel>},
};
static_assert(std::size(kSliceRows) == 3, "update the row count together with the table");

}  // namespace

void register_slice(Registry& r) { register_rows(r, kSliceRows); }

}  // namespace onyxrt::ops
