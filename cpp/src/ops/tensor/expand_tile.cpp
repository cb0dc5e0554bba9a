#include <algorithm>
#include <iterator>

#include "ops/broadcast.h"
#include "ops/elementwise_types.h"
#include "ops/op_table.h"
#include "ops/tensor/shape_ops_parts.h"
#include "ops/tensor/tensor_args.h"

// Expand and Tile both repeat the input; both are a broadcast copy through the shared engine
// (Tile as a broadcast of [1, d0, 1, d1, ...] to [r0, d0, r1, d1, ...]).
namespace onyxrt::ops {
namespace {

template <class W>
void broadcast_copy(const BroadcastPlan& plan, const W* src, W* dst, int threads) {
  const int64_t stride = plan.inner_stride(0);
  parallel_runs(plan, threads, [&](int64_t o, const int64_t* in, int64_t n) {
    if (stride) {
      std::copy_n(src + in[0], n, dst + o);
    } else {
      std::fill_n(dst + o, n, src[in[0]]);
    }
  });
}

// Writes `data` broadcast to `view` into a new output of shape `out_shape` (same element count).
void broadcast_into_output(KernelContext& ctx, const Tensor& data, const Shape& data_view, const Shape& view,
                           Shape out_shape) {
  checked_output_size(ctx, view);
  Tensor& out = ctx.output(0, data.dtype(), std::move(out_shape));
  BroadcastPlan plan(view, {&data_view});
  bool supported = visit_element_width(data.dtype(), [&](auto tag) {
    using W = typename decltype(tag)::type;
    broadcast_copy(plan, data.data<W>(), out.data<W>(), ctx.threads());
  });
  if (!supported) ctx.fail(ErrorCode::NotImplemented, "element type ", data_type_name(data.dtype()), " is not supported");
}

// Expand: the output shape is the broadcast of the input's shape and the `shape` input.
class ExpandKernel final : public OpKernel {
 public:
  explicit ExpandKernel(const KernelInfo&) {}

  void compute(KernelContext& ctx) const override {
    const Tensor& data = ctx.input(0);
    std::vector<int64_t> shape = read_int64_list(ctx, 1, "shape");
    Shape out = data.shape();
    bool ok = broadcast_shape_into(out, shape);
    for (int64_t d : shape) ok = ok && d >= 0;
    if (!ok)
      ctx.fail(ErrorCode::InvalidArgument, "cannot expand a tensor of shape ", shape_to_string(data.shape()),
               " to shape ", shape_to_string(shape));
    if (out == data.shape()) {  // nothing to repeat: share the input
      ctx.set_output(0, ctx.input_value(0));
      return;
    }
    broadcast_into_output(ctx, data, data.shape(), out, out);
  }
};

// Tile: dim d of the output is dim d of the input times repeats[d].
class TileKernel final : public OpKernel {
 public:
  explicit TileKernel(const KernelInfo&) {}

  void compute(KernelContext& ctx) const override {
    const Tensor& data = ctx.input(0);
    std::vector<int64_t> repeats = read_int64_list(ctx, 1, "repeats");
    if (repeats.size() != data.rank())
      ctx.fail(ErrorCode::InvalidArgument, "repeats has ", repeats.size(), " values for an input of rank ",
               data.rank());
    Shape data_view, view, out;
    for (size_t d = 0; d < data.rank(); ++d) {
      if (repeats[d] < 0) ctx.fail(ErrorCode::InvalidArgument, "repeats[", d, "] is negative (", repeats[d], ")");
      data_view.insert(data_view.end(), {1, data.dim(d)});
      view.insert(view.end(), {repeats[d], data.dim(d)});
      out.push_back(checked_output_size(ctx, {repeats[d], data.dim(d)}));
    }
    broadcast_into_output(ctx, data, data_view, view, std::move(out));
  }
};

constexpr OpRow kExpandTileRows[] = {
    {"Expand", 8, kWholeByteTypesNoBf16, make_kernel<ExpandKernel>},
    {"Expand", 13, kWholeByteTypes, make_kernel<ExpandKernel>},
    {"Tile", 6, kWholeByteTypesNoBf16, make_kernel<TileKernel>},
    {"Tile", 13, kWholeByteTypes, make_kernel<TileKernel>},
};
static_assert(std::size(kExpandTileRows) == 4, "update the row count together with the table");

}  // namespace

void register_expand_tile(Registry& r) { register_rows(r, kExpandTileRows); }

}  // namespace onyxrt::ops
